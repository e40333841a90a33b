"""Reads for screens and the API. The board is one function with a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Avg, Count, Prefetch, Q

from madoguchi.core.timeutil import business_date, now, to_jst

from . import calendar
from .estimates import estimate_wait_minutes
from .models import (
    ACTIVE_STATES,
    Category,
    Counter,
    CounterCategory,
    EventKind,
    Office,
    Ticket,
    TicketEvent,
    TicketState,
)

# Tickets that ended this recently are reported once more, so the public side (and
# the notices) learn the ending even if one push was lost.
RECENTLY_ENDED = dt.timedelta(minutes=15)
# Recent service times decide the estimate; older ones describe another part of the day.
SERVICE_WINDOW = dt.timedelta(minutes=90)
MIN_SAMPLES = 3


def _queue_order():
    return ("-is_fast_lane", "issued_at", "id")


def _mean_service_minutes(office: Office, today: dt.date, categories) -> dict[int, float]:
    """Recent mean service minutes per category, falling back to the category's prior."""
    rows = (Ticket.objects
            .filter(office=office, business_date=today, state=TicketState.DONE,
                    finished_at__gte=now() - SERVICE_WINDOW, service_seconds__isnull=False)
            .values("category_id")
            .annotate(mean=Avg("service_seconds"), n=Count("id")))
    measured = {r["category_id"]: r["mean"] / 60 for r in rows if r["n"] >= MIN_SAMPLES}
    return {c.pk: measured.get(c.pk, float(c.prior_service_minutes)) for c in categories}


def _open_counters(office: Office) -> dict[int, int]:
    rows = (CounterCategory.objects.filter(counter__office=office, counter__is_open=True)
            .values("category_id").annotate(n=Count("counter_id")))
    return {r["category_id"]: r["n"] for r in rows}


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _literal(choice) -> str:
    """A state or event kind as an SQL literal: SQLite uses a partial index only when the
    query names its condition literally, not as a parameter."""
    value = str(choice.value)
    assert value.isidentifier(), value  # our own constants, never user input
    return f"'{value}'"


def _board_rows_sql() -> str:
    """One statement for the board's rows, read after every burst of changes.

    Written in SQL rather than the ORM: composing the annotated query in
    Python cost about three times its run in the database (docs/benchmarks.md),
    and the join counts only today's active tickets, so the board costs the
    same at 9:00 and at 16:00. Portable SQL (PostgreSQL and SQLite).
    """
    category, ticket, event = _q(Category), _q(Ticket), _q(TicketEvent)
    counter, serves = _q(Counter), _q(CounterCategory)
    waiting, held, called = (_literal(TicketState.WAITING), _literal(TicketState.HELD),
                             _literal(TicketState.CALLED))
    done, called_kind = _literal(TicketState.DONE), _literal(EventKind.CALLED)
    return f"""
        SELECT c.id, c.code, c.name, c.range_start, c.range_end, c.is_active, c.prior_service_minutes,
               SUM(CASE WHEN t.state = {waiting} THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.state = {held} THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.state = {called} THEN 1 ELSE 0 END),
               (SELECT et.number FROM {event} e INNER JOIN {ticket} et ON et.id = e.ticket_id
                 WHERE e.category_id = c.id AND e.business_date = %(today)s AND e.kind = {called_kind}
                 ORDER BY e.id DESC LIMIT 1),
               (SELECT w.number FROM {ticket} w
                 WHERE w.category_id = c.id AND w.business_date = %(today)s AND w.state = {waiting}
                 ORDER BY w.is_fast_lane DESC, w.issued_at, w.id LIMIT 1),
               (SELECT AVG(d.service_seconds) FROM {ticket} d
                 WHERE d.category_id = c.id AND d.business_date = %(today)s AND d.state = {done}
                   AND d.finished_at >= %(since)s AND d.service_seconds IS NOT NULL),
               (SELECT COUNT(*) FROM {ticket} d
                 WHERE d.category_id = c.id AND d.business_date = %(today)s AND d.state = {done}
                   AND d.finished_at >= %(since)s AND d.service_seconds IS NOT NULL),
               (SELECT COUNT(*) FROM {serves} s INNER JOIN {counter} k ON k.id = s.counter_id
                 WHERE s.category_id = c.id AND k.is_open = %(true)s)
          FROM {category} c
          LEFT JOIN {ticket} t ON t.category_id = c.id AND t.business_date = %(today)s
                              AND t.state IN ({waiting}, {held}, {called})
         WHERE c.office_id = %(office)s
         GROUP BY c.id, c.code, c.name, c.range_start, c.range_end, c.is_active,
                  c.prior_service_minutes, c.display_order
         ORDER BY c.display_order, c.range_start"""  # noqa: S608 (table names from the models)


def _board_calling_sql() -> str:
    ticket, counter, called = _q(Ticket), _q(Counter), _literal(TicketState.CALLED)
    return f"""
        SELECT t.number, k.name, k.number FROM {ticket} t INNER JOIN {counter} k ON k.id = t.counter_id
         WHERE t.office_id = %(office)s AND t.business_date = %(today)s AND t.state = {called}
         ORDER BY t.called_at DESC"""  # noqa: S608


def board_snapshot(office: Office) -> dict:
    """The 混雑状況 table for one office, in the public API's shape. Two queries.

    A category that stopped issuing (受付終了) keeps its row while people are
    still in its queue: they must go on seeing their place, and the counts
    must add up. 待ち時間 uses the category's recent mean service time (its
    prior until ``MIN_SAMPLES`` services are measured) and its open counters.
    """
    ops = connection.ops
    params = {
        "office": office.pk, "today": ops.adapt_datefield_value(business_date()),
        "since": ops.adapt_datetimefield_value(now() - SERVICE_WINDOW), "true": True,
    }
    with connection.cursor() as cursor:
        cursor.execute(_board_rows_sql(), params)
        categories = cursor.fetchall()
        cursor.execute(_board_calling_sql(), params)
        calling = cursor.fetchall()
    rows = []
    for (_pk, code, name, start, end, is_active, prior, waiting, on_hold, called, last_called,
         next_number, mean_seconds, samples, open_counters) in categories:
        waiting, on_hold = int(waiting or 0), int(on_hold or 0)
        if not (is_active or waiting or on_hold or called):
            continue
        mean = float(mean_seconds) / 60 if samples >= MIN_SAMPLES else float(prior)
        rows.append({
            "category": code, "name": name, "range": [start, end],
            "last_called": last_called, "next_number": next_number, "waiting": waiting,
            "wait_minutes": estimate_wait_minutes(people_ahead=waiting, mean_service_minutes=mean,
                                                  open_counters=open_counters),
            "on_hold": on_hold,
        })
    calendar.add_reception(office, rows, {row[1]: row[5] for row in categories}, now())  # 受付終了
    return {
        "office": office.code,
        "updated_at": to_jst(now()).isoformat(timespec="seconds"),
        "rows": rows,
        "calling": [{"number": number, "counter": Counter(name=label, number=desk).label}
                    for number, label, desk in calling],
    }


def ticket_people_ahead(ticket: Ticket) -> int:
    """Waiting tickets in the same queue that will be called before this one."""
    if ticket.state != TicketState.WAITING:
        return 0
    # Every ticket of one category shares its fast-lane flag, so within the
    # queue the order is simply the original issue time.
    before = Q(issued_at__lt=ticket.issued_at) | Q(issued_at=ticket.issued_at, id__lt=ticket.pk)
    return (Ticket.objects.filter(category_id=ticket.category_id, business_date=ticket.business_date,
                                  state=TicketState.WAITING)
            .filter(before).count())


def ticket_status(ticket: Ticket) -> dict:
    """Public view of one ticket: no personal data (there is none on a ticket)."""
    ahead = ticket_people_ahead(ticket)
    wait = 0
    if ticket.state == TicketState.WAITING:
        category = ticket.category
        mean = _mean_service_minutes(ticket.office, ticket.business_date, [category])[category.pk]
        wait = estimate_wait_minutes(people_ahead=ahead, mean_service_minutes=mean,
                                     open_counters=_open_counters(ticket.office).get(category.pk, 0))
    state = ticket.state
    if ticket.is_active and ticket.business_date != business_date():
        state = "expired"
    return {
        "number": ticket.number,
        "category": ticket.category.code,
        "state": state,
        "waiting_ahead": ahead,
        "wait_minutes": wait,
        "counter": ticket.counter.label if ticket.counter_id and state == TicketState.CALLED else None,
    }


def office_ticket_statuses(office: Office, *, only: set[str] | None = None) -> list[dict]:
    """Anonymous status of every active ticket of today, and of tickets that ended recently
    (what the public side and the turn notices need; no personal data).

    A few queries whatever the queue length: people ahead is each waiting
    ticket's rank in its category's queue order. ``only`` limits the answer
    (and the ended tickets read) to these ticket ids.
    """
    today = business_date()
    categories = {c.pk: c for c in Category.objects.filter(office=office)}
    service = _mean_service_minutes(office, today, categories.values())
    open_counters = _open_counters(office)
    tickets = (Ticket.objects.filter(office=office, business_date=today)
               .filter(state__in=ACTIVE_STATES)
               .select_related("counter")
               .order_by("category_id", "-is_fast_lane", "issued_at", "id"))
    ended = (Ticket.objects.filter(office=office, business_date=today,
                                   finished_at__gte=now() - RECENTLY_ENDED)
             .exclude(state__in=ACTIVE_STATES))
    if only is not None:
        ended = ended.filter(public_id__in=only)
    rank: dict[int, int] = {}
    out = []
    for t in [*tickets, *ended]:
        category = categories[t.category_id]
        ahead = wait = 0
        if t.state == TicketState.WAITING:
            ahead = rank.get(t.category_id, 0)
            rank[t.category_id] = ahead + 1
            wait = estimate_wait_minutes(people_ahead=ahead, mean_service_minutes=service[category.pk],
                                         open_counters=open_counters.get(category.pk, 0))
        if only is not None and t.public_id not in only:
            continue
        out.append({
            "public_id": t.public_id,
            "office": office.code,
            "business_date": t.business_date.isoformat(),
            "issued_at": to_jst(t.issued_at).isoformat(timespec="seconds"),
            "number": t.number,
            "category": category.code,
            "category_name": category.name,
            "state": t.state,
            "waiting_ahead": ahead,
            "wait_minutes": wait,
            "counter": t.counter.label if t.state == TicketState.CALLED and t.counter_id else None,
            "notify_ahead": category.notify_ahead,
            "transferred": t.category_id != t.issued_category_id,
            # A recall is a new call for the citizen's phone: these tell the notices apart.
            "recall_count": t.recall_count if t.state == TicketState.CALLED else 0,
            "called_at": (to_jst(t.called_at).isoformat(timespec="milliseconds")
                          if t.state == TicketState.CALLED and t.called_at else None),
        })
    return out


def get_ticket(public_id: str) -> Ticket | None:
    return (Ticket.objects.select_related("category", "office", "counter")
            .filter(public_id=public_id).first())


def counter_queue(counter: Counter) -> dict:
    """What one counter's screen lists: its current ticket, who waits, who is held."""
    today = business_date()
    category_ids = list(counter.categories.values_list("pk", flat=True))
    base = Ticket.objects.filter(category_id__in=category_ids, business_date=today).select_related("category")
    return {
        "current": Ticket.objects.filter(counter=counter, state=TicketState.CALLED)
        .select_related("category").first(),
        "waiting": list(base.filter(state=TicketState.WAITING).order_by(*_queue_order())[:50]),
        "waiting_count": base.filter(state=TicketState.WAITING).count(),
        "held": list(base.filter(state=TicketState.HELD).order_by("issued_at")[:50]),
    }


def office_counters(office: Office) -> list[Counter]:
    """Counters with their categories in serving order (CounterCategory.position), not the
    categories' display order: a clerk and the API see what the counter actually serves first."""
    # The ordering reuses the through-table join of the prefetch (one join, no duplicates).
    in_serving_order = Category.objects.order_by("countercategory__position", "countercategory__id")
    return list(Counter.objects.filter(office=office)
                .prefetch_related(Prefetch("categories", queryset=in_serving_order))
                .order_by("number"))


def office_today_totals(office: Office) -> dict:
    today = business_date()
    rows = (TicketEvent.objects.filter(office=office, business_date=today)
            .values("kind").annotate(n=Count("id")))
    counts = {r["kind"]: r["n"] for r in rows}
    return {"issued": counts.get(EventKind.ISSUED, 0), "done": counts.get(EventKind.DONE, 0),
            "no_show": counts.get(EventKind.NO_SHOW, 0), "transferred": counts.get(EventKind.TRANSFERRED, 0)}


def counters_current(office: Office) -> dict[int, Ticket]:
    return {t.counter_id: t for t in Ticket.objects.filter(
        office=office, business_date=business_date(), state=TicketState.CALLED)}


def office_queue_version(office: Office) -> int:
    """The office's latest ticket event id: staff panels rendered from older state are not
    swapped in over newer ones, whatever order their responses arrive in (live.js)."""
    return (TicketEvent.objects.filter(office=office).order_by("-id")
            .values_list("id", flat=True).first() or 0)
