from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "madoguchi.zones"
    label = "zones"
    verbose_name = _("ネットワーク分離（公開側への連携）")

    def ready(self):
        # The queue imports nothing from here: zones plugs into the queue's extension points.
        from madoguchi.queueing import hooks, public_state

        from .public_state import ZoneCopyState
        from .sync import on_board_published

        public_state.register("public", ZoneCopyState())  # the public side reads the zone copy
        hooks.subscribe_board(on_board_published)  # the internal side forwards each board
