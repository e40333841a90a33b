from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastingConfig(AppConfig):
    name = "madoguchi.forecasting"
    label = "forecasting"
    verbose_name = _("待ち時間の予測と混雑予想")

    def ready(self):
        from madoguchi.queueing import estimates

        from .selectors import office_waits

        # The board, the ticket page, the kiosk and the notices show the engine's P50/P80
        # (queueing/estimates.py falls back to its formula when nothing is registered).
        estimates.register_estimator(office_waits)
