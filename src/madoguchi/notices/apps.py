from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "madoguchi.notices"
    label = "notices"
    verbose_name = _("順番のお知らせ（Web Push・メール）")

    def ready(self):
        from madoguchi.queueing import hooks

        from .services import on_board_published

        # ROLE all: each board published may bring a subscribed ticket's turn nearer. (On the
        # public side the zone receiver evaluates the statuses it receives.)
        hooks.subscribe_board(on_board_published)
        # The ticket page shows the opt-in while the ticket is active (queueing/hooks.py).
        hooks.add_ticket_page_part("notices/_optin.html")
