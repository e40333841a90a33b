from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    """Procedure catalogue (YAML + tests), determination engine, navigator screens.

    The catalogue is not loaded here: ``manage`` commands and ``madoguchi catalogue check DIR``
    must run whatever the configured catalogue holds. ``madoguchi serve``/``demo`` and the ASGI
    application load it before serving and refuse to start on a broken one.
    """

    name = "madoguchi.procedures"
    label = "procedures"
    verbose_name = _("回らない窓口（手続き判定）")
