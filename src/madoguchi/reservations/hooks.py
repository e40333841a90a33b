"""Who wants to know of a booking's change (e-mail confirmation, the zone pull, staff screens).

Subscribers are called after the commit with the reservation, in the order they subscribed;
one that fails is logged and does not stop the others (a booking is made whatever they do).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

BOOKED = "booked"
CANCELLED = "cancelled"
CHANGED = "changed"  # checked in, no-show, prepared, moved by a slot change
# Not a booking but an office (called with it): its schedule, slot changes or card list changed,
# so the internal side sends them out now (zones subscribes).
SCHEDULE = "schedule"

_subscribers: dict[str, list[Callable]] = {}


def subscribe(event: str, fn: Callable) -> None:
    if fn not in _subscribers.setdefault(event, []):
        _subscribers[event].append(fn)


def emit(event: str, reservation) -> None:
    for fn in list(_subscribers.get(event, ())):
        try:
            fn(reservation)
        except Exception:  # noqa: BLE001 - a subscriber's failure never undoes a booking
            log.exception("reservation hook %s failed for %s", event, getattr(reservation, "code", reservation))
