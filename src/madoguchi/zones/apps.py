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
        from madoguchi.reservations import hooks as reservation_hooks

        from .sync import on_schedule_changed

        reservation_hooks.subscribe(reservation_hooks.SCHEDULE, on_schedule_changed)
        # A booking staff cancelled inside goes out at once (the public side frees its slot).
        reservation_hooks.subscribe(reservation_hooks.CANCELLED, lambda r: on_schedule_changed(r.office))
        # Edits in the admin (types, schedules, slot changes, card hashes) go out at once too.
        from django.db.models.signals import post_delete, post_save

        from madoguchi.reservations.models import (
            Availability,
            CardNoticeHash,
            ReservationType,
            SlotOverride,
        )

        from .sync import on_schedule_row_saved

        for model in (ReservationType, Availability, SlotOverride, CardNoticeHash):
            post_save.connect(on_schedule_row_saved, sender=model, dispatch_uid=f"zones-{model.__name__}-save")
            post_delete.connect(on_schedule_row_saved, sender=model, dispatch_uid=f"zones-{model.__name__}-delete")
