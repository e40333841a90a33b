from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "madoguchi.opendata"
    label = "opendata"
    verbose_name = _("オープンデータ（窓口の統計）")
