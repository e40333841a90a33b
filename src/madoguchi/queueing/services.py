"""Ticket lifecycle: the only code that writes tickets.

State machine (``TicketState``)::

    issue ─► waiting ──call──► called ──finish──► done
               ▲  ▲              │ │ └──no_show─► no_show
               │  └──transfer────┘ │
               └─resume─ held ◄─hold┘        waiting/held ──cancel──► cancelled

    no_show ──reinstate (same day)──► waiting    (``call`` of a no-show reinstates, then calls)
    waiting/held/called ──route──► same state in another category (called → waiting)

Call-next rule (queueing/rules.py; for clerks in docs/operations.ja.md §7): among
the waiting tickets of the counter's categories, fast-lane tickets come first;
then the earliest *original* issue time (a transfer keeps its place); ties go
to the lower internal id. A counter that still has a called ticket finishes it
first only when the caller names it (``finish_current``, the id its screen
shows: the screen asks before doing so); otherwise 409 ``counter_busy``.

Concurrency: every function runs in one short transaction. The counter row is
locked before any ticket row (fixed order, so no deadlock); call-next takes
the first unlocked waiting ticket (``SKIP LOCKED``) so two clerks never get the
same one; issuing locks the category's daily sequence row. On SQLite,
IMMEDIATE transactions serialise writers instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from madoguchi.core.actors import Actor
from madoguchi.core.audit import audit_record
from madoguchi.core.db import atomic_with_retry
from madoguchi.core.errors import Conflict, NotFound, ServiceError
from madoguchi.core.models import Role
from madoguchi.core.timeutil import business_date, now

from . import calendar, hooks, live, rules
from .models import (
    ACTIVE_STATES,
    Category,
    Counter,
    CounterCategory,
    CounterEvent,
    CounterEventKind,
    EventKind,
    IssueKey,
    Office,
    Ticket,
    TicketEvent,
    TicketMemo,
    TicketSequence,
    TicketState,
    new_stamp,
)

# TicketEvent kind -> the hook other apps subscribe to (queueing/hooks.py).
_HOOK_OF_EVENT = {
    EventKind.ISSUED: hooks.ISSUED, EventKind.CALLED: hooks.CALLED, EventKind.RECALLED: hooks.RECALLED,
    EventKind.HELD: hooks.HELD, EventKind.RESUMED: hooks.RESUMED, EventKind.TRANSFERRED: hooks.ROUTED,
    EventKind.DONE: hooks.FINISHED, EventKind.NO_SHOW: hooks.NO_SHOW,
    EventKind.REINSTATED: hooks.REINSTATED, EventKind.CANCELLED: hooks.CANCELLED,
}


def _append_event(ticket: Ticket, *, kind: str, actor: Actor, from_state: str,
                  counter: Counter | None = None, detail: dict | None = None,
                  ref: str | None = None) -> TicketEvent:
    """Append the ticket's event row and tell the subscribed apps once the change commits."""
    detail = dict(detail or {})
    if ref:
        detail["ref"] = ref
    at = now()
    if ticket.business_date != business_date(at):  # called before midnight: a past day's record grows
        _history_changed(ticket.office_id)
    event = TicketEvent.objects.create(
        ticket=ticket, office_id=ticket.office_id, kind=kind, at=at,
        business_date=ticket.business_date, category_id=ticket.category_id,
        counter=counter, from_state=from_state, to_state=ticket.state,
        actor=actor.label, actor_user_id=actor.user_id, actor_token_id=actor.token_id,
        detail=detail,
    )
    hooks.emit(hooks.QueueEvent(
        kind=_HOOK_OF_EVENT[kind], office_id=ticket.office_id, ticket_id=ticket.public_id,
        number=ticket.number, category_id=ticket.category_id, counter_id=counter.pk if counter else None,
        event_id=event.pk, ref=ref, actor_user_id=actor.user_id, actor_token_id=actor.token_id))
    return event


def _append_counter_event(counter: Counter, *, kind: str, actor: Actor,
                          detail: dict | None = None) -> CounterEvent:
    at = now()
    event = CounterEvent.objects.create(
        counter=counter, office_id=counter.office_id, kind=kind, at=at, business_date=business_date(at),
        actor=actor.label, actor_user_id=actor.user_id, actor_token_id=actor.token_id,
        detail=detail or {})
    hook = {CounterEventKind.OPENED: hooks.COUNTER_OPENED, CounterEventKind.PAUSED: hooks.COUNTER_PAUSED,
            CounterEventKind.CATEGORIES: hooks.COUNTER_CHANGED}[kind]
    hooks.emit(hooks.QueueEvent(kind=hook, office_id=counter.office_id, counter_id=counter.pk,
                                event_id=event.pk, actor_user_id=actor.user_id,
                                actor_token_id=actor.token_id, extra=dict(detail or {})))
    return event


def _get_office(code: str) -> Office:
    try:
        return Office.objects.get(code=code)
    except Office.DoesNotExist:
        raise NotFound("指定された庁舎・拠点が見つかりません。", code="office_not_found") from None


def _get_category(office: Office, code: str) -> Category:
    try:
        return Category.objects.get(office=office, code=code)
    except Category.DoesNotExist:
        raise NotFound("指定された受付区分が見つかりません。", code="category_not_found") from None


def _lock_counter(counter_id, actor: Actor) -> Counter:
    try:
        # Only ASCII digits name a counter: int() would also read "６" or "٦" (fault 1.9).
        if not isinstance(counter_id, int):
            if not (isinstance(counter_id, str) and counter_id.isascii() and counter_id.isdigit()):
                raise ValueError(counter_id)
            counter_id = int(counter_id)
        # of=self: lock the counter row only, not the joined office row, or every
        # counter of the office would queue behind one lock.
        counter = (Counter.objects.select_for_update(of=("self",)).select_related("office")
                   .get(pk=counter_id))
    except (Counter.DoesNotExist, ValueError, TypeError):
        raise NotFound("指定された窓口が見つかりません。", code="counter_not_found") from None
    actor.require_staff(counter.office_id)
    return counter


def _current_ticket(counter: Counter) -> Ticket | None:
    return (Ticket.objects.select_for_update(of=("self",)).select_related("category")
            .filter(counter=counter, state=TicketState.CALLED).first())


def _require_open(counter: Counter) -> None:
    """A paused counter (受付休止) calls nobody: its visitors would walk to an empty desk."""
    if not counter.is_open:
        raise Conflict(f"{counter.label}は受付を休止中です。「受付を開始」してから呼び出してください。",
                       code="counter_closed")


def _require_current(counter: Counter) -> Ticket:
    ticket = _current_ticket(counter)
    if ticket is None:
        raise Conflict(f"{counter.label}で呼出中の番号はありません。", code="no_current_ticket")
    return ticket


def _finish_named_current(counter: Counter, actor: Actor, finish_current: str | None) -> None:
    """Finish the ticket being called here if the caller named it; refuse if another one is.

    The counter row is locked, so the ticket read here is the one being called."""
    if not finish_current:
        # Nothing named (every call-next of a free counter): only whether one is being called
        # matters, so neither its row lock nor its category is read.
        busy = (Ticket.objects.filter(counter=counter, state=TicketState.CALLED)
                .values_list("public_id", "number").first())
        if busy is not None:
            raise _counter_busy(counter, *busy)
        return
    current = _current_ticket(counter)
    if current is None:
        return  # nothing to finish (another screen may have finished the one named)
    if finish_current != current.public_id:
        raise _counter_busy(counter, current.public_id, current.number)
    _finish(current, counter, actor)


def _counter_busy(counter: Counter, public_id: str, number: int) -> Conflict:
    return Conflict(
        f"{counter.label}では{number}番を呼出中です。画面を確認し、完了・保留・不在にしてから"
        "次を呼び出してください。",
        code="counter_busy", detail={"id": public_id, "number": number})


def _get_ticket_for_update(public_id: str) -> Ticket:
    try:
        return Ticket.objects.select_for_update().get(public_id=public_id)
    except Ticket.DoesNotExist:
        raise NotFound("指定された整理券が見つかりません。", code="ticket_not_found") from None


def _next_number(category: Category, seq: TicketSequence) -> int:
    """Next free number in the range: after the last one, wrapping around and
    skipping numbers that are still active today (anywhere in the office)."""
    start, end = category.range_start, category.range_end
    last = seq.last_number
    # A range edited during the day may no longer contain the last number: start it afresh.
    counting_up = last is not None and start <= last < end
    first = last + 1 if counting_up else start
    if not seq.wrapped and (last is None or counting_up):
        return first  # numbers so far only went up: this one was never issued today
    active = set(Ticket.objects.filter(
        office_id=category.office_id, business_date=seq.business_date,
        state__in=ACTIVE_STATES, number__gte=start, number__lte=end,
    ).values_list("number", flat=True))
    size = end - start + 1
    for step in range(size):
        candidate = start + (first - start + step) % size
        if candidate not in active:
            return candidate
    raise Conflict(
        f"「{category.name}」の番号（{start}～{end}）がすべて使用中のため発券できません。職員にお声がけください。",
        code="range_exhausted")


def _get_issuable_category(actor: Actor, office_code: str, category_code: str) -> Category:
    """The category with its office, in one query (a kiosk asks this for every ticket);
    an actor who may not issue here learns nothing about the office's categories."""
    category = (Category.objects.select_related("office")
                .filter(office__code=office_code, code=category_code).first())
    if category is None:  # say which one is unknown, to those who may ask
        office = _get_office(office_code)
        actor.require_issue(office.pk)
        category = _get_category(office, category_code)
    actor.require_issue(category.office_id)
    return category


def _claim_next_number(category: Category, today) -> int:
    """Take the category's next number for today, holding its sequence row until commit.

    Usually one statement: create today's row at the range start, or count up
    while numbers have only gone up. At the end of the range (or once wrapped)
    the row stays locked and ``_next_number`` looks for a free number.
    """
    connection = transaction.get_connection()
    if _can_count_up_in_one_statement(connection):
        row = _count_up_in_one_statement(connection, category, today)
        if row is not None:
            return row[0]
    else:
        TicketSequence.objects.bulk_create(
            [TicketSequence(category=category, business_date=today)], ignore_conflicts=True)
    seq = TicketSequence.objects.select_for_update().get(category=category, business_date=today)
    number = _next_number(category, seq)
    if seq.last_number is not None and number <= seq.last_number:
        seq.wrapped = True
    seq.last_number = number
    seq.save(update_fields=["last_number", "wrapped"])
    return number


def _can_count_up_in_one_statement(connection) -> bool:
    """The upsert needs ``RETURNING``: SQLite before 3.35 (Django 5.2 accepts 3.31) lacks it."""
    return connection.features.can_return_columns_from_insert


def _count_up_in_one_statement(connection, category: Category, today) -> tuple | None:
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (category_id, business_date, last_number, wrapped)
                VALUES (%s, %s, %s, FALSE)
                ON CONFLICT (category_id, business_date) DO UPDATE
                SET last_number = CASE WHEN {table}.last_number IS NULL THEN %s
                                       ELSE {table}.last_number + 1 END
                WHERE NOT {table}.wrapped
                  AND ({table}.last_number IS NULL
                       OR ({table}.last_number >= %s AND {table}.last_number < %s))
                RETURNING last_number""",  # noqa: S608 (table name from the model, values as parameters)
            [category.pk, connection.ops.adapt_datefield_value(today), category.range_start,
             category.range_start, category.range_start, category.range_end])
        return cursor.fetchone()


IDEMPOTENCY_KEY_MAX = 100


def device_of(actor: Actor) -> str:
    """Who repeats a request, for idempotency keys: the token, else the user."""
    if actor.token_id:
        return f"token:{actor.token_id}"
    if actor.user_id:
        return f"user:{actor.user_id}"
    return f"{actor.kind}:{actor.label}"[:80]


@atomic_with_retry()
def ticket_issue(*, actor: Actor, office_code: str, category_code: str,
                 idempotency_key: str | None = None, device: str | None = None) -> Ticket:
    """Issue a ticket. With ``idempotency_key``, a repeat from the same ``device`` (default: the
    actor's token or user) on the same business day issues nothing and answers the first ticket,
    marked ``ticket.replayed = True`` (a kiosk's double tap, a retried request)."""
    today = business_date()
    if idempotency_key:
        device = device or device_of(actor)
        first = _issued_with_key(actor, device, idempotency_key, today, office_code, category_code)
        if first is not None:
            return first
    category = _get_issuable_category(actor, office_code, category_code)
    office = category.office
    if not category.is_active:
        raise Conflict(f"「{category.name}」は現在発券していません。", code="category_closed")
    calendar.require_reception(category, now())  # 開庁時間・受付終了時刻 (409)
    number = _claim_next_number(category, today)
    ticket = Ticket.objects.create(
        office=office, category=category, issued_category=category, business_date=today,
        number=number, state=TicketState.WAITING, is_fast_lane=category.is_fast_lane, issued_at=now(),
    )
    if idempotency_key:
        try:
            with transaction.atomic():
                IssueKey.objects.create(device=device, key=idempotency_key, business_date=today, ticket=ticket)
        except IntegrityError as exc:
            # The same key committed meanwhile (PostgreSQL waited for it): undo this ticket and
            # run again, which answers the first one.
            exc.retryable = True
            raise
    _append_event(ticket, kind=EventKind.ISSUED, actor=actor, from_state="")
    live.board_changed(office)
    ticket.replayed = False
    return ticket


def _issued_with_key(actor: Actor, device: str, key: str, today, office_code: str,
                     category_code: str) -> Ticket | None:
    if len(key) > IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise ServiceError(f"Idempotency-Key は{IDEMPOTENCY_KEY_MAX}文字以内の半角英数字・記号にしてください。",
                           code="invalid_idempotency_key", status=422)
    row = (IssueKey.objects.select_related("ticket__category", "ticket__issued_category", "ticket__office")
           .filter(device=device, business_date=today, key=key).first())
    if row is None:
        return None
    ticket = row.ticket
    actor.require_issue(ticket.office_id)
    if (ticket.office.code, ticket.issued_category.code) != (office_code, category_code):
        raise ServiceError("この Idempotency-Key は別の発券に使われています。発券ごとに新しいキーを使ってください。",
                           code="idempotency_key_reused", status=422,
                           detail={"ticket": ticket.public_id})
    ticket.replayed = True
    return ticket


def _call(ticket: Ticket, counter: Counter, actor: Actor, *, kind: str = EventKind.CALLED) -> Ticket:
    from_state = ticket.state
    at = now()
    ticket.state = TicketState.CALLED
    ticket.counter = counter
    ticket.called_at = at
    ticket.first_called_at = ticket.first_called_at or at
    ticket.recall_count = 0
    ticket.save(update_fields=["state", "counter", "called_at", "first_called_at", "recall_count"])
    _append_event(ticket, kind=kind, actor=actor, from_state=from_state, counter=counter)
    live.ticket_called(counter.office, ticket, counter, recall=False)
    live.board_changed(counter.office)
    return ticket


def _history_changed(office_id) -> None:
    """An event of a past business day was added (a service, a hold…): every process reads the
    office's past again (``Office.history_stamp``)."""
    Office.objects.filter(pk=office_id).update(history_stamp=new_stamp())


def _finish(ticket: Ticket, counter: Counter, actor: Actor) -> Ticket:
    at = now()
    ticket.state = TicketState.DONE
    ticket.finished_at = at
    ticket.service_seconds = max(0, int((at - ticket.called_at).total_seconds()))
    ticket.save(update_fields=["state", "finished_at", "service_seconds"])
    _append_event(ticket, kind=EventKind.DONE, actor=actor, from_state=TicketState.CALLED,
                  counter=counter)
    live.board_changed(counter.office)
    return ticket


@atomic_with_retry()
def ticket_call_next(*, actor: Actor, counter_id, finish_current: str | None = None) -> Ticket | None:
    """Call the next ticket for this counter, or None when nobody waits.

    While a ticket is being called here, refused (409 ``counter_busy``) unless
    ``finish_current`` names that very ticket: a second screen of the counter,
    showing an older state, must never finish a visitor its clerk has not seen.
    """
    counter = _lock_counter(counter_id, actor)
    _require_open(counter)
    _finish_named_current(counter, actor, finish_current)
    served = CounterCategory.objects.filter(counter=counter).values("category_id")
    ticket = (Ticket.objects
              .filter(category_id__in=served, business_date=business_date(), state=TicketState.WAITING)
              .order_by(*rules.CALL_ORDER)
              .select_related("category")
              .select_for_update(skip_locked=True, of=("self",))
              .first())
    if ticket is None:
        return None
    return _call(ticket, counter, actor)


@atomic_with_retry()
def ticket_call(*, actor: Actor, counter_id, ticket_id: str, finish_current: str | None = None) -> Ticket:
    """Call a specific waiting or held ticket (e.g. an elderly visitor, or papers arrived).
    A ticket being called here is finished only when ``finish_current`` names it (as call-next)."""
    counter = _lock_counter(counter_id, actor)
    ticket = _get_ticket_for_update(ticket_id)
    if ticket.office_id != counter.office_id:
        raise NotFound("指定された整理券が見つかりません。", code="ticket_not_found")
    _require_open(counter)
    _require_today(ticket)
    if ticket.state not in (TicketState.WAITING, TicketState.HELD, TicketState.NO_SHOW):
        raise Conflict(f"{ticket.number}番は「{ticket.get_state_display()}」のため呼び出せません。",
                       code="illegal_transition")
    _finish_named_current(counter, actor, finish_current)
    if ticket.state == TicketState.NO_SHOW:  # came back after 不在: reinstated, then called
        _reinstate(ticket, actor)
    return _call(ticket, counter, actor)


@atomic_with_retry()
def ticket_recall(*, actor: Actor, counter_id) -> Ticket:
    counter = _lock_counter(counter_id, actor)
    ticket = _require_current(counter)
    limit = settings.RECALL_LIMIT
    if ticket.recall_count >= limit:
        raise Conflict(f"再呼出は{limit}回までです。不在にするか、保留にしてください。",
                       code="recall_limit", detail={"limit": limit})
    ticket.recall_count += 1
    ticket.called_at = now()
    ticket.save(update_fields=["recall_count", "called_at"])
    _append_event(ticket, kind=EventKind.RECALLED, actor=actor, from_state=TicketState.CALLED,
                  counter=counter, detail={"recall": ticket.recall_count})
    live.ticket_called(counter.office, ticket, counter, recall=True)
    return ticket


@atomic_with_retry()
def ticket_hold(*, actor: Actor, counter_id) -> Ticket:
    counter = _lock_counter(counter_id, actor)
    ticket = _require_current(counter)
    ticket.state = TicketState.HELD
    ticket.counter = None
    ticket.save(update_fields=["state", "counter"])
    _append_event(ticket, kind=EventKind.HELD, actor=actor, from_state=TicketState.CALLED,
                  counter=counter)
    live.board_changed(counter.office)
    return ticket


@atomic_with_retry()
def ticket_resume(*, actor: Actor, ticket_id: str) -> Ticket:
    """A held ticket goes back to waiting, keeping its original place in the queue."""
    ticket = _get_ticket_for_update(ticket_id)
    actor.require_staff(ticket.office_id)
    _require_today(ticket)
    if ticket.state != TicketState.HELD:
        raise Conflict(f"{ticket.number}番は保留中ではありません（{ticket.get_state_display()}）。",
                       code="illegal_transition")
    ticket.state = TicketState.WAITING
    ticket.save(update_fields=["state"])
    _append_event(ticket, kind=EventKind.RESUMED, actor=actor, from_state=TicketState.HELD)
    live.board_changed(ticket.office)
    return ticket


@atomic_with_retry()
def ticket_transfer(*, actor: Actor, counter_id, category_code: str) -> Ticket:
    """回送: move the current ticket to another category's queue, keeping its issue time."""
    counter = _lock_counter(counter_id, actor)
    ticket = _require_current(counter)
    return _route(ticket, _get_category(counter.office, category_code), actor, counter=counter, ref=None)


@atomic_with_retry()
def ticket_finish(*, actor: Actor, counter_id) -> Ticket:
    counter = _lock_counter(counter_id, actor)
    return _finish(_require_current(counter), counter, actor)


@atomic_with_retry()
def ticket_no_show(*, actor: Actor, counter_id) -> Ticket:
    counter = _lock_counter(counter_id, actor)
    ticket = _require_current(counter)
    ticket.state = TicketState.NO_SHOW
    ticket.finished_at = now()
    ticket.save(update_fields=["state", "finished_at"])
    _append_event(ticket, kind=EventKind.NO_SHOW, actor=actor, from_state=TicketState.CALLED,
                  counter=counter)
    live.board_changed(counter.office)
    return ticket


@atomic_with_retry()
def ticket_cancel(*, actor: Actor, ticket_id: str) -> Ticket:
    ticket = _get_ticket_for_update(ticket_id)
    actor.require_staff(ticket.office_id)
    _require_today(ticket)
    if ticket.state not in (TicketState.WAITING, TicketState.HELD):
        raise Conflict(f"{ticket.number}番は「{ticket.get_state_display()}」のため取り消せません。",
                       code="illegal_transition")
    from_state = ticket.state
    ticket.state = TicketState.CANCELLED
    ticket.finished_at = now()
    ticket.save(update_fields=["state", "finished_at"])
    _append_event(ticket, kind=EventKind.CANCELLED, actor=actor, from_state=from_state)
    live.board_changed(ticket.office)
    return ticket


@atomic_with_retry()
def counter_set_open(*, actor: Actor, counter_id, is_open: bool) -> Counter:
    """Open or pause a counter; only open counters count in the wait estimate."""
    counter = _lock_counter(counter_id, actor)
    if not is_open and Ticket.objects.filter(counter=counter, state=TicketState.CALLED).exists():
        raise Conflict("呼出中の番号を完了・保留・不在にしてから休止してください。", code="counter_busy")
    if counter.is_open == is_open:
        return counter  # a second click on an old screen: nothing changes, nothing is logged
    counter.is_open = is_open
    counter.save(update_fields=["is_open"])
    _append_counter_event(counter, kind=CounterEventKind.OPENED if is_open else CounterEventKind.PAUSED,
                          actor=actor)
    live.board_changed(counter.office)
    return counter



# ------------------------------------------------------------ reinstate and route
# (issue 8: fault 1.3 and section 4) Kept together at the end of the module.


def _require_today(ticket: Ticket) -> None:
    """A ticket of another business day is over whatever its stored state says."""
    if ticket.business_date != business_date():
        raise Conflict(f"{ticket.number}番は{ticket.business_date:%m月%d日}の整理券のため、本日は操作できません。",
                       code="ticket_expired", detail={"business_date": ticket.business_date.isoformat()})


def _require_number_free(ticket: Ticket) -> None:
    """Once wrapped, a range reissues numbers that are no longer active: a no-show's number may
    belong to someone else by now, and two people cannot wait under one number."""
    if (Ticket.objects.filter(office_id=ticket.office_id, business_date=ticket.business_date,
                              number=ticket.number, state__in=ACTIVE_STATES)
            .exclude(pk=ticket.pk).exists()):
        raise Conflict(f"{ticket.number}番は本日すでに別の方に発券されているため、戻せません。"
                       "新しい番号札を発券してください。", code="number_in_use")


def _reinstate(ticket: Ticket, actor: Actor) -> Ticket:
    """no_show → waiting with the original issue time (its original place in the queue)."""
    _require_today(ticket)
    if ticket.state != TicketState.NO_SHOW:
        raise Conflict(f"{ticket.number}番は不在ではありません（{ticket.get_state_display()}）。",
                       code="illegal_transition")
    _require_number_free(ticket)
    ticket.state = TicketState.WAITING
    ticket.counter = None
    ticket.finished_at = None
    ticket.save(update_fields=["state", "counter", "finished_at"])
    _append_event(ticket, kind=EventKind.REINSTATED, actor=actor, from_state=TicketState.NO_SHOW)
    live.board_changed(ticket.office)
    return ticket


@atomic_with_retry()
def ticket_reinstate(*, actor: Actor, ticket_id: str) -> Ticket:
    """A visitor called as 不在 came back the same day: back to waiting at the original place."""
    ticket = _get_ticket_for_update(ticket_id)
    actor.require_staff(ticket.office_id)
    return _reinstate(ticket, actor)


def _route(ticket: Ticket, target: Category, actor: Actor, *, counter: Counter | None,
           ref: str | None) -> Ticket:
    """Move an active ticket to ``target`` keeping its issue time. A called ticket leaves its
    counter and waits in the new queue; a held ticket stays held; a waiting one waits."""
    if ticket.state not in ACTIVE_STATES:
        raise Conflict(f"{ticket.number}番は「{ticket.get_state_display()}」のため回送できません。",
                       code="illegal_transition")
    if target.office_id != ticket.office_id:
        raise NotFound("指定された受付区分が見つかりません。", code="category_not_found")
    if target.pk == ticket.category_id:
        raise Conflict("同じ受付区分には回送できません。", code="same_category")
    from_state, source_id = ticket.state, ticket.category_id
    if ticket.state == TicketState.CALLED:
        ticket.state = TicketState.WAITING
    ticket.category = target
    ticket.is_fast_lane = target.is_fast_lane
    ticket.counter = None
    ticket.save(update_fields=["state", "category", "is_fast_lane", "counter"])
    _append_event(ticket, kind=EventKind.TRANSFERRED, actor=actor, from_state=from_state,
                  counter=counter, detail={"from_category": source_id}, ref=ref)
    live.board_changed(ticket.office)
    return ticket


@atomic_with_retry()
def ticket_route(*, actor: Actor, ticket_id: str, category_code: str, ref: str | None = None,
                 expected_state: str | None = None, expected_category: str | None = None) -> Ticket:
    """Move any active ticket of today to another category keeping its place (issue time).

    ``ref`` says what the move was made for (e.g. ``"case:123"``); it is kept in the event
    and handed to the ``routed`` hook. A called ticket leaves its counter: the counter row is
    locked first, as everywhere (counter before ticket). A screen passes the state and
    category it showed (``expected_*``): a ticket called meanwhile is not pulled away from
    the clerk (409 ``stale``).
    """
    peek = Ticket.objects.filter(public_id=ticket_id).values("counter_id", "state").first()
    counter = None
    if peek is not None and peek["state"] == TicketState.CALLED and peek["counter_id"]:
        counter = _lock_counter(peek["counter_id"], actor)
    ticket = _get_ticket_for_update(ticket_id)
    actor.require_staff(ticket.office_id)
    _require_today(ticket)
    if ticket.state == TicketState.CALLED and (counter is None or ticket.counter_id != counter.pk):
        raise Conflict(f"{ticket.number}番の状態が変わりました。画面を更新してください。", code="stale")
    target = _get_category(ticket.office, category_code)
    if ((expected_state is not None and ticket.state != expected_state)
            or (expected_category is not None and ticket.category.code != expected_category)):
        raise _stale({"state": ticket.state, "category": ticket.category.code})
    return _route(ticket, target, actor, counter=counter if ticket.state == TicketState.CALLED else None,
                  ref=ref)


# ------------------------------------------------------------ floor control (issue 8 §3)
# The supervisor screen (フロア管理) and the admin act through these; each writes the audit
# log and the event log of what it changed, and refreshes the board. A screen sends what it
# showed (``expected``): when that no longer holds, the change is refused (409 ``stale``)
# rather than applied to something the supervisor did not see.

STALE_MESSAGE = "画面を表示した後に状態が変わりました。画面を更新してから、もう一度操作してください。"


def _stale(detail=None) -> Conflict:
    return Conflict(STALE_MESSAGE, code="stale", detail=detail)


def _served_codes(counter: Counter) -> list[str]:
    return list(CounterCategory.objects.filter(counter=counter).order_by("position", "id")
                .values_list("category__code", flat=True))


@atomic_with_retry()
def counter_set_categories(*, actor: Actor, counter_id, category_codes: list[str],
                           expected: list[str] | None = None) -> Counter:
    """Set which categories a counter serves, in the order listed (応援: a counter helps
    another queue). Supervisors only.

    The busy rule: the category of the ticket being called at the counter cannot be
    dropped (409 ``counter_busy``, the ticket in ``detail``): finish, hold or transfer it
    first. Unchanged lists change nothing and log nothing.
    """
    counter = _lock_counter(counter_id, actor)
    actor.require_staff(counter.office_id, Role.SUPERVISOR)
    codes = list(dict.fromkeys(str(c).strip() for c in category_codes if c and str(c).strip()))
    if not codes:
        raise ServiceError("受付区分を1つ以上選んでください。", code="no_categories", status=422)
    categories = {c.code: c for c in Category.objects.filter(office_id=counter.office_id, code__in=codes)}
    unknown = [c for c in codes if c not in categories]
    if unknown:
        raise NotFound("指定された受付区分が見つかりません。", code="category_not_found", detail={"unknown": unknown})
    before = _served_codes(counter)
    if expected is not None and list(expected) != before:
        raise _stale({"categories": before})
    if codes == before:
        return counter
    current = _current_ticket(counter)
    if current is not None and current.category.code not in codes:
        name = current.category.name
        raise Conflict(f"{counter.label}は{current.number}番（{name}）を呼出中のため、「{name}」を外せません。"
                       "完了・保留・回送してから変更してください。", code="counter_busy",
                       detail={"ticket": current.public_id, "number": current.number,
                               "category": current.category.code})
    CounterCategory.objects.filter(counter=counter).delete()
    CounterCategory.objects.bulk_create([CounterCategory(counter=counter, category=categories[code], position=i)
                                         for i, code in enumerate(codes)])
    detail = {"categories": codes, "before": before}
    _append_counter_event(counter, kind=CounterEventKind.CATEGORIES, actor=actor, detail=detail)
    audit_record(actor=actor, action="counter.categories", target=f"{counter.office.code}/{counter.number}",
                 detail=detail)
    live.board_changed(counter.office)
    return counter


def _lock_category(actor: Actor, category_id) -> Category:
    try:
        category = (Category.objects.select_for_update(of=("self",)).select_related("office")
                    .get(pk=int(category_id)))
    except (Category.DoesNotExist, ValueError, TypeError):
        raise NotFound("指定された受付区分が見つかりません。", code="category_not_found") from None
    actor.require_staff(category.office_id, Role.SUPERVISOR)
    return category


def _category_changed(category: Category, actor: Actor, detail: dict) -> None:
    hooks.emit(hooks.QueueEvent(kind=hooks.CATEGORY_CHANGED, office_id=category.office_id,
                                category_id=category.pk, actor_user_id=actor.user_id,
                                actor_token_id=actor.token_id, extra=detail))
    live.board_changed(category.office)


@atomic_with_retry()
def category_set_issuing(*, actor: Actor, category_id, is_active: bool) -> Category:
    """Pause or resume issuing for a category (発券停止・再開). Supervisors only. The kiosk and
    the board follow (受付終了); people already waiting keep their place and are served."""
    category = _lock_category(actor, category_id)
    if category.is_active == is_active:
        return category  # an old screen's second click: nothing changes, nothing is logged
    category.is_active = is_active
    category.save(update_fields=["is_active"])
    detail = {"category": category.code, "is_active": is_active}
    audit_record(actor=actor, action="category.issuing", target=f"{category.office.code}/{category.code}",
                 detail=detail)
    _category_changed(category, actor, detail)
    return category


@atomic_with_retry()
def category_save(*, actor: Actor, category: Category, changed: list[str] | None = None) -> Category:
    """Create or edit a category from the admin (names, ranges, times, issuing) with the audit
    log, the hook and a fresh board. The caller has validated the fields (``full_clean``)."""
    office_id = category.office_id
    actor.require_staff(office_id, Role.SUPERVISOR)
    created = category.pk is None
    if not created:
        old = Category.objects.select_for_update().get(pk=category.pk)
        if old.office_id != office_id:
            raise Conflict("受付区分の庁舎・拠点は変更できません。", code="office_fixed")
    category.save()
    detail = {"category": category.code, "created": created, "changed": sorted(changed or [])}
    audit_record(actor=actor, action="category.create" if created else "category.edit",
                 target=f"{category.office.code}/{category.code}", detail=detail)
    _category_changed(category, actor, detail)
    return category


@atomic_with_retry()
def category_delete(*, actor: Actor, category_id) -> None:
    """Only a category that never had a ticket can go (tickets keep theirs, PROTECT)."""
    category = _lock_category(actor, category_id)
    if Ticket.objects.filter(category=category).exists() or Ticket.objects.filter(
            issued_category=category).exists():
        raise Conflict(f"「{category.name}」には整理券の記録があるため削除できません。"
                       "「発券中」を外して発券を止めてください。", code="category_in_use")
    office, code = category.office, category.code
    category.delete()
    audit_record(actor=actor, action="category.delete", target=f"{office.code}/{code}")
    live.board_changed(office)


@atomic_with_retry()
def counter_save(*, actor: Actor, counter: Counter) -> Counter:
    """Create a counter or edit its number and name from the admin (supervisors only).
    Opening and pausing go through ``counter_set_open``; categories through
    ``counter_set_categories``."""
    actor.require_staff(counter.office_id, Role.SUPERVISOR)
    created = counter.pk is None
    if created:
        counter.save()
    else:
        old = Counter.objects.select_for_update().get(pk=counter.pk)
        if old.office_id != counter.office_id:
            raise Conflict("窓口の庁舎・拠点は変更できません。", code="office_fixed")
        counter.save(update_fields=["number", "name"])
    audit_record(actor=actor, action="counter.create" if created else "counter.edit",
                 target=f"{counter.office.code}/{counter.number}",
                 detail={"number": counter.number, "name": counter.name})
    live.board_changed(counter.office)
    return counter


@atomic_with_retry()
def counter_delete(*, actor: Actor, counter_id) -> None:
    counter = _lock_counter(counter_id, actor)
    actor.require_staff(counter.office_id, Role.SUPERVISOR)
    if (Ticket.objects.filter(counter=counter).exists() or TicketEvent.objects.filter(counter=counter).exists()
            or CounterEvent.objects.filter(counter=counter).exists()):
        raise Conflict(f"{counter.label}には呼出の記録があるため削除できません。"
                       "「受付休止」にするか、受付区分を変えてください。", code="counter_in_use")
    office, number = counter.office, counter.number
    CounterCategory.objects.filter(counter=counter).delete()
    counter.delete()
    audit_record(actor=actor, action="counter.delete", target=f"{office.code}/{number}")
    live.board_changed(office)


MEMO_MAX = 200


@atomic_with_retry()
def ticket_memo_add(*, actor: Actor, ticket_id: str, text: str) -> TicketMemo:
    """An internal memo on a ticket (staff of the office). Never shown on the public side; the
    audit log records that a memo was written, not what it says (it may be personal)."""
    ticket = _get_ticket_for_update(ticket_id)
    actor.require_staff(ticket.office_id)
    text = " ".join(str(text or "").split())
    if not text:
        raise ServiceError("メモを入力してください。", code="empty_memo", status=422)
    if len(text) > MEMO_MAX:
        raise ServiceError(f"メモは{MEMO_MAX}文字以内で入力してください。", code="memo_too_long", status=422)
    memo = TicketMemo.objects.create(ticket=ticket, text=text, at=now(), author=actor.label,
                                     author_user_id=actor.user_id)
    audit_record(actor=actor, action="ticket.memo", target=f"{ticket.business_date}/{ticket.number}",
                 detail={"ticket": ticket.public_id, "memo": memo.pk})
    return memo


# ------------------------------------------------------------ past days (history)


@transaction.atomic
def history_append(*, actor: Actor, office_code: str, days: list[tuple]) -> tuple[int, int]:
    """Write whole past business days of an office at once: ``days`` is a list of
    ``(business date, rows)`` with rows ``(at, ticket, kind, category code, counter number)`` in
    time order, as in EVENTS.csv (history.py). For the demo's simulated year and for a log
    brought from another system. Only days before today and without tickets of their own (the
    record of a day is never mixed with another); an administrator's act. Returns (tickets,
    events) written."""
    from . import history

    office = _get_office(office_code)
    actor.require_staff(office.pk, minimum=Role.ADMIN)
    if not days:
        return 0, 0
    dates = [day for day, _rows in days]
    today = business_date()
    if max(dates) >= today or len(set(dates)) != len(dates):
        raise Conflict("過去の業務日（本日より前、重複なし）だけを書き込めます。", code="history_not_past")
    taken = sorted(set(Ticket.objects.filter(office=office, business_date__range=(min(dates), max(dates)))
                       .values_list("business_date", flat=True).distinct()) & set(dates))
    if taken:
        raise Conflict(f"{taken[0]:%Y-%m-%d} などには整理券がすでにあります。", code="history_day_taken",
                       detail={"dates": [d.isoformat() for d in taken[:10]]})
    try:
        tickets, events = history.write_days(office, days, actor_label=actor.label)
    except history.HistoryError as exc:
        raise ServiceError(f"履歴の行が正しくありません: {exc}", code="invalid_history", status=422) from None
    _history_changed(office.pk)
    audit_record(actor=actor, action="history.append", target=office.code,
                 detail={"first": min(dates).isoformat(), "last": max(dates).isoformat(),
                         "days": len(dates), "tickets": tickets, "events": events})
    return tickets, events
