from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastingConfig(AppConfig):
    name = "madoguchi.forecasting"
    label = "forecasting"
    verbose_name = _("待ち時間の予測と混雑予想")
