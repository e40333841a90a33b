"""Staff reads (habit 2): the day's bookings by slot, and the card preparation list.

Internal side only: the preparation list names the card holders (from ``CardNotice``), found by
the booking's keyed hash — the booking itself never holds the notice number or a name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from madoguchi.core.timeutil import JST

from . import cards, slots
from .models import (
    Availability,
    CardNotice,
    Reservation,
    ReservationKind,
    ReservationStatus,
    ReservationType,
    SlotOverride,
)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=JST)
    return start, start + dt.timedelta(days=1)


def reservation_of_office(office, code: str) -> Reservation | None:
    from .selectors import reservation_by_code

    reservation = reservation_by_code(code)
    return reservation if reservation is not None and reservation.office_id == office.pk else None


def procedure_names(codes: list[str], on: dt.date) -> list[dict]:
    """``[{"code", "name", "section"}]`` from the catalogue (the code alone when it is gone)."""
    try:
        from madoguchi.procedures import selectors as procedure_selectors
    except ImportError:
        return [{"code": c, "name": c, "section": ""} for c in codes]
    out = []
    for code in codes:
        proc = None
        try:
            proc = procedure_selectors.procedure(code, on)
        except Exception:  # noqa: BLE001 - a name only: the code is shown instead
            proc = None
        out.append({"code": code, "name": _ja((proc or {}).get("name")) or code,
                    "section": _ja((proc or {}).get("section_name"))})
    return out


def by_section(procedures: list[dict]) -> list[dict]:
    """``[{"section", "procedures": [names]}]`` in the order sections first appear: who gathers."""
    out: dict[str, list[str]] = {}
    for p in procedures:
        out.setdefault(p["section"], []).append(p["name"])
    return [{"section": section, "procedures": names} for section, names in out.items()]


def _ja(text) -> str:
    """The Japanese of a catalogue text (a string, or {lang: text})."""
    if isinstance(text, dict):
        return str(text.get("ja") or next(iter(text.values()), ""))
    return str(text or "")


def card_holders(office, digests: set[str]) -> dict[str, CardNotice]:
    """The notices (internal list) behind the bookings' keyed hashes."""
    if not digests:
        return {}
    out = {}
    for notice in CardNotice.objects.filter(office=office):
        digest = cards.notice_digest(office.code, notice.number, notice.birth_date)
        if digest in digests:
            out[digest] = notice
    return out


@dataclass
class SlotRow:
    start: dt.datetime
    end: dt.datetime
    rtype: ReservationType
    capacity: int | None  # None: not a slot of the schedule (a booking moved or kept)
    closed: bool = False
    note: str = ""
    changed: bool = False  # a supervisor changed this slot
    bookings: list[dict] = field(default_factory=list)

    @property
    def booked(self) -> int:
        return sum(1 for b in self.bookings if b["status"] != ReservationStatus.CANCELLED)


def day_sheet(office, day: dt.date, *, with_cancelled: bool = False, empty: bool = True) -> list[SlotRow]:
    """Every slot of the office's types on ``day`` (closed ones too), in time order, with the
    bookings that hold it (a booking of several slots is listed in its first slot). ``empty``
    False leaves out slots without bookings that nobody changed."""
    lo, hi = _day_bounds(day)
    types = list(ReservationType.objects.filter(office=office).select_related("office"))
    overrides = {(o.type_id, o.start): o for o in
                 SlotOverride.objects.filter(office=office, start__gte=lo, start__lt=hi)}
    availabilities: dict[int, list[Availability]] = {}
    for avail in Availability.objects.filter(office=office):
        availabilities.setdefault(avail.type_id, []).append(avail)
    cal = slots.office_calendar(office, day)
    rows: dict[tuple[int, dt.datetime], SlotRow] = {}
    for rtype in types:
        raw = slots._raw_slots(availabilities.get(rtype.pk, []), cal, day, today=None)
        for start, (end, capacity) in raw.items():
            override = overrides.get((rtype.pk, start))
            row = SlotRow(start, end, rtype, capacity)
            if override is not None:
                row.closed, row.note = override.closed, override.note
                if override.capacity is not None:
                    row.capacity = override.capacity
                row.changed = True
            rows[(rtype.pk, start)] = row
    reservations = (Reservation.objects.filter(office=office, start__gte=lo, start__lt=hi)
                    .select_related("type").order_by("start", "created_at", "code"))
    if not with_cancelled:
        reservations = reservations.exclude(status=ReservationStatus.CANCELLED)
    reservations = list(reservations)
    holders = card_holders(office, {r.notice_hash for r in reservations if r.notice_hash})
    for r in reservations:
        row = rows.get((r.type_id, r.start))
        if row is None:
            row = rows[(r.type_id, r.start)] = SlotRow(r.start, r.end, r.type, None)
        notice = holders.get(r.notice_hash)
        row.bookings.append({
            "reservation": r, "code": r.display_code, "status": r.status,
            "status_label": r.get_status_display(), "slots": r.slots, "end": r.end,
            "life_event": r.life_event, "procedures": procedure_names(r.procedures, day),
            "sections": by_section(procedure_names(r.procedures, day)),
            "card": notice, "card_missing": bool(r.notice_hash) and notice is None,
            "prepared": r.prepared_at is not None, "prepared_by": r.prepared_by,
            "email": bool(r.email)})
    kept = [row for row in rows.values() if empty or row.bookings or row.changed]
    return sorted(kept, key=lambda row: (row.start, row.rtype.display_order, row.rtype.code))


@dataclass(frozen=True)
class PreparationLine:
    start: dt.datetime
    code: str
    number: str
    name: str
    birth_date: dt.date | None
    status: str
    prepared: bool


def preparation_list(office, day: dt.date) -> list[PreparationLine]:
    """The cards to take out of the safe for ``day``: one line per card-pickup booking (not
    cancelled), by slot, with the notice number and the holder's name from the internal list."""
    lo, hi = _day_bounds(day)
    reservations = list(Reservation.objects.filter(
        office=office, start__gte=lo, start__lt=hi, type__kind=ReservationKind.CARD_PICKUP)
        .exclude(status=ReservationStatus.CANCELLED).order_by("start", "created_at", "code"))
    holders = card_holders(office, {r.notice_hash for r in reservations if r.notice_hash})
    out = []
    for r in reservations:
        notice = holders.get(r.notice_hash)
        out.append(PreparationLine(
            start=r.start, code=r.display_code,
            number=notice.number if notice else "", name=notice.name if notice else "",
            birth_date=notice.birth_date if notice else None,
            status="交付済" if notice and notice.picked_up_at else r.get_status_display(),
            prepared=r.prepared_at is not None))
    return out
