"""Bookable slots, computed from a type's availabilities, the office calendar, a supervisor's
overrides and the bookings held (``SlotCount``). Nothing stores the slots themselves.

A slot is ``[start, start + slot_minutes)`` on a weekday the availability names, in a week it
repeats (every ``repeat_weeks`` weeks counted from the week of ``valid_from``), ending by
``end_time``, lying wholly inside one of the office calendar's reception ranges of that day
(queueing/calendar.py: closed days, holidays, 年末年始, hours), and inside the bookable window
(``bookable_from_days`` to ``bookable_until_days`` days after today, and not already begun).
Two availabilities of one type giving the same start: the larger capacity counts.

A booking that needs ``n`` slots takes ``n`` consecutive ones (each starts where the one before
ends); what may be booked from a start is the least free of those ``n``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from madoguchi.core.timeutil import JST, business_date, now
from madoguchi.queueing import calendar, public_state

from .models import Availability, ReservationType, SlotCount, SlotOverride

MAX_DAYS = 92


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _repeats_on(avail: Availability, date: dt.date) -> bool:
    if avail.repeat_weeks <= 1:
        return True
    anchor = avail.valid_from - dt.timedelta(days=avail.valid_from.weekday())
    return ((date - anchor).days // 7) % avail.repeat_weeks == 0


def _in_window(avail: Availability, date: dt.date, today: dt.date) -> bool:
    return (today + dt.timedelta(days=avail.bookable_from_days) <= date
            <= today + dt.timedelta(days=avail.bookable_until_days))


def _inside(ranges, start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in ranges)


def _raw_slots(availabilities, cal, date: dt.date, *, today: dt.date | None) -> dict[dt.datetime, tuple]:
    """start → (end, capacity) of one date, before overrides and bookings; ``today`` None skips
    the bookable window (staff and the demo see and book any slot of the schedule)."""
    out: dict[dt.datetime, tuple[dt.datetime, int]] = {}
    ranges = calendar.day_of(cal, date).ranges
    if not ranges:
        return out
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=JST)
    for avail in availabilities:
        if date.weekday() not in (avail.weekdays or []) or date < avail.valid_from:
            continue
        if avail.valid_until is not None and date > avail.valid_until:
            continue
        if not _repeats_on(avail, date) or (today is not None and not _in_window(avail, date, today)):
            continue
        step = avail.slot_minutes * 60
        s, last = _seconds(avail.start_time), _seconds(avail.end_time)
        while s + step <= last:
            if _inside(ranges, s, s + step):
                start = midnight + dt.timedelta(seconds=s)
                end = midnight + dt.timedelta(seconds=s + step)
                previous = out.get(start)
                if previous is None or previous[1] < avail.capacity:
                    out[start] = (end, avail.capacity)
            s += step
    return out


def office_calendar(office, first: dt.date) -> calendar.Calendar:
    """The office calendar. On the public side the queue's calendar rows are not there: the copy
    the internal side pushes (``public_state.get_calendar``: each day's reception hours, from
    today on) becomes a calendar of dated ranges; a day beyond the copy is closed."""
    if not public_state.is_public():
        return calendar.office_calendar(office, since=first)
    days = public_state.get_calendar(office.code, first, MAX_DAYS + 1) or []
    specials = {dt.date.fromisoformat(d["date"]): (tuple((_hhmm(a), _hhmm(b)) for a, b in d["hours"]),
                                                   d.get("note") or "")
                for d in days}
    rows = calendar.CalendarRows(weekly={}, closures={}, specials=specials, cutoffs={}, loaded_from=first)
    return calendar.Calendar(enforced=True, closed_on_holidays=False, closed_year_end=False, rows=rows)


def _hhmm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def type_slots(rtype: ReservationType, *, first: dt.date, days: int, at: dt.datetime | None = None,
               window: bool = True) -> list[Slot]:
    """Every slot of ``rtype`` on ``days`` dates from ``first``, in order, with its capacity
    (overrides applied; closed slots left out) and the bookings it holds. Three queries (the
    office calendar is cached per process)."""
    days = max(0, min(int(days), MAX_DAYS))
    at = at or now()
    today = business_date(at)
    availabilities = list(Availability.objects.filter(type=rtype))
    if not availabilities or days == 0:
        return []
    cal = office_calendar(rtype.office, first)
    raw: dict[dt.datetime, tuple[dt.datetime, int]] = {}
    for offset in range(days):
        raw.update(_raw_slots(availabilities, cal, first + dt.timedelta(days=offset),
                              today=today if window else None))
    if not raw:
        return []
    lo, hi = min(raw), max(raw)
    overrides = {o.start: o for o in SlotOverride.objects.filter(type=rtype, start__gte=lo, start__lte=hi)}
    counts = dict(SlotCount.objects.filter(type=rtype, start__gte=lo, start__lte=hi)
                  .values_list("start", "booked"))
    out = []
    for start in sorted(raw):
        if window and start <= at:
            continue
        end, capacity = raw[start]
        override = overrides.get(start)
        if override is not None:
            if override.closed:
                continue
            if override.capacity is not None:
                capacity = override.capacity
        out.append(Slot(start, end, capacity, counts.get(start, 0)))
    return out


def runs(slots: list[Slot], needed: int) -> list[tuple[Slot, list[Slot]]]:
    """For each slot, the ``needed`` consecutive slots a booking from it takes (slots from which
    there are not enough consecutive ones are left out)."""
    needed = max(1, needed)
    out = []
    for i, slot in enumerate(slots):
        run = [slot]
        for nxt in slots[i + 1:i + needed]:
            if nxt.start != run[-1].end:
                break
            run.append(nxt)
        if len(run) == needed:
            out.append((slot, run))
    return out


def bookable(rtype: ReservationType, *, first: dt.date, days: int, needed: int | None = None,
             at: dt.datetime | None = None, window: bool = True) -> list[dict]:
    """The public answer: ``[{"start", "end", "free"}]`` for bookings needing ``needed``
    consecutive slots (the type's ``slots_needed`` by default); full slots stay, with free 0."""
    needed = needed or rtype.slots_needed or 1
    return [{"start": slot.start, "end": run[-1].end, "free": min(s.free for s in run)}
            for slot, run in runs(type_slots(rtype, first=first, days=days, at=at, window=window), needed)]
