from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "madoguchi.queueing"
    label = "queueing"
    verbose_name = _("待たない窓口（整理券・窓口）")

    def ready(self):
        from . import calendar

        calendar.connect_signals()

        from madoguchi.core import permissions

        from .models import Office

        # Screens under /o/<code>/ are checked against the office of their URL.
        permissions.register_office_lookup(lambda code: Office.objects.filter(code=code).first())

        from . import estimates, hooks

        # A change without an event row (what a counter serves) must not leave old waits cached.
        hooks.subscribe(hooks.ALL, estimates.forget)
