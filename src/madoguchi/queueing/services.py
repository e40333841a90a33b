"""Ticket lifecycle: the only code that writes tickets.

State machine (``TicketState``)::

    issue ─► waiting ──call──► called ──finish──► done
               ▲  ▲              │ │ └──no_show─► no_show
               │  └──transfer────┘ │
               └─resume─ held ◄─hold┘        waiting/held ──cancel──► cancelled

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
from django.db import transaction

from madoguchi.core.actors import Actor
from madoguchi.core.db import atomic_with_retry
from madoguchi.core.errors import Conflict, NotFound
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
    Office,
    Ticket,
    TicketEvent,
    TicketSequence,
    TicketState,
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
    event = TicketEvent.objects.create(
        ticket=ticket, office_id=ticket.office_id, kind=kind, at=now(),
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
        # of=self: lock the counter row only, not the joined office row, or every
        # counter of the office would queue behind one lock.
        counter = (Counter.objects.select_for_update(of=("self",)).select_related("office")
                   .get(pk=int(counter_id)))
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
    current = _current_ticket(counter)
    if current is None:
        return  # nothing to finish (another screen may have finished the one named)
    if not finish_current or finish_current != current.public_id:
        raise Conflict(
            f"{counter.label}では{current.number}番を呼出中です。画面を確認し、完了・保留・不在にしてから"
            "次を呼び出してください。",
            code="counter_busy", detail={"id": current.public_id, "number": current.number})
    _finish(current, counter, actor)


def _refuse_expired(ticket: Ticket) -> None:
    """A ticket of a past business day is over: no action brings it back (rules.is_expired)."""
    if rules.is_expired(ticket.state, ticket.business_date, business_date()):
        raise Conflict(
            f"{ticket.number}番は{ticket.business_date:%Y年%m月%d日}の番号札のため、有効期限が切れています。"
            "本日の番号札を発券してください。",
            code="ticket_expired", detail={"business_date": ticket.business_date.isoformat()})


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


@atomic_with_retry()
def ticket_issue(*, actor: Actor, office_code: str, category_code: str) -> Ticket:
    category = _get_issuable_category(actor, office_code, category_code)
    office = category.office
    if not category.is_active:
        raise Conflict(f"「{category.name}」は現在発券していません。", code="category_closed")
    calendar.require_reception(category, now())  # 開庁時間・受付終了時刻 (409)
    today = business_date()
    number = _claim_next_number(category, today)
    ticket = Ticket.objects.create(
        office=office, category=category, issued_category=category, business_date=today,
        number=number, state=TicketState.WAITING, is_fast_lane=category.is_fast_lane, issued_at=now(),
    )
    _append_event(ticket, kind=EventKind.ISSUED, actor=actor, from_state="")
    live.board_changed(office)
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
    _refuse_expired(ticket)
    if ticket.state not in (TicketState.WAITING, TicketState.HELD):
        raise Conflict(f"{ticket.number}番は「{ticket.get_state_display()}」のため呼び出せません。",
                       code="illegal_transition")
    _finish_named_current(counter, actor, finish_current)
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
    _refuse_expired(ticket)
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
    target = _get_category(counter.office, category_code)
    if target.pk == ticket.category_id:
        raise Conflict("同じ受付区分には回送できません。", code="same_category")
    source_id = ticket.category_id
    ticket.state = TicketState.WAITING
    ticket.category = target
    ticket.is_fast_lane = target.is_fast_lane
    ticket.counter = None
    ticket.save(update_fields=["state", "category", "is_fast_lane", "counter"])
    _append_event(ticket, kind=EventKind.TRANSFERRED, actor=actor, from_state=TicketState.CALLED,
                  counter=counter, detail={"from_category": source_id})
    live.board_changed(counter.office)
    return ticket


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
    _refuse_expired(ticket)
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

