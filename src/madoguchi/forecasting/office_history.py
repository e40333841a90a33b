"""The wait estimate's history of an office, kept in the process between changes of its queue.

The engine learns from the last ``HISTORY_SIZE`` services of each category (and each counter's
pace from them) and from the last business day's pauses (the lunch rota). Reading them afresh
on every change of the queue cost one query of 300 rows per category and the History built
anew (~30–70 ms a change with the demo's year of history, docs/benchmarks.md); here they are
kept, per office, as two parts:

* **the past** (services of business days before today, and the rota): read once per business
  day, and again whenever ``Office.history_stamp`` changes — it changes when a service of a past
  day is added (``queueing.services.history_append``; a ticket called before midnight and
  finished after it), the only ways the past changes;
* **today**: the services finished today, read as they come: one query per change returns the
  number of today's 完了 events and the tickets of those newer than the last one read. If the
  number is not what was read (in PostgreSQL an event with a smaller id can commit after a
  larger one), today's services are read again whole.

A category's window is its last ``HISTORY_SIZE`` services of past and today together, in the
order (business date, finish time, id) — exactly what one query over both would give — so every
process computes the same History for the same database, however long it has kept its copy
(tests/forecasting/test_office_history.py). The History (samples and paces) is rebuilt only for
the categories whose window changed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from madoguchi.core.timeutil import from_db
from madoguchi.queueing import estimates
from madoguchi.queueing.models import (
    CounterEvent,
    CounterEventKind,
    EventKind,
    Ticket,
    TicketEvent,
    TicketState,
)

from .estimate import HISTORY_SIZE, History

MAX_PAUSE = dt.timedelta(hours=3)


def _minutes(at: dt.datetime) -> float:
    return at.timestamp() / 60


def pauses(events) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Pause intervals per counter from its opened/paused events in time order."""
    out: dict[int, list] = defaultdict(list)
    since: dict[int, dt.datetime] = {}
    for counter_id, kind, at in events:
        if kind == CounterEventKind.PAUSED:
            since[counter_id] = at
        elif kind == CounterEventKind.OPENED and counter_id in since:
            start = since.pop(counter_id)
            if at - start <= MAX_PAUSE:
                out[counter_id].append((start, at))
    return out


@dataclass
class _Category:
    past: list[tuple[int, int | None]] | None = None  # (seconds, counter) of past days, oldest first
    today: list[tuple] = field(default_factory=list)  # (finished, ticket id, seconds, counter), in order
    built: tuple | None = None  # (samples, {counter: pace ratios}, counters) of its window


@dataclass
class _Office:
    key: tuple  # (today, history stamp)
    rota: dict[int, list[tuple[float, float]]]
    categories: dict[int, _Category] = field(default_factory=dict)
    done_events: int = 0  # today's 完了 events read
    last_event: int = 0  # the newest of them
    history: tuple | None = None  # (the categories in order, (samples, paces)) last assembled
    calls: dict = field(default_factory=dict)  # since → {(category, kind): events} before today


_offices: dict[int, _Office] = {}
_lock = threading.Lock()


def clear() -> None:
    with _lock:
        _offices.clear()


# The tests empty the estimates between tests (rolled back, ids come again): this copy too.
estimates.also_clear(clear)


def office_history(office_id: int, *, today: dt.date, stamp: str, categories: list[int],
                   calibrated: tuple[float, float] | None) -> tuple[History, dict[int, list]]:
    """The engine's History of ``categories`` (in that order) and the rota (counter → planned
    pauses in minutes, moved to ``today``), kept up to date from the office's changes.
    ``stamp`` is the office's ``history_stamp``, read before this call."""
    with _lock:
        office = _offices.get(office_id)
        if office is None or office.key != (today, stamp):
            office = _offices[office_id] = _Office(key=(today, stamp), rota=_rota(office_id, today))
        _read_today(office_id, today, office)
        unread = [c for c in categories if c not in office.categories or office.categories[c].past is None]
        if unread:
            for category_id, past in _past(unread, today).items():
                category = office.categories.setdefault(category_id, _Category())
                category.past, category.built = past, None
            office.history = None
        order = tuple(categories)
        if office.history is None or office.history[0] != order:
            office.history = (order, _assemble(office, order))
        service, pace, served_by = office.history[1]
        # Shared between estimates: the engine only reads them.
        return History(service=service, pace=pace, served_by=served_by, calibrated=calibrated), office.rota


def calls_before_today(office_id: int, *, today: dt.date, stamp: str, since: dt.date,
                       kinds: tuple[str, ...]) -> dict[tuple[int, str], int]:
    """The office's events of ``kinds`` per (category, kind) of the business days ``since`` …
    the day before ``today``: read once a business day (and again when ``stamp``, the office's
    ``history_stamp``, changes — a past day's event added), like the past services."""
    key = (since, kinds)
    with _lock:
        office = _offices.get(office_id)
        kept = office.calls.get(key) if office is not None and office.key == (today, stamp) else None
    if kept is not None:
        return kept
    q = connection.ops.quote_name
    sql = (f"SELECT category_id, kind, COUNT(*) FROM {q(TicketEvent._meta.db_table)}"  # noqa: S608
           f" WHERE office_id = %s AND business_date >= %s AND business_date < %s"
           f" AND kind IN ({', '.join(['%s'] * len(kinds))}) GROUP BY category_id, kind")
    with connection.cursor() as cursor:
        cursor.execute(sql, [office_id, connection.ops.adapt_datefield_value(since),
                             connection.ops.adapt_datefield_value(today), *kinds])
        counts = {(category_id, kind): n for category_id, kind, n in cursor.fetchall()}
    with _lock:
        office = _offices.get(office_id)
        if office is not None and office.key == (today, stamp):
            office.calls[key] = counts
    return counts


def _past(categories: list[int], today: dt.date) -> dict[int, list[tuple[int, int | None]]]:
    """Each category's last ``HISTORY_SIZE`` services of days before today, oldest first (one
    query: a part per category, each by the partial index ticket_done_by_finish — business date
    first, no sort of a year's services; the id orders services finished in the same microsecond)."""
    q = connection.ops.quote_name
    part = (f"SELECT * FROM (SELECT category_id, business_date, finished_at, id, service_seconds, counter_id"  # noqa: S608
            f" FROM {q(Ticket._meta.db_table)} WHERE category_id = %s AND state = %s"
            f" AND service_seconds IS NOT NULL AND business_date < %s"
            f" ORDER BY business_date DESC, finished_at DESC, id DESC LIMIT {int(HISTORY_SIZE)}) p{{n}}")
    sql = " UNION ALL ".join(part.format(n=n) for n in range(len(categories)))
    day = connection.ops.adapt_datefield_value(today)
    params = [value for category_id in categories for value in (category_id, TicketState.DONE.value, day)]
    out: dict[int, list] = {category_id: [] for category_id in categories}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    rows.sort(key=lambda row: (row[0], str(row[1]), from_db(row[2]), row[3]))  # per category, oldest first
    for category_id, _day, _finished, _id, seconds, counter_id in rows:
        out[category_id].append((seconds, counter_id))
    return out


def _rota(office_id: int, today: dt.date) -> dict[int, list[tuple[float, float]]]:
    """The pauses of the last business day with counter events, moved to today."""
    last_day = (CounterEvent.objects.filter(office_id=office_id, business_date__lt=today)
                .order_by("-business_date").values_list("business_date", flat=True).first())
    if not last_day:
        return {}
    shift = dt.datetime.combine(today, dt.time()) - dt.datetime.combine(last_day, dt.time())
    events = (CounterEvent.objects.filter(office_id=office_id, business_date=last_day)
              .order_by("at", "id").values_list("counter_id", "kind", "at"))
    return {c: [(_minutes(a + shift), _minutes(b + shift)) for a, b in spans]
            for c, spans in pauses(events).items()}


def _today_sql() -> str:
    q = connection.ops.quote_name
    event, ticket = q(TicketEvent._meta.db_table), q(Ticket._meta.db_table)
    where = "e.office_id = %(office)s AND e.business_date = %(today)s AND e.kind = %(done)s"
    return (f"SELECT COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL FROM {event} e WHERE {where}"  # noqa: S608
            f" UNION ALL SELECT NULL, e.id, t.id, t.category_id, t.service_seconds, t.counter_id, t.finished_at"
            f" FROM {event} e JOIN {ticket} t ON t.id = e.ticket_id WHERE {where}"
            f" AND e.id > %(after)s AND t.state = %(state)s AND t.service_seconds IS NOT NULL")


def _read_today(office_id: int, today: dt.date, office: _Office) -> None:
    """Today's services finished since the last read (one query); all of today's again if some
    were missed (an older event committed after a newer one)."""
    for after in (office.last_event, 0):
        params = {"office": office_id, "today": connection.ops.adapt_datefield_value(today),
                  "done": EventKind.DONE.value, "state": TicketState.DONE.value, "after": after}
        with connection.cursor() as cursor:
            cursor.execute(_today_sql(), params)
            rows = cursor.fetchall()
        total = next(row[0] for row in rows if row[1] is None)
        new = [row[1:] for row in rows if row[1] is not None]
        if after and office.done_events + len(new) != total:
            continue  # some were missed: read today's again from the first
        if not after:
            for category in office.categories.values():
                if category.today:
                    category.today, category.built = [], None
            office.last_event = 0
        for event_id, ticket_id, category_id, seconds, counter_id, finished in new:
            category = office.categories.setdefault(category_id, _Category())
            bisect.insort(category.today, (from_db(finished), ticket_id, seconds, counter_id))
            category.built = None
            office.last_event = max(office.last_event, event_id)
        office.done_events = total
        if new or not after:
            office.history = None
        return


def _assemble(office: _Office, order: tuple[int, ...]) -> tuple[dict, dict]:
    """The History's samples, paces and the counters behind the samples, as adding every
    window's services in turn would make them (``History.add_service``): a counter's paces in
    the categories' order."""
    history = History()
    for category_id in order:
        category = office.categories[category_id]
        if category.built is None:
            window = category.past + [(seconds, counter) for _f, _t, seconds, counter in category.today]
            one = History()
            for seconds, counter in window[-HISTORY_SIZE:]:
                one.add_service(category_id, seconds / 60, counter=counter)
            category.built = (list(one.service.get(category_id, ())), {c: list(r) for c, r in one.pace.items()},
                              list(one.served_by.get(category_id, ())))
        samples, paces, counters = category.built
        if samples:
            history.service[category_id].extend(samples)
            history.served_by[category_id].extend(counters)
        for counter, ratios in paces.items():
            history.pace[counter].extend(ratios)
    return history.service, history.pace, history.served_by
