from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DxConfig(AppConfig):
    """DX management (情報政策課): printers and copiers, their page counters, paper use, KPIs.

    Internal side only: it reads devices on the city's internal network.
    """

    name = "madoguchi.dx"
    label = "dx"
    verbose_name = _("DX推進（プリンタ・KPI）")
    default_auto_field = "django.db.models.BigAutoField"
