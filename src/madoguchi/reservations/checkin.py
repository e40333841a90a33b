"""Check-in at the kiosk: which queue a booked visitor joins, and when the booking's window is.

A booking checked in within its window (``RESERVATION_CHECKIN_EARLY_MINUTES`` before the booked
time to ``RESERVATION_CHECKIN_LATE_MINUTES`` after it) gets a ticket in the type's fast-lane
category, which the call rule serves before the ordinary queues. Later than that the slot is
gone: the visitor gets an ordinary ticket (and is told so plainly), the booking counts as a
no-show. The ordinary queue is the one the visit would have gone to without a booking: the
first counter of the booked procedures (one-stop), else a queue of the sections told to gather,
else the office's first ordinary queue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from madoguchi.queueing.models import Category

from .models import Reservation, ReservationKind


@dataclass(frozen=True)
class Window:
    opens: dt.datetime
    closes: dt.datetime


def window(reservation: Reservation) -> Window:
    return Window(
        opens=reservation.start - dt.timedelta(minutes=settings.RESERVATION_CHECKIN_EARLY_MINUTES),
        closes=reservation.start + dt.timedelta(minutes=settings.RESERVATION_CHECKIN_LATE_MINUTES))


def _issuable(office) -> list[Category]:
    return list(Category.objects.filter(office=office, is_active=True).order_by("display_order", "range_start"))


def fast_lane_category(reservation: Reservation) -> Category | None:
    """The type's check-in category, else the office's first fast-lane queue."""
    category = reservation.type.category
    if category is not None and category.is_active and category.office_id == reservation.office_id:
        return category
    return next((c for c in _issuable(reservation.office) if c.is_fast_lane), None)


def _procedure_categories(reservation: Reservation) -> list[str]:
    if reservation.type.kind != ReservationKind.ONESTOP or not reservation.procedures:
        return []
    try:
        from madoguchi.procedures import selectors as procedure_selectors
    except ImportError:  # a city without the navigator
        return []
    on = reservation.start.date()
    out = []
    for code in reservation.procedures:
        info = procedure_selectors.procedure(str(code), on) or {}
        if info.get("category"):
            out.append(str(info["category"]))
    return out


def ordinary_category(reservation: Reservation) -> Category | None:
    """The queue of a visitor whose booking has lapsed (see the module's docstring)."""
    ordinary = [c for c in _issuable(reservation.office) if not c.is_fast_lane]
    by_code = {c.code: c for c in ordinary}
    for code in _procedure_categories(reservation):
        if code in by_code:
            return by_code[code]
    sections = set(reservation.type.sections.values_list("pk", flat=True))
    for category in ordinary:
        if category.section_id in sections:
            return category
    return ordinary[0] if ordinary else None
