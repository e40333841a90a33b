"""The reservations' side of the two network zones (zones/ carries it over HTTP, signed).

Who holds what:

- the **internal** side decides the schedule (types, availabilities, a supervisor's slot
  changes) and holds the card list; it sends them out with the zone push (``outgoing``), the
  card list only as keyed hashes (cards.py). Staff cancellations made inside go out too.
- the **public** side takes the bookings and is their authority for booking and cancelling
  (``SlotCount`` there keeps them within capacity). It applies what the internal side sends
  (``incoming_apply``) and answers the internal side's pull (``changes_since``).
- the internal side **pulls** the bookings (``pulled_apply``): it opens the connection, so
  the internal network accepts none. Check-in, 準備済 and no-shows happen inside and stay there.

Everything here is idempotent: a push or a page of the pull may arrive twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from madoguchi.core.actors import SYSTEM
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import JST, business_date, now
from madoguchi.queueing.models import Office

from . import services
from .models import (
    Availability,
    CardNoticeHash,
    Reservation,
    ReservationStatus,
    ReservationType,
    SlotCount,
    SlotOverride,
)

log = logging.getLogger(__name__)

TYPE_FIELDS = ("code", "name", "name_en", "names", "kind", "slots_needed", "procedures_per_slot",
               "max_slots", "display_order", "is_active")
AVAILABILITY_FIELDS = ("weekdays", "valid_from", "valid_until", "start_time", "end_time", "repeat_weeks",
                       "slot_minutes", "capacity", "bookable_from_days", "bookable_until_days")
DATE_FIELDS = {"valid_from", "valid_until"}
TIME_FIELDS = {"start_time", "end_time"}
# What the pull carries of a booking: no manage token (the citizen's secret stays outside).
PULLED_FIELDS = ("code", "start", "end", "slots", "status", "email", "lang", "life_event", "procedures",
                 "notice_hash", "created_at", "cancelled_at")
SENT_FIELDS = ("code", "start", "end", "slots", "status", "lang", "life_event", "procedures", "notice_hash",
               "created_at")
CANCELLED_SENT_DAYS = 14
PAGE = 500


# ------------------------------------------------------------------ internal → public


def card_hashes(office) -> tuple[str, list[str]]:
    """The office's keyed hashes, sorted, and a version (their digest) to skip unchanged lists."""
    digests = sorted(CardNoticeHash.objects.filter(office=office).values_list("digest", flat=True))
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()[:32], digests


def outgoing(office, *, known_card_version: str | None = None, at: dt.datetime | None = None) -> dict:
    """What the public side needs to take bookings for ``office`` (nothing personal): the types,
    their schedules, the slot changes from yesterday on, the card hashes (left out when the
    public side already has this version) and the bookings staff cancelled inside."""
    at = at or now()
    types = list(ReservationType.objects.filter(office=office))
    codes = {t.pk: t.code for t in types}
    since = dt.datetime.combine(business_date(at) - dt.timedelta(days=1), dt.time(), tzinfo=JST)
    version, digests = card_hashes(office)
    part = {
        "types": [{f: getattr(t, f) for f in TYPE_FIELDS} for t in types],
        "availabilities": [
            {"type": codes[a.type_id], **{f: _plain(getattr(a, f)) for f in AVAILABILITY_FIELDS}}
            for a in Availability.objects.filter(office=office).order_by("pk")],
        "overrides": [
            {"type": codes[o.type_id], "start": o.start.astimezone(JST).isoformat(), "capacity": o.capacity,
             "closed": o.closed, "note": o.note}
            for o in SlotOverride.objects.filter(office=office, start__gte=since).order_by("start")],
        "card_hashes_version": version,
        # Bookings made inside (staff, by phone): the public side counts them in its slots. Without
        # the e-mail address or the manage token.
        "bookings": [{f: _plain(getattr(r, f)) for f in SENT_FIELDS} | {"type": codes[r.type_id]}
                     for r in Reservation.objects.filter(office=office, origin="", status=ReservationStatus.BOOKED,
                                                         end__gt=at)],
        "cancelled": list(Reservation.objects.filter(
            office=office, status=ReservationStatus.CANCELLED, start__gt=at,
            cancelled_at__gte=at - dt.timedelta(days=CANCELLED_SENT_DAYS)).values_list("code", flat=True)),
    }
    if version != known_card_version:
        part["card_hashes"] = digests
    return part


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date | dt.time) else value


def _parse(field: str, value):
    if value is None:
        return None
    if field in DATE_FIELDS:
        return dt.date.fromisoformat(value)
    if field in TIME_FIELDS:
        return dt.time.fromisoformat(value)
    return value


def incoming_apply(*, office: dict, part: dict, at: dt.datetime | None = None) -> dict:
    """Public side: make the copy match what the internal side sent (inside the receiver's
    transaction), then cancel bookings that a changed slot no longer holds (e-mailed)."""
    from .staff_services import slot_override_enforce

    at = at or now()
    row = _office_row(office)
    types = _apply_types(row, part.get("types", []))
    if _availability_changed(row, part.get("availabilities", [])):
        Availability.objects.filter(office=row).delete()
        Availability.objects.bulk_create([
            Availability(office=row, type=types[a["type"]],
                         **{f: _parse(f, a[f]) for f in AVAILABILITY_FIELDS if f in a})
            for a in part.get("availabilities", []) if a.get("type") in types])
    changed = _apply_overrides(row, types, part.get("overrides", []), at)
    if "card_hashes" in part:
        wanted = set(part["card_hashes"])
        have = set(CardNoticeHash.objects.filter(office=row).values_list("digest", flat=True))
        CardNoticeHash.objects.filter(office=row, digest__in=have - wanted).delete()
        CardNoticeHash.objects.bulk_create([CardNoticeHash(office=row, digest=d) for d in wanted - have],
                                           batch_size=500, ignore_conflicts=True)
    _apply_bookings(row, types, part.get("bookings", []))
    cancelled = []
    for code in part.get("cancelled", []):
        if Reservation.objects.filter(code=code, office=row, status=ReservationStatus.BOOKED).exists():
            try:
                cancelled.append(services.reservation_cancel(actor=SYSTEM, code=code, at=at).code)
            except ServiceError as exc:
                log.info("zone: staff cancellation of %s not applied (%s)", code, exc.code)
    for rtype, start in changed:
        cancelled += [r.code for r in slot_override_enforce(rtype=rtype, start=start, at=at)]
    return {"cancelled": cancelled}


def _apply_bookings(office, types, incoming: list[dict]) -> None:
    """Bookings staff made inside: added once, counted in their slots (staff may book beyond the
    capacity, as inside); their later cancellation comes in the ``cancelled`` list."""
    known = set(Reservation.objects.filter(code__in=[b["code"] for b in incoming]).values_list("code", flat=True))
    for data in incoming:
        rtype = types.get(data.get("type"))
        if rtype is None or data["code"] in known:
            continue
        fields = {f: data[f] for f in SENT_FIELDS if f in data}
        for f in ("start", "end", "created_at"):
            fields[f] = dt.datetime.fromisoformat(fields[f])
        try:
            with transaction.atomic():
                reservation = Reservation.objects.create(office=office, type=rtype, origin="internal", **fields)
        except IntegrityError:  # e.g. the same card booked outside meanwhile: outside's booking stands
            log.warning("zone: staff booking %s not taken outside (conflicts with a booking there)", data["code"])
            continue
        _count(reservation, +1)


def _office_row(office: dict) -> Office:
    """The public side's own office row (bookings point at it); only names and order."""
    fields = {"name": office.get("name", ""), "name_en": office.get("name_en", ""),
              "display_order": office.get("display_order", 0)}
    row = Office.objects.filter(code=office["code"]).first()
    if row is None:
        return Office.objects.create(code=office["code"], **fields)
    if any(getattr(row, k) != v for k, v in fields.items()):
        Office.objects.filter(pk=row.pk).update(**fields)
    return row


def _apply_types(office, incoming: list[dict]) -> dict[str, ReservationType]:
    existing = {t.code: t for t in ReservationType.objects.filter(office=office)}
    out = {}
    for data in incoming:
        fields = {f: data[f] for f in TYPE_FIELDS if f in data and f != "code"}
        rtype = existing.get(data["code"])
        if rtype is None:
            rtype = ReservationType.objects.create(office=office, code=data["code"], **fields)
        elif any(getattr(rtype, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(rtype, k, v)
            rtype.save(update_fields=list(fields))
        out[rtype.code] = rtype
    gone = [t.pk for code, t in existing.items() if code not in out and t.is_active]
    ReservationType.objects.filter(pk__in=gone).update(is_active=False)  # bookings keep their type
    return out


def _availability_changed(office, incoming: list[dict]) -> bool:
    current = [{"type": a.type.code, **{f: _plain(getattr(a, f)) for f in AVAILABILITY_FIELDS}}
               for a in Availability.objects.filter(office=office).select_related("type").order_by("pk")]
    return json.dumps(current, sort_keys=True) != json.dumps(incoming, sort_keys=True)


def _apply_overrides(office, types, incoming: list[dict], at) -> list[tuple]:
    """Upsert the slot changes sent; drop the ones no longer sent (from yesterday on). Returns the
    (type, start) of each change that limits a slot (to enforce)."""
    since = dt.datetime.combine(business_date(at) - dt.timedelta(days=1), dt.time(), tzinfo=JST)
    existing = {(o.type_id, o.start): o for o in SlotOverride.objects.filter(office=office, start__gte=since)}
    seen, limiting = set(), []
    for data in incoming:
        rtype = types.get(data.get("type"))
        if rtype is None:
            continue
        start = dt.datetime.fromisoformat(data["start"])
        key = (rtype.pk, start)
        seen.add(key)
        fields = {"capacity": data.get("capacity"), "closed": bool(data.get("closed")),
                  "note": (data.get("note") or "")[:100]}
        override = existing.get(key)
        if override is None:
            SlotOverride.objects.create(office=office, type=rtype, start=start, changed_by="internal", **fields)
        elif any(getattr(override, k) != v for k, v in fields.items()):
            SlotOverride.objects.filter(pk=override.pk).update(**fields)
        if fields["closed"] or fields["capacity"] is not None:
            limiting.append((rtype, start))
    SlotOverride.objects.filter(pk__in=[o.pk for k, o in existing.items() if k not in seen]).delete()
    return limiting


# ------------------------------------------------------------------ the pull: public → internal


def changes_since(*, offices: list[str] | None, since: dt.datetime | None, after_code: str = "",
                  limit: int = PAGE) -> dict:
    """Public side: bookings changed after (``since``, ``after_code``), oldest change first, one
    page. ``next`` is where the following page starts; ``more`` says whether there is one."""
    rows = Reservation.objects.select_related("office", "type").order_by("changed_at", "code")
    if offices:
        rows = rows.filter(office__code__in=offices)
    if since is not None:
        rows = rows.filter(Q(changed_at__gt=since) | Q(changed_at=since, code__gt=after_code))
    page = list(rows[:limit + 1])
    more = len(page) > limit
    page = page[:limit]
    out = []
    for r in page:
        item = {f: _plain(getattr(r, f)) for f in PULLED_FIELDS}
        item.update(office=r.office.code, type=r.type.code, changed_at=r.changed_at.isoformat())
        out.append(item)
    last = page[-1] if page else None
    return {"reservations": out, "more": more,
            "next": {"since": last.changed_at.isoformat() if last else (since.isoformat() if since else None),
                     "after_code": last.code if last else after_code}}


@transaction.atomic
def pulled_apply(*, rows: list[dict]) -> dict:
    """Internal side: add the bookings made outside, and the cancellations made there. A booking
    checked in (or marked no-show) inside keeps that state. Slot counts follow, without the
    capacity check (the public side already held it). No hooks: the public side has mailed."""
    offices = {o.code: o for o in Office.objects.filter(code__in={r["office"] for r in rows})}
    types = {(t.office_id, t.code): t for t in ReservationType.objects.filter(office__in=offices.values())}
    existing = {r.code: r for r in Reservation.objects.select_for_update()
                .filter(code__in=[r["code"] for r in rows])}
    added, cancelled, skipped = [], [], 0
    for data in rows:
        office = offices.get(data["office"])
        rtype = office and types.get((office.pk, data["type"]))
        if rtype is None:
            skipped += 1
            log.warning("pulled booking %s names an unknown office/type %s/%s", data["code"], data["office"],
                        data["type"])
            continue
        local = existing.get(data["code"])
        if local is None:
            fields = {f: data[f] for f in PULLED_FIELDS}
            for f in ("start", "end", "created_at", "cancelled_at"):
                fields[f] = dt.datetime.fromisoformat(fields[f]) if fields[f] else None
            local = Reservation.objects.create(office=office, type=rtype, origin="public", **fields)
            existing[local.code] = local
            if local.status == ReservationStatus.BOOKED:
                _count(local, +1)
            added.append(local.code)
        elif data["status"] == ReservationStatus.CANCELLED and local.status == ReservationStatus.BOOKED:
            local.status = ReservationStatus.CANCELLED
            local.cancelled_at = dt.datetime.fromisoformat(data["cancelled_at"]) if data["cancelled_at"] else now()
            local.save(update_fields=["status", "cancelled_at", "changed_at"])
            _count(local, -1)
            cancelled.append(local.code)
    if added or cancelled:
        audit_record(actor=SYSTEM, action="reservations_pulled", target="zone/reservations",
                     detail={"added": added, "cancelled": cancelled, "skipped": skipped})
    return {"added": len(added), "cancelled": len(cancelled), "skipped": skipped}


def _count(reservation: Reservation, delta: int) -> None:
    step = (reservation.end - reservation.start) / max(1, reservation.slots)
    starts = [reservation.start + step * i for i in range(max(1, reservation.slots))]
    if delta > 0:
        SlotCount.objects.bulk_create([SlotCount(type=reservation.type, start=s, booked=0) for s in starts],
                                      ignore_conflicts=True)
        SlotCount.objects.filter(type=reservation.type, start__in=starts).update(booked=F("booked") + 1)
    else:
        SlotCount.objects.filter(type=reservation.type, start__in=starts, booked__gt=0) \
            .update(booked=F("booked") - 1)
