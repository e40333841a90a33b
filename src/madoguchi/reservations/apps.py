from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "madoguchi.reservations"
    label = "reservations"
    verbose_name = _("来庁予約")

    def ready(self):
        from . import mail

        mail.connect()  # confirmation and cancellation e-mails (hooks after commit)
