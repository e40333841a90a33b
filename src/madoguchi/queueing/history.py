"""Past business days of an office written at once: tickets and their event log.

The demo starts with a simulated year (``forecasting/demo_history.py``) so the wait estimate has service
times to learn from and the 混雑予想 a calendar to fit; a city could load its old system's log the
same way. Rows follow the EVENTS.csv contract of ``madoguchi estimate backtest``
(docs/estimates.md): ``(at, ticket, kind, category, counter)`` with ``kind`` one of issued,
called, recalled, held, resumed, transferred (``category`` = the new one), finished, no_show,
cancelled, counter_opened, counter_paused; ``counter`` the counter's number.

The event tables are append-only (``AppendOnlyModel`` refuses updates and deletes, not inserts),
so the rows are inserted directly, with ``executemany`` (a year is a few hundred thousand rows). No live
event, no hook: these days are over. Each ticket ends as the services would have left it
(state, counter, call and finish times, ``service_seconds``), numbered in its category's range
in order of issue, as the kiosk numbers them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from .models import (
    Category,
    Counter,
    CounterEvent,
    CounterEventKind,
    EventKind,
    Office,
    Ticket,
    TicketEvent,
    TicketState,
    new_public_id,
)

_K, _S = EventKind, TicketState
_WAITING, _CALLED, _HELD = _S.WAITING.value, _S.CALLED.value, _S.HELD.value
# EVENTS.csv kind -> (event kind, state before, state after); None: the state is unchanged. Plain
# strings (``.value``): the rows go to the database as they are, with no enum ``str()`` per row.
_TICKET_KINDS = {
    "issued": (_K.ISSUED.value, "", _WAITING),
    "called": (_K.CALLED.value, None, _CALLED),
    "recalled": (_K.RECALLED.value, _CALLED, _CALLED),
    "held": (_K.HELD.value, _CALLED, _HELD),
    "resumed": (_K.RESUMED.value, _HELD, _WAITING),
    "transferred": (_K.TRANSFERRED.value, None, None),
    "finished": (_K.DONE.value, _CALLED, _S.DONE.value),
    "no_show": (_K.NO_SHOW.value, _CALLED, _S.NO_SHOW.value),
    "cancelled": (_K.CANCELLED.value, None, _S.CANCELLED.value),
}
_COUNTER_KINDS = {"counter_opened": CounterEventKind.OPENED.value, "counter_paused": CounterEventKind.PAUSED.value}
BATCH = 2000


class HistoryError(ValueError):
    """A row that the queue could not have produced (an unknown category, a call before the
    issue …)."""


@dataclass
class _Ticket:
    key: str
    business_date: dt.date
    category: Category
    issued_category: Category
    issued_at: dt.datetime
    number: int
    state: str = _WAITING
    counter: Counter | None = None
    called_at: dt.datetime | None = None
    first_called_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    recall_count: int = 0
    service_seconds: int | None = None


def write_days(office: Office, days: Iterable[tuple[dt.date, list[tuple]]], *, actor_label: str) -> tuple[int, int]:
    """Write each ``(business date, rows in time order)``; returns (tickets, events) written.
    Called by ``services.history_append`` (which checks the dates and audits) inside its
    transaction."""
    categories = {c.code: c for c in Category.objects.filter(office=office)}
    counters = {str(c.number): c for c in Counter.objects.filter(office=office)}
    writer = _Writer(office, actor_label)
    tickets: list[_Ticket] = []
    pending: list[tuple] = []
    with _large_cache():
        for day, day_rows in days:
            _one_day(day, day_rows, categories, counters, tickets, pending)
            if len(pending) > 10 * BATCH:
                writer.flush(tickets, pending)
        writer.flush(tickets, pending)
    return writer.tickets, writer.events


@contextlib.contextmanager
def _large_cache():
    """SQLite keeps 2 MB of pages by default: a year's growing indexes spill out of it and every
    spill is written out (2× the wall time). 128 MB while writing, then the setting as it was."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -131072")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    """What Django's SQLite backend stores for an aware datetime (UTC, without the offset), in a
    fifth of the time of ``adapt_datetimefield_value``."""
    if value is None:
        return None
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _columns(model, names: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)


class _Writer:
    """Rows inserted with ``executemany``: Django's ``bulk_create`` spends ~100 µs a row on a
    year's 400,000 rows (model instances, per-field preparation, 999 parameters a statement on
    SQLite); this spends a few. Ticket ids are reserved first (PostgreSQL: from the sequence;
    SQLite: above the largest, the caller's transaction holding the write lock) so the events can
    name them."""

    TICKET_FIELDS = ["id", "public_id", "office", "category", "issued_category", "business_date", "number",
                     "state", "is_fast_lane", "issued_at", "counter", "called_at", "first_called_at",
                     "finished_at", "recall_count", "service_seconds"]
    EVENT_FIELDS = ["ticket", "office", "kind", "at", "business_date", "category", "counter", "from_state",
                    "to_state", "actor", "detail"]
    COUNTER_FIELDS = ["counter", "office", "kind", "at", "business_date", "actor", "detail"]

    def __init__(self, office: Office, actor_label: str):
        self.office, self.actor = office.pk, actor_label
        self.tickets = self.events = 0
        ops = connection.ops
        self.when = _sqlite_datetime if connection.vendor == "sqlite" else ops.adapt_datetimefield_value
        self.date = ops.adapt_datefield_value
        self.detail_field = TicketEvent._meta.get_field("detail")
        self.no_detail = self.json({})

        def insert(model, fields):
            marks = ", ".join(["%s"] * len(fields))
            return f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({_columns(model, fields)}) VALUES ({marks})"

        self.sql = {"ticket": insert(Ticket, self.TICKET_FIELDS), "event": insert(TicketEvent, self.EVENT_FIELDS),
                    "counter": insert(CounterEvent, self.COUNTER_FIELDS)}

    def json(self, value: dict):
        return self.detail_field.get_db_prep_save(value, connection)

    def reserve_ids(self, count: int) -> list[int]:
        table = Ticket._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                               [table, count])
                return [row[0] for row in cursor.fetchall()]
            if connection.vendor != "sqlite":
                raise NotImplementedError(f"history on {connection.vendor}")
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            start = cursor.fetchone()[0] + 1
            # AUTOINCREMENT never reuses an id: start past its counter too.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(start, (row[0] + 1) if row else 1)
            return list(range(start, start + count))

    def flush(self, tickets: list[_Ticket], pending: list[tuple]) -> None:
        if not tickets and not pending:
            return
        date, office = self.date, self.office
        adapted: dict = {None: None}  # most times are both an event's and its ticket's

        def when(value):
            out = adapted.get(value)
            if out is None and value is not None:
                out = adapted[value] = self.when(value)
            return out

        ids = self.reserve_ids(len(tickets))
        ticket_rows = [
            (pk, new_public_id(), office, t.category.id, t.issued_category.id, date(t.business_date), t.number,
             t.state, t.category.is_fast_lane, when(t.issued_at), t.counter.id if t.counter else None,
             when(t.called_at), when(t.first_called_at), when(t.finished_at), t.recall_count, t.service_seconds)
            for pk, t in zip(ids, tickets, strict=True)]
        event_rows, counter_rows = [], []
        days: dict[dt.date, object] = {}
        for index, kind, at, day, category, counter, from_state, to_state, detail in pending:
            on_day = days.get(day)
            if on_day is None:
                on_day = days[day] = date(day)
            if index is None:
                counter_rows.append((counter.id, office, kind, when(at), on_day, self.actor, self.no_detail))
            else:
                event_rows.append((ids[index], office, kind, when(at), on_day, category.id,
                                   counter.id if counter else None, from_state, to_state, self.actor,
                                   self.json(detail) if detail else self.no_detail))
        with connection.cursor() as cursor:
            cursor.executemany(self.sql["ticket"], ticket_rows)
            cursor.executemany(self.sql["event"], event_rows)
            if counter_rows:
                cursor.executemany(self.sql["counter"], counter_rows)
        self.tickets += len(ticket_rows)
        self.events += len(event_rows) + len(counter_rows)
        tickets.clear()
        pending.clear()


def _one_day(day, rows, categories, counters, tickets, pending) -> None:
    of_key: dict[str, int] = {}
    next_number: dict[int, int] = {}
    for at, key, kind, code, number in rows:
        counter = counters.get(number) if number else None
        if number and counter is None:
            raise HistoryError(f"{day}: no counter {number!r}")
        if kind in _COUNTER_KINDS:
            pending.append((None, _COUNTER_KINDS[kind], at, day, None, counter, "", "", None))
            continue
        if kind not in _TICKET_KINDS:
            raise HistoryError(f"{day}: unknown kind {kind!r}")
        event_kind, from_state, to_state = _TICKET_KINDS[kind]
        if kind == "issued":
            category = categories.get(code)
            if category is None:
                raise HistoryError(f"{day}: no category {code!r}")
            size = category.range_end - category.range_start + 1
            count = next_number.get(category.pk, 0)
            next_number[category.pk] = count + 1
            ticket = _Ticket(key, day, category, category, at, category.range_start + count % size)
            of_key[key] = len(tickets)
            tickets.append(ticket)
        elif key not in of_key:
            raise HistoryError(f"{day}: {kind} of ticket {key!r} before it was issued")
        index = of_key[key]
        ticket = tickets[index]
        before = ticket.state
        detail = {}
        if kind == "called":
            ticket.counter, ticket.called_at, ticket.recall_count = counter, at, 0
            ticket.first_called_at = ticket.first_called_at or at
        elif kind == "recalled":
            ticket.recall_count += 1
            ticket.called_at = at
            detail = {"recall": ticket.recall_count}
        elif kind == "held":
            ticket.counter = None
        elif kind == "transferred":
            target = categories.get(code)
            if target is None:
                raise HistoryError(f"{day}: no category {code!r}")
            detail = {"from_category": ticket.category.pk}
            ticket.category = target
            ticket.counter = None
            to_state = _WAITING if before == _CALLED else before
        elif kind == "finished":
            ticket.finished_at = at
            ticket.service_seconds = max(0, int((at - ticket.called_at).total_seconds()))
        elif kind in ("no_show", "cancelled"):
            ticket.finished_at = at
            if kind == "cancelled":
                ticket.counter = None
        ticket.state = to_state
        pending.append((index, event_kind, at, day, ticket.category, counter if kind != "issued" else None,
                        before if from_state is None else from_state, to_state, detail))
