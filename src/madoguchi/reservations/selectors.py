"""Reads of reservations (habit 2)."""

from __future__ import annotations

import datetime as dt

from madoguchi.core.i18n import category_name
from madoguchi.core.timeutil import JST

from . import codes, slots
from .models import Reservation, ReservationType

# settings.THROTTLE's scope for look-ups by a typed booking code: misses per address (guessing)
LOOKUP_SCOPE = "reservation_lookup"


def reservation_by_code(code: str) -> Reservation | None:
    normalized = codes.normalize(code)
    if not normalized:
        return None
    return Reservation.objects.select_related("office", "type").filter(code=normalized).first()


def reservation_types(office) -> list[ReservationType]:
    return list(ReservationType.objects.filter(office=office, is_active=True).select_related("office"))


def free_slots(rtype: ReservationType, *, first: dt.date, days: int, needed: int | None = None,
               at: dt.datetime | None = None) -> list[dict]:
    return slots.bookable(rtype, first=first, days=days, needed=needed, at=at)


def type_name(rtype: ReservationType, lang: str | None = None) -> str:
    """The type's name in ``lang`` (the active language), kept as a category's names are."""
    return category_name({"name": rtype.name, "name_en": rtype.name_en, "names": rtype.names},
                         lang=lang)


def day_counts(office, day: dt.date, *, at: dt.datetime | None = None) -> dict[str, int]:
    """Bookings of one business day by outcome: ``booked`` (still to come), ``checked_in``,
    ``no_show`` (marked, or still open after the check-in window: counted without waiting for
    ``reservation_mark_no_shows``) and ``cancelled``. One query (a day's bookings are few; the
    lapse depends on each start, so they are counted here)."""
    from django.conf import settings

    from madoguchi.core.timeutil import JST, now

    from .models import ReservationStatus

    at = at or now()
    first = dt.datetime.combine(day, dt.time(), tzinfo=JST)
    lapsed_before = at - dt.timedelta(minutes=settings.RESERVATION_CHECKIN_LATE_MINUTES)
    rows = (Reservation.objects.filter(office=office, start__gte=first, start__lt=first + dt.timedelta(days=1))
            .values("status", "start"))
    out = dict.fromkeys(("booked", "checked_in", "no_show", "cancelled"), 0)
    for status, n in _by_outcome(rows, lapsed_before, ReservationStatus).items():
        out[status] += n
    return out


def _by_outcome(rows, lapsed_before, statuses) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in rows:
        status = row["status"]
        if status == statuses.BOOKED and row["start"] < lapsed_before:
            status = statuses.NO_SHOW
        out[str(status)] = out.get(str(status), 0) + 1
    return out


OPEN_DATA_COLUMNS = ("date", "type", "slots", "capacity", "booked", "free")


def free_slots_by_day(office, *, first: dt.date, days: int) -> list[dict]:
    """Open data: per date and reservation type, the schedule's slots, their capacity, the
    bookings held and the places still free. Aggregates only (no booking, no time of one);
    every slot of the schedule counts, bookable yet or not, so past days stay as they were."""
    out = []
    for rtype in ReservationType.objects.filter(office=office, is_active=True).select_related("office"):
        by_day: dict[dt.date, dict] = {}
        for slot in slots.type_slots(rtype, first=first, days=days, window=False):
            day = by_day.setdefault(slot.start.astimezone(JST).date(),
                                    {"slots": 0, "capacity": 0, "booked": 0, "free": 0})
            day["slots"] += 1
            day["capacity"] += slot.capacity
            day["booked"] += min(slot.booked, slot.capacity)
            day["free"] += slot.free
        out.extend({"date": day.isoformat(), "type": rtype.code, **counts}
                   for day, counts in sorted(by_day.items()))
    out.sort(key=lambda row: row["date"])
    return out


def _text(value) -> str:
    if isinstance(value, dict):
        return str(value.get("ja") or next(iter(value.values()), "") or "")
    return "" if value is None else str(value)


def sections_to_gather(reservation: Reservation) -> list[dict]:
    """The sections told to gather for a booking: the type's own (``sections``), then, for a
    one-stop booking, the section of each of its procedures (catalogue on the booked day), in
    order, each once, with the procedures it handles:
    ``[{"section": code | "", "name", "procedures": [{"code", "name"}]}]``."""
    out: dict[str, dict] = {}
    for section in reservation.type.sections.all():
        out.setdefault(f"office:{section.pk}", {"section": "", "name": section.name, "procedures": []})
    if reservation.procedures:
        try:
            from madoguchi.procedures import selectors as procedure_selectors
        except ImportError:  # no catalogue installed: the codes alone
            procedure_selectors = None
        on = reservation.start.astimezone(JST).date()
        for code in reservation.procedures:
            info = (procedure_selectors.procedure(code, on) if procedure_selectors else None) or {}
            key = str(info.get("section") or "-")
            group = out.setdefault(key, {"section": info.get("section") or "",
                                         "name": _text(info.get("section_name")) or key, "procedures": []})
            group["procedures"].append({"code": code, "name": _text(info.get("name")) or code})
    return list(out.values())


def checked_in_count(first: dt.date, last: dt.date) -> int:
    """Bookings checked in at a kiosk between two business dates (both included), all offices:
    the visits that were booked (the DX office's KPI 「予約して来庁した割合」)."""
    start = dt.datetime.combine(first, dt.time.min, tzinfo=JST)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=JST)
    return Reservation.objects.filter(checked_in_at__gte=start, checked_in_at__lt=end).count()
