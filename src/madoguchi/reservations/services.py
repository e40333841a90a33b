"""Bookings: the only code that writes reservations and slot counts (habit 1).

Never overbooks. Each slot a booking takes has one ``SlotCount`` row per (type, start); booking
raises it with one conditional UPDATE, ``booked = booked + 1 WHERE booked < capacity``, for each
slot in ascending order inside one transaction. The database decides: on PostgreSQL the UPDATE
waits for a concurrent one on the same row and re-checks the condition on the committed value;
on SQLite writers are serialised. A slot whose UPDATE changes no row is full: the transaction
rolls back (no slot of a multi-slot booking stays taken) and the caller gets 409 ``slot_full``.
Ascending order means two multi-slot bookings never wait on each other in a cycle; a transient
lock error is retried (``atomic_with_retry``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from madoguchi.core.actors import SYSTEM, Actor
from madoguchi.core.audit import audit_record
from madoguchi.core.db import atomic_with_retry
from madoguchi.core.errors import Conflict, Forbidden, NotFound, ServiceError
from madoguchi.core.timeutil import JST, business_date, now
from madoguchi.queueing.models import Office

from . import cards, codes, hooks, slots
from .models import (
    CardNoticeHash,
    Reservation,
    ReservationKind,
    ReservationStatus,
    ReservationType,
    SlotCount,
)

log = logging.getLogger(__name__)

# Who books from the phone page or the public API: anonymous, named only in the audit log.
CITIZEN = Actor(kind="citizen", label="citizen", roles={})


class SlotFull(Conflict):
    code = "slot_full"
    message = "選択した時間の予約枠は満席になりました。別の時間を選んでください。"


# ------------------------------------------------------------------ helpers


def office_by_code(code) -> Office:
    if isinstance(code, Office):
        return code
    office = Office.objects.filter(code=str(code or "")).first()
    if office is None:
        raise NotFound("指定された庁舎・拠点が見つかりません。", code="office_not_found")
    return office


def type_by_code(office: Office, code: str, *, active_only: bool = True) -> ReservationType:
    rtype = (ReservationType.objects.select_related("office", "category")
             .filter(office=office, code=str(code or "")).first())
    if rtype is None or (active_only and not rtype.is_active):
        raise NotFound("指定された予約の種類が見つかりません。", code="reservation_type_not_found")
    return rtype


def slots_for_procedures(rtype: ReservationType, count: int) -> int:
    """One-stop: one slot per ``procedures_per_slot`` procedures (at least one), capped."""
    per = max(1, rtype.procedures_per_slot)
    return max(1, min(max(1, rtype.max_slots), math.ceil(count / per)))


def _invalid(message: str, code: str, detail=None) -> ServiceError:
    return ServiceError(message, code=code, detail=detail, status=422)


def _aware(start: dt.datetime) -> dt.datetime:
    if start.tzinfo is None:
        return start.replace(tzinfo=JST)  # a time without zone is a Japanese one
    return start


def _determine(rtype: ReservationType, answers: dict | None, on: dt.date) -> tuple[str, list[str], int]:
    """One-stop: the navigator's procedures for the citizen's answers → (life event, procedure
    codes, slots). The answers themselves are not kept."""
    if rtype.kind != ReservationKind.ONESTOP or not answers:
        return "", [], rtype.slots_needed or 1
    if not isinstance(answers, dict):
        raise _invalid("回答の形式が正しくありません。", "invalid_answers")
    answers = dict(answers)
    life_event = str(answers.pop("life_event", "") or "")
    if not life_event:
        raise _invalid("ワンストップの予約では、ライフイベント（転入・転出など）を選んでください。",
                       "life_event_required")
    try:
        from madoguchi.procedures import selectors as procedure_selectors
    except ImportError:
        raise _invalid("手続き判定はこのシステムでは利用できません。", "procedures_unavailable") from None
    result = procedure_selectors.determine(life_event=life_event, answers=answers, on=on)
    procedures = [str(p["code"]) for p in result.get("procedures", [])]
    return life_event, procedures, slots_for_procedures(rtype, len(procedures))


def _card_digest(office: Office, rtype: ReservationType, notice_number, birth_date) -> str:
    if rtype.kind != ReservationKind.CARD_PICKUP:
        return ""
    if not notice_number or not birth_date:
        raise _invalid("交付通知書の番号と生年月日を入力してください。", "card_notice_required")
    if isinstance(birth_date, str):
        try:
            birth_date = dt.date.fromisoformat(birth_date)
        except ValueError:
            raise _invalid("生年月日の形式が正しくありません。", "invalid_birth_date") from None
    digest = cards.notice_digest(office.code, notice_number, birth_date)
    if not CardNoticeHash.objects.filter(office=office, digest=digest).exists():
        raise _invalid("交付通知書の番号または生年月日が、受取の準備ができたカードと一致しません。"
                       "通知書の番号と生年月日をお確かめください。", "card_notice_unknown")
    if Reservation.objects.filter(office=office, notice_hash=digest, status=ReservationStatus.BOOKED).exists():
        raise Conflict("このカードの受取はすでに予約されています。予約を変更するときは、先に今の予約を取り消してください。",
                       code="card_already_booked")
    return digest


def _off_schedule_run(rtype: ReservationType, start: dt.datetime, needed: int) -> list[slots.Slot]:
    """Slots of the type's length and capacity from any ``start`` (staff booking outside the
    published schedule, and the demo's booking for the current half hour)."""
    from .models import Availability

    schedule = Availability.objects.filter(type=rtype).order_by("-capacity").first()
    minutes = schedule.slot_minutes if schedule else 30
    capacity = schedule.capacity if schedule else 1
    step = dt.timedelta(minutes=minutes)
    return [slots.Slot(start + i * step, start + (i + 1) * step, capacity, 0) for i in range(max(1, needed))]


def _run_for(rtype: ReservationType, start: dt.datetime, needed: int, *, window: bool,
             at: dt.datetime, off_schedule: bool = False) -> list[slots.Slot]:
    """The consecutive slots a booking from ``start`` takes (422 if ``start`` is not a slot)."""
    local = start.astimezone(JST)
    day = slots.type_slots(rtype, first=local.date(), days=1, at=at, window=window)
    for slot, run in slots.runs(day, needed):
        if slot.start == start:
            return run
    if off_schedule:
        return _off_schedule_run(rtype, start, needed)
    raise _invalid("選択した日時は予約を受け付けていません。空いている時間から選んでください。",
                   "slot_unavailable", {"start": local.isoformat()})


def _take(rtype: ReservationType, run: list[slots.Slot]) -> None:
    """Raise each slot's count, or roll the whole booking back with 409 ``slot_full``."""
    SlotCount.objects.bulk_create([SlotCount(type=rtype, start=s.start, booked=0) for s in run],
                                  ignore_conflicts=True)
    for slot in sorted(run, key=lambda s: s.start):
        taken = (SlotCount.objects.filter(type=rtype, start=slot.start, booked__lt=slot.capacity)
                 .update(booked=F("booked") + 1))
        if taken != 1:
            raise SlotFull(detail={"start": slot.start.astimezone(JST).isoformat()})


def _release(reservation: Reservation) -> None:
    rtype = reservation.type
    starts, at = [], reservation.start
    step = (reservation.end - reservation.start) / max(1, reservation.slots)
    for _ in range(max(1, reservation.slots)):
        starts.append(at)
        at += step
    (SlotCount.objects.filter(type=rtype, start__in=starts, booked__gt=0)
     .update(booked=F("booked") - 1))


def _new_code() -> str:
    for _ in range(10):
        code = codes.new_code()
        if not Reservation.objects.filter(code=code).exists():
            return code
    raise ServiceError("予約番号を作れませんでした。もう一度お試しください。", code="code_exhausted", status=503)


def _audit(actor: Actor, action: str, reservation: Reservation, **detail) -> None:
    # The code and what was done, never an e-mail address or a notice number.
    audit_record(actor=actor, action=action,
                 target=f"{reservation.office.code}/reservation/{reservation.code}", detail=detail)


# ------------------------------------------------------------------ booking


def reservation_book(*, actor: Actor, office, type_code: str, start: dt.datetime,
                     email: str | None = None, lang: str | None = None, answers: dict | None = None,
                     notice_number: str | None = None, birth_date: dt.date | str | None = None,
                     code: str | None = None, off_schedule: bool = False,
                     at: dt.datetime | None = None) -> Reservation:
    """Book ``start`` (and the consecutive slots the type or the answers need).

    Citizens book within the bookable window; staff of the office and the system (the demo) may
    book any slot of the schedule, and with ``off_schedule`` any start at all (a visit agreed on
    the phone; the demo's booking for the current half hour), in slots of the schedule's length
    and capacity. ``code`` fixes the code (the demo's DEMO-R1). Refusals:
    404 office/type, 422 ``slot_unavailable`` / ``card_notice_unknown`` / ``invalid_answers``,
    409 ``slot_full`` / ``card_already_booked``.
    """
    office = office_by_code(office)
    rtype = type_by_code(office, type_code)
    at = at or now()
    start = _aware(start)
    staff = actor.kind in {"staff", "system"}
    if staff:
        actor.require_staff(office.pk)
    elif code is not None or off_schedule:
        raise Forbidden()
    life_event, procedures, needed = _determine(rtype, answers, start.astimezone(JST).date())
    digest = _card_digest(office, rtype, notice_number, birth_date)
    return _book(actor=actor, office=office, rtype=rtype, start=start, needed=needed, window=not staff,
                 off_schedule=off_schedule, at=at, email=(email or "").strip(), lang=(lang or "ja")[:10],
                 life_event=life_event, procedures=procedures, digest=digest, code=code)


@atomic_with_retry()
def _book(*, actor, office, rtype, start, needed, window, off_schedule, at, email, lang, life_event,
          procedures, digest, code) -> Reservation:
    run = _run_for(rtype, start, needed, window=window, at=at, off_schedule=off_schedule)
    _take(rtype, run)
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                code=code or _new_code(), office=office, type=rtype, start=run[0].start, end=run[-1].end,
                slots=len(run), email=email, lang=lang, life_event=life_event, procedures=procedures,
                notice_hash=digest, created_at=at)
    except IntegrityError:
        if digest and Reservation.objects.filter(office=office, notice_hash=digest,
                                                 status=ReservationStatus.BOOKED).exists():
            raise Conflict("このカードの受取はすでに予約されています。", code="card_already_booked") from None
        raise
    _audit(actor, "reservation_book", reservation, type=rtype.code, start=reservation.start.isoformat(),
           slots=reservation.slots)
    transaction.on_commit(lambda: hooks.emit(hooks.BOOKED, reservation))
    return reservation


# ------------------------------------------------------------------ cancelling


def _lock(code: str) -> Reservation:
    normalized = codes.normalize(code)
    reservation = (Reservation.objects.select_for_update(of=("self",)).select_related("office", "type")
                   .filter(code=normalized).first() if normalized else None)
    if reservation is None:
        raise NotFound("指定された予約が見つかりません。予約番号を確かめてください。", code="reservation_not_found")
    return reservation


@atomic_with_retry()
def reservation_cancel(*, actor: Actor, code: str, token: str | None = None,
                       at: dt.datetime | None = None) -> Reservation:
    """Cancel a booking and free its slots. The citizen holds the code (and, from the e-mail,
    the manage token: if given it must match); staff of the office may cancel any booking."""
    reservation = _lock(code)
    at = at or now()
    if actor.kind in {"staff", "system"}:
        actor.require_staff(reservation.office_id)
    else:
        if token is not None and token != reservation.manage_token:
            raise Forbidden("予約の変更・取消のリンクが正しくありません。", code="bad_manage_token")
        if reservation.start <= at and reservation.status == ReservationStatus.BOOKED:
            raise Conflict("予約の時刻を過ぎたため取り消せません。", code="reservation_started")
    if reservation.status != ReservationStatus.BOOKED:
        raise Conflict("この予約はすでに取り消されたか、受付が済んでいます。", code="reservation_not_booked")
    _release(reservation)
    reservation.status = ReservationStatus.CANCELLED
    reservation.cancelled_at = at
    reservation.save(update_fields=["status", "cancelled_at", "changed_at"])
    _audit(actor, "reservation_cancel", reservation)
    transaction.on_commit(lambda: hooks.emit(hooks.CANCELLED, reservation))
    return reservation


# ------------------------------------------------------------------ check-in, no-shows


@dataclass
class CheckIn:
    """What the kiosk shows after a booking was read: the ticket, whether it is a fast-lane one
    (``late`` False) or an ordinary one because the booking's window had passed, the one-stop
    case opened on it, and ``replayed`` when the booking had already been checked in."""

    reservation: Reservation
    ticket: object
    late: bool
    case: object | None
    replayed: bool


def _save(reservation: Reservation, fields: list[str]) -> None:
    """Save these fields, and the change time the zone pull follows where the model has one."""
    if any(f.name == "changed_at" for f in Reservation._meta.concrete_fields):
        fields = [*fields, "changed_at"]
    reservation.save(update_fields=fields)


def _case_opener(actor: Actor) -> Actor:
    """A kiosk may not open cases; the check-in it was allowed opens the booking's on its behalf
    (the case history and the audit log name the kiosk), as the kiosk's navigator does."""
    if actor.kind != "kiosk":
        return actor
    return replace(SYSTEM, label=f"発券機 {actor.label}")


def _open_case(actor: Actor, reservation: Reservation, ticket):
    """The booking's procedures as a one-stop case on the ticket (inside only; the public side
    has no cases). A case that cannot be opened does not keep the visitor from the queue."""
    if reservation.type.kind != ReservationKind.ONESTOP or not reservation.life_event:
        return None
    if settings.ROLE == "public":
        return None
    from madoguchi.cases import services as case_services

    try:
        return case_services.case_open(
            actor=_case_opener(actor), office=reservation.office, life_event=reservation.life_event,
            answers={}, source="kiosk", ticket_id=ticket.public_id, lang=reservation.lang,
            procedures=list(reservation.procedures or []))
    except ServiceError:
        log.exception("check-in of %s: the one-stop case could not be opened", reservation.code)
        return None


def _not_today(reservation: Reservation) -> Conflict:
    start = reservation.start.astimezone(JST)
    return Conflict(f"この予約は {start:%Y年%m月%d日 %H:%M} です。予約の日にお越しください。",
                    code="checkin_not_today", detail={"start": start.isoformat()})


@atomic_with_retry()
def reservation_check_in(*, actor: Actor, office, code: str, at: dt.datetime | None = None) -> CheckIn:
    """The kiosk read a booking's QR (or the code was typed): a ticket for the visitor.

    Within the window (checkin.window) a fast-lane ticket; later, an ordinary one and the
    booking is a no-show; before it (or on another day) 409 ``checkin_too_early`` /
    ``checkin_not_today``. A booking read again answers its first ticket (``replayed``).
    Refusals: 404 ``reservation_not_found`` (also a booking of another office), 409
    ``reservation_cancelled``.
    """
    from madoguchi.queueing import selectors as queue_selectors
    from madoguchi.queueing import services as queue_services

    from . import checkin

    office = office_by_code(office)
    if actor.kind == "kiosk":
        if actor.device_office_id != office.pk:
            raise Forbidden("この発券機はこの庁舎の受付に使えません。", code="forbidden_device")
    else:
        actor.require_staff(office.pk)
    at = at or now()
    reservation = _lock(code)
    if reservation.office_id != office.pk:
        raise NotFound("指定された予約が見つかりません。予約番号を確かめてください。", code="reservation_not_found")
    if reservation.ticket_public_id:
        ticket = queue_selectors.get_ticket(reservation.ticket_public_id)
        if ticket is not None:
            case = None
            if settings.ROLE != "public":
                from madoguchi.cases import selectors as case_selectors

                case = case_selectors.case_for_ticket(ticket.public_id)
            return CheckIn(reservation, ticket, late=not ticket.is_fast_lane, case=case, replayed=True)
    if reservation.status == ReservationStatus.CANCELLED:
        raise Conflict("この予約は取り消されています。番号札を取ってお待ちください。", code="reservation_cancelled")
    if business_date(at) != business_date(reservation.start):
        raise _not_today(reservation)
    window = checkin.window(reservation)
    if at < window.opens:
        opens = window.opens.astimezone(JST)
        raise Conflict(f"受付は {opens:%H:%M} からです。時間になってからもう一度読み取ってください。",
                       code="checkin_too_early", detail={"opens": opens.isoformat()})
    late = at > window.closes or reservation.status == ReservationStatus.NO_SHOW
    category = checkin.ordinary_category(reservation) if late else checkin.fast_lane_category(reservation)
    if category is None and not late:  # no fast lane configured: the visitor still gets a ticket
        category = checkin.ordinary_category(reservation)
    if category is None:
        raise Conflict("この予約の番号札を発行できる受付区分がありません。職員にお声がけください。",
                       code="no_category")
    ticket = queue_services.ticket_issue(actor=actor, office_code=office.code, category_code=category.code)
    case = _open_case(actor, reservation, ticket)
    reservation.status = ReservationStatus.NO_SHOW if late else ReservationStatus.CHECKED_IN
    reservation.checked_in_at = at
    reservation.ticket_public_id = ticket.public_id
    _save(reservation, ["status", "checked_in_at", "ticket_public_id"])
    _audit(actor, "reservation_check_in", reservation, ticket=ticket.public_id, late=late,
           category=category.code, case=getattr(case, "code", ""))
    transaction.on_commit(lambda: hooks.emit(hooks.CHANGED, reservation))
    return CheckIn(reservation, ticket, late=late, case=case, replayed=False)


@atomic_with_retry()
def reservation_mark_no_shows(*, actor: Actor, office=None, at: dt.datetime | None = None) -> int:
    """Bookings still open after their check-in window become no-shows (来庁なし); their slot
    counts stay (the desk was kept for them). Run after closing (``madoguchi manage
    reservations_no_shows``); the counts (selectors.day_counts) do not wait for it."""
    at = at or now()
    rows = (Reservation.objects.select_for_update(of=("self",)).select_related("office", "type")
            .filter(status=ReservationStatus.BOOKED,
                    start__lt=at - dt.timedelta(minutes=settings.RESERVATION_CHECKIN_LATE_MINUTES)))
    if office is not None:
        office = office_by_code(office)
        actor.require_staff(office.pk)
        rows = rows.filter(office=office)
    elif actor.kind != "system":
        raise Forbidden()
    marked = list(rows)
    for reservation in marked:
        reservation.status = ReservationStatus.NO_SHOW
        _save(reservation, ["status"])
        _audit(actor, "reservation_no_show", reservation)
        transaction.on_commit(lambda r=reservation: hooks.emit(hooks.CHANGED, r))
    return len(marked)


def reservation_remind_due(*, actor: Actor, at: dt.datetime | None = None) -> int:
    """Send the day-before reminder (mail.send_reminder) to each booking of tomorrow (JST) that
    gave an address and has not had it; ``reminded_at`` marks it sent, so running this every
    hour (``madoguchi manage reservations_remind``) sends each reminder once."""
    from . import mail

    if actor.kind != "system":
        raise Forbidden()
    at = at or now()
    tomorrow = business_date(at) + dt.timedelta(days=1)
    first = dt.datetime.combine(tomorrow, dt.time(), tzinfo=JST)
    due = list(Reservation.objects.select_related("office", "type")
               .filter(status=ReservationStatus.BOOKED, reminded_at__isnull=True, start__gte=first,
                       start__lt=first + dt.timedelta(days=1)).exclude(email=""))
    sent = 0
    for reservation in due:
        with transaction.atomic():
            claimed = (Reservation.objects.filter(pk=reservation.pk, reminded_at__isnull=True)
                       .update(reminded_at=at))
        if not claimed:  # another runner took it
            continue
        try:
            mail.send_reminder(reservation)
        except Exception:  # noqa: BLE001 - SMTP down: try again next round
            log.exception("reminder for %s could not be sent", reservation.code)
            Reservation.objects.filter(pk=reservation.pk).update(reminded_at=None)
            continue
        _audit(actor, "reservation_remind", reservation)
        sent += 1
    return sent


# ------------------------------------------------------------------ retention


def retention_days() -> int:
    return max(0, int(getattr(settings, "RESERVATION_RETENTION_DAYS", 30)))


@atomic_with_retry()
def reservation_purge(*, actor: Actor, days: int | None = None, at: dt.datetime | None = None) -> int:
    """What a booking kept for the visit goes once the visit is ``days`` days past (the e-mail
    address, the card notice's keyed hash, the change/cancel link's token); the code, type,
    time and status stay for the counts. Used ALTCHA challenges past their expiry go too.
    Returns how many bookings were cleared (``madoguchi purge``)."""
    if actor.kind != "system":
        raise Forbidden()
    at = at or now()
    days = retention_days() if days is None else max(0, days)
    from .models import UsedChallenge

    UsedChallenge.objects.filter(expires_at__lt=at).delete()
    old = (Reservation.objects.filter(end__lt=at - dt.timedelta(days=days))
           .exclude(email="", notice_hash="", manage_token=""))
    count = old.update(email="", notice_hash="", manage_token="")
    if count:
        audit_record(actor=actor, action="reservation_purge", target="reservations",
                     detail={"days": days, "cleared": count})
    return count
