from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "madoguchi.cases"
    label = "cases"
    verbose_name = _("回らない窓口（来庁案件）")

    def ready(self):
        from madoguchi.queueing import hooks

        from .services import on_ticket_routed

        # A ticket routed for a case (ref "case:<code>") by any path joins that case.
        hooks.subscribe(hooks.ROUTED, on_ticket_routed)
        # The counter screen shows the case of the called ticket beside it (internal side only:
        # the counter screen exists only there).
        hooks.add_counter_panel_part("cases/_counter_part.html")
