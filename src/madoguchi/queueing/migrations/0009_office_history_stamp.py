from django.db import migrations, models

import madoguchi.queueing.models


class Migration(migrations.Migration):

    dependencies = [
        ('queueing', '0008_issue_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='office',
            name='history_stamp',
            field=models.CharField(default=madoguchi.queueing.models.new_stamp, editable=False, max_length=32),
        ),
    ]
