from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "madoguchi.queueing"
    label = "queueing"
    verbose_name = _("待たない窓口（整理券・窓口）")

    def ready(self):
        from . import calendar

        calendar.connect_signals()
