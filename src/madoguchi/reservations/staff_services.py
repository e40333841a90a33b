"""Staff writes on reservations (habit 1): the card list import, the 準備済 tick and a
supervisor's change of one slot (capacity, closed). Booking and cancelling are in services.py.

Zones: bookings are made and cancelled on the public side, which is their authority. A slot
change is decided inside and goes out with the zone push; whichever side holds the bookings
(``all``: this process; ``public``: on receiving it) cancels the bookings that no longer fit and
tells them by e-mail (``slot_override_enforce``), so a booking made outside while the change
travelled is caught too.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from madoguchi.core.actors import SYSTEM, Actor
from madoguchi.core.audit import audit_record
from madoguchi.core.db import atomic_with_retry
from madoguchi.core.errors import Conflict, Forbidden, NotFound, ServiceError
from madoguchi.core.models import Role
from madoguchi.core.timeutil import JST, now

from . import card_import, cards, hooks, services, slots
from .models import (
    Availability,
    CardNotice,
    CardNoticeHash,
    Reservation,
    ReservationStatus,
    SlotOverride,
)

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ card list (internal side)


def card_notices_import(*, actor: Actor, office, data: bytes, replace: bool = False,
                        at: dt.datetime | None = None) -> dict:
    """Import the card system's CSV for ``office`` (supervisors; the CLI acts as the system).

    Each row adds or updates the notice of its 交付通知書番号. ``replace``: the file is the whole
    list — notices not in it and not yet picked up are removed (their cards can no longer be
    booked). A file with any bad line imports nothing (422 ``card_csv_invalid`` listing the lines).
    The keyed hashes the public side checks bookings against follow in the same transaction.
    """
    office = services.office_by_code(office)
    actor.require_staff(office.pk, Role.SUPERVISOR)
    try:
        rows = card_import.parse(data)
    except card_import.CardCsvError as exc:
        raise ServiceError("CSV ファイルを取り込めませんでした。" + " ".join(exc.problems[:20]),
                           code="card_csv_invalid", detail={"problems": exc.problems}, status=422) from None
    return _import(actor=actor, office=office, rows=rows, replace=replace, at=at or now())


@atomic_with_retry()
def _import(*, actor, office, rows, replace, at) -> dict:
    existing = {n.number: n for n in CardNotice.objects.filter(office=office)}
    added, updated, unchanged = [], [], 0
    for row in rows:
        notice = existing.get(row.number)
        if notice is None:
            added.append(CardNotice(office=office, number=row.number, birth_date=row.birth_date,
                                    name=row.name, imported_at=at))
        elif (notice.birth_date, notice.name) != (row.birth_date, row.name):
            notice.birth_date, notice.name, notice.imported_at = row.birth_date, row.name, at
            updated.append(notice)
        else:
            unchanged += 1
    CardNotice.objects.bulk_create(added, batch_size=500)
    CardNotice.objects.bulk_update(updated, ["birth_date", "name", "imported_at"], batch_size=500)
    removed = 0
    if replace:
        numbers = {row.number for row in rows}
        gone = [n.pk for n in existing.values() if n.number not in numbers and n.picked_up_at is None]
        removed, _ = CardNotice.objects.filter(pk__in=gone).delete()
    hashes = card_hashes_refresh(office=office)
    result = {"rows": len(rows), "added": len(added), "updated": len(updated), "unchanged": unchanged,
              "removed": removed, "hashes": hashes}
    # Counts only: the audit log never holds a notice number, a birth date or a name.
    audit_record(actor=actor, action="card_notices_import", target=f"{office.code}/card_notices",
                 detail={**result, "replace": replace})
    transaction.on_commit(lambda: hooks.emit(hooks.SCHEDULE, office))
    return result


def card_hashes_refresh(*, office) -> int:
    """Make the office's keyed hashes match its notices not yet picked up; returns their count.
    Called inside the import's transaction (and by the demo)."""
    wanted = {cards.notice_digest(office.code, number, birth)
              for number, birth in CardNotice.objects.filter(office=office, picked_up_at__isnull=True)
              .values_list("number", "birth_date")}
    have = set(CardNoticeHash.objects.filter(office=office).values_list("digest", flat=True))
    CardNoticeHash.objects.filter(office=office, digest__in=have - wanted).delete()
    CardNoticeHash.objects.bulk_create([CardNoticeHash(office=office, digest=d) for d in wanted - have],
                                       batch_size=500, ignore_conflicts=True)
    return len(wanted)


@atomic_with_retry()
def card_notice_hand_over(*, actor: Actor, code: str, at: dt.datetime | None = None) -> CardNotice:
    """「交付済」: the card of a card-pickup booking was handed over. Its notice is marked, its keyed
    hash withdrawn (the public side refuses another booking with it after the next push)."""
    from .staff_selectors import card_holders

    reservation = services._lock(code)
    actor.require_staff(reservation.office_id)
    if not reservation.notice_hash:
        raise Conflict("カード受取の予約ではありません。", code="not_card_pickup")
    notice = card_holders(reservation.office, {reservation.notice_hash}).get(reservation.notice_hash)
    if notice is None:
        raise NotFound("この予約の交付通知が、取り込んだ一覧に見当たりません。", code="card_notice_not_found")
    if notice.picked_up_at is None:
        notice.picked_up_at = at or now()
        notice.save(update_fields=["picked_up_at"])
        CardNoticeHash.objects.filter(office=reservation.office, digest=reservation.notice_hash).delete()
        services._audit(actor, "card_notice_hand_over", reservation)
        office = reservation.office
        transaction.on_commit(lambda: hooks.emit(hooks.SCHEDULE, office))
    return notice


def card_notices_purge(*, actor: Actor, days: int | None = None, at: dt.datetime | None = None) -> int:
    """Notices whose card was handed over more than ``days`` days ago (the reservations' retention)
    go: the card system keeps its own record; the counter needs the name only until the card is
    given. Returns how many (``madoguchi purge``)."""
    if actor.kind != "system":
        raise Forbidden()
    days = services.retention_days() if days is None else max(0, days)
    old = CardNotice.objects.filter(picked_up_at__lt=(at or now()) - dt.timedelta(days=days))
    count, _ = old.delete()
    if count:
        audit_record(actor=actor, action="card_notices_purge", target="card_notices",
                     detail={"days": days, "deleted": count})
    return count


# ------------------------------------------------------------------ 準備済


@atomic_with_retry()
def reservation_prepare(*, actor: Actor, code: str, prepared: bool = True,
                        at: dt.datetime | None = None) -> Reservation:
    """Tick (or untick) 準備済: the card is out of the safe, the sections know. Staff of the office."""
    reservation = services._lock(code)
    actor.require_staff(reservation.office_id)
    if prepared and reservation.prepared_at is None:
        reservation.prepared_at, reservation.prepared_by = at or now(), actor.label[:150]
    elif not prepared:
        reservation.prepared_at, reservation.prepared_by = None, ""
    else:
        return reservation
    reservation.save(update_fields=["prepared_at", "prepared_by"])
    services._audit(actor, "reservation_prepare", reservation, prepared=prepared)
    transaction.on_commit(lambda: hooks.emit(hooks.CHANGED, reservation))
    return reservation


# ------------------------------------------------------------------ a supervisor's slot change


def _schedule_starts(rtype, day: dt.date) -> set[dt.datetime]:
    """The day's slot starts as the schedule and the calendar make them, before any override
    (a closed slot can be opened again)."""
    availabilities = list(Availability.objects.filter(type=rtype))
    return set(slots._raw_slots(availabilities, slots.office_calendar(rtype.office, day), day, today=None))


def affected(rtype, start: dt.datetime, capacity: int) -> list[Reservation]:
    """The bookings of the slot at ``start`` that no longer fit ``capacity``: the latest made go
    first (who booked earlier keeps the place). A booking of several slots counts in each."""
    holding = list(Reservation.objects.select_related("office", "type")
                   .filter(type=rtype, status=ReservationStatus.BOOKED, start__lte=start, end__gt=start)
                   .order_by("created_at", "code"))
    return holding[max(0, capacity):]


def slot_override_set(*, actor: Actor, office, type_code: str, start: dt.datetime,
                      capacity: int | None = None, closed: bool = False, note: str = "",
                      at: dt.datetime | None = None) -> dict:
    """Supervisors: change one slot's capacity, close it, or (neither) give it back to the schedule.

    Returns ``{"override", "affected", "cancelled"}``: the bookings that no longer fit, and those
    cancelled here (on the internal side none: the public side cancels them when the change
    arrives, and the next pull brings the cancellations in)."""
    office = services.office_by_code(office)
    actor.require_staff(office.pk, Role.SUPERVISOR)
    rtype = services.type_by_code(office, type_code, active_only=False)
    start = services._aware(start)
    if capacity is not None and (capacity < 0 or capacity > 999):
        raise ServiceError("予約数は 0 から 999 の数にしてください。", code="invalid_capacity", status=422)
    if start not in _schedule_starts(rtype, start.astimezone(JST).date()):
        raise ServiceError("その日時は予約枠の設定にありません。", code="slot_unavailable", status=422,
                           detail={"start": start.astimezone(JST).isoformat()})
    override = _set_override(actor=actor, office=office, rtype=rtype, start=start, capacity=capacity,
                             closed=closed, note=note)
    limit = 0 if closed else (capacity if capacity is not None else None)
    left_over = affected(rtype, start, limit) if limit is not None else []
    cancelled = []
    if settings.ROLE != "internal":
        cancelled = slot_override_enforce(rtype=rtype, start=start, at=at)
    return {"override": override, "affected": left_over, "cancelled": cancelled}


@atomic_with_retry()
def _set_override(*, actor, office, rtype, start, capacity, closed, note) -> SlotOverride | None:
    if capacity is None and not closed:
        SlotOverride.objects.filter(type=rtype, start=start).delete()
        override = None
    else:
        override, _ = SlotOverride.objects.update_or_create(
            type=rtype, start=start, defaults={"office": office, "capacity": capacity, "closed": closed,
                                               "note": note[:100], "changed_by": actor.label[:150]})
    audit_record(actor=actor, action="slot_override_set", target=f"{office.code}/slot/{rtype.code}",
                 detail={"start": start.astimezone(JST).isoformat(), "capacity": capacity, "closed": closed,
                         "note": note[:100]})
    transaction.on_commit(lambda: hooks.emit(hooks.SCHEDULE, office))
    return override


def slot_override_enforce(*, rtype, start: dt.datetime, at: dt.datetime | None = None) -> list[Reservation]:
    """Cancel the bookings of a changed slot that no longer fit, and tell each by e-mail where
    one was given. Runs where bookings are held (``all``, ``public``); idempotent."""
    override = SlotOverride.objects.filter(type=rtype, start=start).first()
    if override is None or (not override.closed and override.capacity is None):
        return []
    at = at or now()
    if start <= at:
        return []  # a slot already begun keeps who is coming
    limit = 0 if override.closed else override.capacity
    cancelled = []
    for reservation in affected(rtype, start, limit):
        try:
            cancelled.append(services.reservation_cancel(actor=SYSTEM, code=reservation.code, at=at))
        except ServiceError as exc:  # cancelled meanwhile by the citizen: nothing to tell
            log.info("slot change: %s not cancelled (%s)", reservation.code, exc.code)
    for reservation in cancelled:
        if reservation.email:
            transaction.on_commit(lambda r=reservation, o=override: _mail_slot_change(r, o))
    if cancelled:
        audit_record(actor=SYSTEM, action="slot_override_enforce", target=f"{rtype.office.code}/slot/{rtype.code}",
                     detail={"start": start.astimezone(JST).isoformat(),
                             "cancelled": [r.code for r in cancelled]})
    return cancelled


def _mail_slot_change(reservation: Reservation, override: SlotOverride) -> None:
    """「ご予約の枠が変更になりました」: in the booking's language where the words are translated."""
    from .selectors import type_name

    with translation.override(reservation.lang or "ja"):
        local = reservation.start.astimezone(JST)
        when = f"{local:%Y-%m-%d %H:%M}"
        subject = _("【来庁予約】ご予約を取り消しました")
        lines = [
            _("%(office)s でのご予約（予約番号 %(code)s、%(when)s、%(type)s）は、窓口の都合により取り消しました。")
            % {"office": reservation.office.name, "code": reservation.display_code, "when": when,
               "type": type_name(reservation.type)},
            _("ご迷惑をおかけして申し訳ありません。お手数ですが、別の日時であらためてご予約ください。"),
        ]
        if override.note:
            lines.append(_("理由: %(note)s") % {"note": override.note})
    try:
        EmailMessage(subject=subject, body="\n\n".join(lines), to=[reservation.email]).send(fail_silently=False)
    except Exception:  # noqa: BLE001 - the cancellation stands; the failure is logged for the operator
        log.exception("slot change mail for %s failed", reservation.code)
