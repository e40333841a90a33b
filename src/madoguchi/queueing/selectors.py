"""Reads for screens and the API. The board is one function with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Prefetch

from madoguchi.core.timeutil import business_date, from_db, now, to_jst

from . import calendar, estimates, rules
from .models import (
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
# The lobby display's 「お呼びしましたがお越しでない番号」: no-shows called this recently.
MISSED_WINDOW = dt.timedelta(minutes=30)
# Kept importable here for older callers; the rule lives in queueing/rules.py.
SERVICE_WINDOW = rules.SERVICE_WINDOW
MIN_SAMPLES = rules.MIN_SAMPLES


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _literal(choice) -> str:
    """A state or event kind as an SQL literal: SQLite uses a partial index only when the
    query names its condition literally, not as a parameter."""
    value = str(choice.value if hasattr(choice, "value") else choice)
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
    waiting, held, called = (_literal(TicketState.WAITING), _literal(TicketState.HELD),
                             _literal(TicketState.CALLED))
    active = ", ".join(_literal(state) for state in rules.ACTIVE_STATES)
    done, called_kind = _literal(TicketState.DONE), _literal(EventKind.CALLED)
    return f"""
        SELECT c.id, c.code, c.name, c.range_start, c.range_end, c.is_active, c.prior_service_minutes,
               c.is_fast_lane, c.notify_ahead,
               SUM(CASE WHEN t.state = {waiting} THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.state = {waiting} AND t.is_fast_lane = %(true)s THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.state = {held} THEN 1 ELSE 0 END),
               SUM(CASE WHEN t.state = {called} THEN 1 ELSE 0 END),
               (SELECT et.number FROM {event} e INNER JOIN {ticket} et ON et.id = e.ticket_id
                 WHERE e.category_id = c.id AND e.business_date = %(today)s AND e.kind = {called_kind}
                 ORDER BY e.id DESC LIMIT 1),
               (SELECT w.number FROM {ticket} w
                 WHERE w.category_id = c.id AND w.business_date = %(today)s AND w.state = {waiting}
                 ORDER BY {rules.call_order_sql("w")} LIMIT 1),
               (SELECT AVG(d.service_seconds) FROM {ticket} d
                 WHERE d.category_id = c.id AND d.business_date = %(today)s AND d.state = {done}
                   AND d.finished_at >= %(since)s AND d.service_seconds IS NOT NULL),
               (SELECT COUNT(*) FROM {ticket} d
                 WHERE d.category_id = c.id AND d.business_date = %(today)s AND d.state = {done}
                   AND d.finished_at >= %(since)s AND d.service_seconds IS NOT NULL)
          FROM {category} c
          LEFT JOIN {ticket} t ON t.category_id = c.id AND t.business_date = %(today)s
                              AND t.state IN ({active})
         WHERE c.office_id = %(office)s
         GROUP BY c.id, c.code, c.name, c.range_start, c.range_end, c.is_active,
                  c.prior_service_minutes, c.is_fast_lane, c.notify_ahead, c.display_order
         ORDER BY c.display_order, c.range_start"""  # noqa: S608 (table names from the models)


def _board_calling_sql() -> str:
    """The tickets being called (latest first), and in the same statement the no-shows called
    since ``%(missed_since)s`` (the lobby's 「お越しでない番号」), told apart by their state."""
    ticket, counter = _q(Ticket), _q(Counter)
    called, no_show = _literal(TicketState.CALLED), _literal(TicketState.NO_SHOW)
    return f"""
        SELECT t.state, t.number, k.name, k.number, t.called_at FROM {ticket} t
          LEFT JOIN {counter} k ON k.id = t.counter_id
         WHERE t.office_id = %(office)s AND t.business_date = %(today)s
           AND (t.state = {called} OR (t.state = {no_show} AND t.called_at >= %(missed_since)s))
         ORDER BY t.called_at DESC"""  # noqa: S608


def _board_serving_sql() -> str:
    counter, serves = _q(Counter), _q(CounterCategory)
    return f"""
        SELECT s.counter_id, s.category_id, k.is_open FROM {serves} s
         INNER JOIN {counter} k ON k.id = s.counter_id WHERE k.office_id = %(office)s"""  # noqa: S608


@dataclass(frozen=True)
class _CategoryRow:
    pk: int
    code: str
    name: str
    range: tuple[int, int]
    is_active: bool
    is_fast_lane: bool
    notify_ahead: int
    waiting: int
    waiting_fast: int
    on_hold: int
    called: int
    last_called: int | None
    next_number: int | None
    mean_minutes: float


def _office_queue(office_id: int, *, calling: bool = True
                  ) -> tuple[list[_CategoryRow], list[tuple], rules.Serving]:
    """The office's categories with today's counts and mean service times, who is being
    called and the recent no-shows (unless ``calling=False``; rows of ``_board_calling_sql``),
    and who serves what: three queries whatever the queue's length."""
    ops = connection.ops
    at = now()
    params = {
        "office": office_id, "today": ops.adapt_datefield_value(business_date()),
        "since": ops.adapt_datetimefield_value(at - rules.SERVICE_WINDOW), "true": True,
        "missed_since": ops.adapt_datetimefield_value(at - MISSED_WINDOW),
    }
    with connection.cursor() as cursor:
        cursor.execute(_board_rows_sql(), params)
        rows = cursor.fetchall()
        being_called = []
        if calling:
            cursor.execute(_board_calling_sql(), params)
            being_called = cursor.fetchall()
        cursor.execute(_board_serving_sql(), params)
        serving = rules.Serving.from_rows((k, c, bool(o)) for k, c, o in cursor.fetchall())
    categories = [
        _CategoryRow(pk=pk, code=code, name=name, range=(start, end), is_active=bool(is_active),
                     is_fast_lane=bool(fast), notify_ahead=notify_ahead, waiting=int(waiting or 0),
                     waiting_fast=int(waiting_fast or 0), on_hold=int(on_hold or 0), called=int(called or 0), last_called=last_called,
                     next_number=next_number,
                     mean_minutes=rules.mean_service_minutes(mean_seconds=mean_seconds, samples=samples,
                                                             prior_minutes=prior))
        for (pk, code, name, start, end, is_active, prior, fast, notify_ahead, waiting, waiting_fast,
             on_hold, called, last_called, next_number, mean_seconds, samples) in rows]
    return categories, being_called, serving


def board_snapshot(office: Office) -> dict:
    """The 混雑状況 table for one office, in the public API's shape. Three queries.

    A category that stopped issuing (受付終了) keeps its row while people are
    still in its queue: they must go on seeing their place, and the counts
    must add up. 待ち人数 counts the category's own waiting tickets; 待ち時間
    is the wait a ticket issued now in the category would see (queueing/rules.py:
    everyone its counters would call first, across the categories they share).
    """
    categories, calling, serving = _office_queue(office.pk)
    means = {c.pk: c.mean_minutes for c in categories}
    # A new ticket comes after every waiting ticket of its reach (fast lane: the fast ones).
    ahead_of_new = {False: {o.pk: o.waiting for o in categories},
                    True: {o.pk: o.waiting_fast for o in categories}}
    waits = estimates.office_waits(office.pk)
    rows = []
    for c in categories:
        if not (c.is_active or c.waiting or c.on_hold or c.called):
            continue
        wait = waits.new_ticket.get(c.pk) if waits else None
        if wait is None:
            wait = estimates.Wait(*[rules.estimate(c.pk, ahead_of_new[c.is_fast_lane], serving, means)[1]] * 2)
        rows.append({
            "category": c.code, "name": c.name, "range": list(c.range),
            "last_called": c.last_called, "next_number": c.next_number, "waiting": c.waiting,
            "wait_minutes": wait.p50, "wait_minutes_p80": wait.p80, "on_hold": c.on_hold,
        })
    calendar.add_reception(office, rows, {c.code: c.is_active for c in categories}, now())  # 受付終了
    return {
        "office": office.code,
        "updated_at": to_jst(now()).isoformat(timespec="seconds"),
        "rows": rows,
        "calling": [{"number": number, "counter": Counter(name=label, number=desk).label}
                    for state, number, label, desk, _at in calling if state == TicketState.CALLED],
        **board_missed([(number, at) for state, number, _l, _d, at in calling
                        if state == TicketState.NO_SHOW]),
    }


def _people_ahead_sql(*, fast_lane: bool) -> str:
    """``rules.ahead_filter`` as one statement: the waiting tickets of the ticket's reach (its
    category and every category a counter serving it also serves) before it in the call order."""
    ticket, serves, waiting = _q(Ticket), _q(CounterCategory), _literal(TicketState.WAITING)
    return f"""
        SELECT COUNT(*) FROM {ticket} t
         WHERE t.office_id = %(office)s AND t.business_date = %(today)s AND t.state = {waiting}
           AND (t.category_id = %(category)s
                OR t.category_id IN (SELECT r.category_id FROM {serves} s
                                      INNER JOIN {serves} r ON r.counter_id = s.counter_id
                                      WHERE s.category_id = %(category)s))
           AND {rules.ahead_sql("t", fast_lane=fast_lane)}"""  # noqa: S608 (table names from the models)


def ticket_people_ahead(ticket: Ticket) -> int:
    """Waiting tickets the counters able to serve this ticket would call first (queueing/rules.py).
    One query: the issuing path answers it with every ticket, so it is written in SQL
    (composing the ORM filter with its two subqueries cost more than running it)."""
    if ticket.state != TicketState.WAITING:
        return 0
    ops = connection.ops
    params = {"office": ticket.office_id, "today": ops.adapt_datefield_value(ticket.business_date),
              "category": ticket.category_id, "true": True, "id": ticket.pk,
              "issued_at": ops.adapt_datetimefield_value(ticket.issued_at)}
    with connection.cursor() as cursor:
        cursor.execute(_people_ahead_sql(fast_lane=ticket.is_fast_lane), params)
        return cursor.fetchone()[0]


def ticket_status(ticket: Ticket) -> dict:
    """Public view of one ticket: no personal data (there is none on a ticket)."""
    today = business_date()
    state = rules.public_state(ticket.state, ticket.business_date, today)
    ahead = 0
    wait = estimates.Wait(0, 0)
    if state == TicketState.WAITING:
        waits = estimates.office_waits(ticket.office_id)
        if waits and ticket.pk in waits.tickets:
            ahead, wait = ticket_people_ahead(ticket), waits.tickets[ticket.pk]
        else:
            categories, _calling, serving = _office_queue(ticket.office_id, calling=False)
            counts = dict(Ticket.objects.filter(rules.ahead_filter(ticket)).values("category_id")
                          .annotate(n=Count("id")).values_list("category_id", "n"))
            ahead, minutes = rules.estimate(ticket.category_id, counts, serving,
                                            {c.pk: c.mean_minutes for c in categories})
            wait = estimates.Wait(minutes, minutes)
    return {
        "number": ticket.number,
        "category": ticket.category.code,
        "state": state,
        "waiting_ahead": ahead,
        "wait_minutes": wait.p50,
        "wait_minutes_p80": wait.p80,
        "counter": ticket.counter.label if ticket.counter_id and state == TicketState.CALLED else None,
    }


def office_ticket_statuses(office: Office, *, only: set[str] | None = None) -> list[dict]:
    """Anonymous status of every active ticket of today, and of tickets that ended recently
    (what the public side and the turn notices need; no personal data).

    A few queries whatever the queue length: people ahead and the wait come from one
    pass over the waiting tickets in the call order (queueing/rules.py). ``only``
    limits the answer (and the ended tickets read) to these ticket ids.
    """
    today = business_date()
    categories, _calling, serving = _office_queue(office.pk, calling=False)
    by_pk = {c.pk: c for c in categories}
    tickets = list(Ticket.objects.filter(office=office, business_date=today)
                   .filter(state__in=rules.ACTIVE_STATES)
                   .select_related("counter"))
    ended = (Ticket.objects.filter(office=office, business_date=today,
                                   finished_at__gte=now() - RECENTLY_ENDED)
             .exclude(state__in=rules.ACTIVE_STATES))
    if only is not None:
        ended = ended.filter(public_id__in=only)
    positions = rules.queue_positions([t for t in tickets if t.state == TicketState.WAITING], serving,
                                      {c.pk: c.mean_minutes for c in categories})
    waits = estimates.office_waits(office.pk) if positions else None
    out = []
    for t in [*tickets, *ended]:
        if only is not None and t.public_id not in only:
            continue
        category = by_pk[t.category_id]
        ahead, minutes = positions.get(t.pk, (0, 0))
        wait = (waits.tickets.get(t.pk) if waits else None) or estimates.Wait(minutes, minutes)
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
            "wait_minutes": wait.p50,
            "wait_minutes_p80": wait.p80,
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
        "waiting": list(base.filter(state=TicketState.WAITING).order_by(*rules.CALL_ORDER)[:50]),
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


def board_missed(no_shows: list[tuple[int, object]]) -> dict:
    """Numbers called in the last 30 minutes whose visitor did not come (不在), lowest first,
    and when each leaves the list (``missed_until``, so a quiet display drops it on time).

    ``no_shows``: ``(number, called_at)`` of today's no-shows called within ``MISSED_WINDOW``
    (read with the board's calling rows, ``_board_calling_sql``). A reinstated or re-called
    ticket is no longer a no-show and drops out; a visitor who sees their number here tells a
    clerk, who reinstates it (fault 1.3).
    """
    rows = sorted((number, from_db(at)) for number, at in no_shows)[:30]
    return {"missed": [number for number, _at in rows],
            "missed_until": [to_jst(at + MISSED_WINDOW).isoformat(timespec="seconds") for _n, at in rows]}


def counter_missed(counter: Counter) -> list[Ticket]:
    """No-shows of the counter's categories called in the last 30 minutes (the lobby display's
    list): the clerk calls one directly when the visitor comes back. One query."""
    return list(Ticket.objects
                .filter(category__counters=counter, business_date=business_date(),
                        state=TicketState.NO_SHOW, called_at__gte=now() - MISSED_WINDOW)
                .select_related("category").order_by("number")[:30])


# ------------------------------------------------------------ floor control (フロア管理)

FLOOR_TICKETS_MAX = 200


def floor_tickets(office: Office) -> dict:
    """What the supervisor acts on: today's waiting and held tickets in call order, today's
    no-shows (latest first), the called tickets by counter, and the memos of all of them.
    Four queries."""
    today = business_date()
    tickets = Ticket.objects.filter(office=office, business_date=today).select_related("category")
    queue = list(tickets.filter(state__in=(TicketState.WAITING, TicketState.HELD))
                 .order_by(*rules.CALL_ORDER)[:FLOOR_TICKETS_MAX])
    called = list(tickets.filter(state=TicketState.CALLED))
    no_shows = list(tickets.filter(state=TicketState.NO_SHOW).order_by("-called_at")[:30])
    memos = ticket_memos([t.pk for t in [*queue, *called, *no_shows]])
    for t in [*queue, *called, *no_shows]:
        t.memo_list = memos.get(t.pk, [])
    return {"queue": queue, "called": {t.counter_id: t for t in called}, "no_shows": no_shows}


def ticket_memos(ticket_pks) -> dict[int, list]:
    """Staff-only memos by ticket, oldest first. One query, never on a public path."""
    from .models import TicketMemo

    out: dict[int, list] = {}
    if not ticket_pks:
        return out
    for memo in TicketMemo.objects.filter(ticket_id__in=list(ticket_pks)).order_by("id"):
        out.setdefault(memo.ticket_id, []).append(memo)
    return out


@dataclass
class Figures:
    """Today's numbers of one counter or clerk, from the event log."""

    served: int = 0
    no_shows: int = 0
    called: int = 0
    service_seconds: list = field(default_factory=list)
    wait_seconds: list = field(default_factory=list)

    @property
    def mean_service_minutes(self) -> float | None:
        s = self.service_seconds
        return round(sum(s) / len(s) / 60, 1) if s else None

    @property
    def mean_wait_minutes(self) -> float | None:
        w = self.wait_seconds
        return round(sum(w) / len(w) / 60, 1) if w else None


def floor_figures(office: Office) -> dict:
    """Today's figures per counter and per clerk: served, mean service, mean wait, no-shows.

    Computed from the event log (one pass over today's events, two queries whatever the
    day's length): wait = issue → first call; service = last call or recall → done. A
    clerk is the acting user of the event (``actor_user``); actions without a user (the
    system, the simulator) are grouped under their label.
    """
    from django.contrib.auth import get_user_model

    kinds = (EventKind.ISSUED, EventKind.CALLED, EventKind.RECALLED, EventKind.DONE, EventKind.NO_SHOW)
    rows = (TicketEvent.objects.filter(office=office, business_date=business_date(), kind__in=kinds)
            .order_by("id").values_list("ticket_id", "kind", "at", "counter_id", "actor_user_id", "actor"))
    issued: dict[int, dt.datetime] = {}
    last_call: dict[int, dt.datetime] = {}
    first_called: set[int] = set()
    counters: dict[int, Figures] = {}
    clerks: dict[tuple, Figures] = {}
    for ticket_id, kind, at, counter_id, user_id, label in rows:
        clerk = ("user", user_id) if user_id else ("label", label)
        if kind == EventKind.ISSUED:
            issued[ticket_id] = at
            continue
        by_counter = counters.setdefault(counter_id, Figures())
        by_clerk = clerks.setdefault(clerk, Figures())
        if kind in (EventKind.CALLED, EventKind.RECALLED):
            last_call[ticket_id] = at
            if kind == EventKind.CALLED and ticket_id not in first_called:
                first_called.add(ticket_id)
                for f in (by_counter, by_clerk):
                    f.called += 1
                    if ticket_id in issued:
                        f.wait_seconds.append((at - issued[ticket_id]).total_seconds())
        elif kind == EventKind.DONE:
            for f in (by_counter, by_clerk):
                f.served += 1
                if ticket_id in last_call:
                    f.service_seconds.append((at - last_call[ticket_id]).total_seconds())
        elif kind == EventKind.NO_SHOW:
            for f in (by_counter, by_clerk):
                f.no_shows += 1
    user_ids = [key for kind, key in clerks if kind == "user"]
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")) if user_ids else {}
    clerk_rows = sorted(((names.get(key, f"#{key}") if kind == "user" else key, f)
                         for (kind, key), f in clerks.items()), key=lambda r: (-r[1].served, r[0]))
    return {"counters": counters, "clerks": clerk_rows}


def service_totals(first: dt.date, last: dt.date) -> dict:
    """All offices' visits between two business dates (both included), from the event log: for
    the DX office's KPIs (窓口での対応時間, 平均待ち時間, the share of booked visits).

    ``visits``: tickets issued; ``served``: tickets finished, with ``service_seconds`` the sum of
    their last call (or recall) → done; ``waited``: tickets first called, with ``wait_seconds``
    the sum of issue → first call (the open data's wait). One query: the events are grouped per
    ticket in the database, whatever the length of the period.
    """
    from django.db.models import DurationField, ExpressionWrapper, Max, Min, Q, Sum

    def between(later, earlier):
        return ExpressionWrapper(later - earlier, output_field=DurationField())

    issued = Min("at", filter=Q(kind=EventKind.ISSUED))
    first_call = Min("at", filter=Q(kind=EventKind.CALLED))
    last_call = Max("at", filter=Q(kind__in=(EventKind.CALLED, EventKind.RECALLED)))
    done = Max("at", filter=Q(kind=EventKind.DONE))
    per_ticket = (TicketEvent.objects.filter(business_date__range=(first, last))
                  .values("ticket_id")
                  .annotate(issued=issued, done=done, first_call=first_call,
                            service=between(done, last_call), wait=between(first_call, issued)))
    totals = per_ticket.aggregate(visits=Count("issued"), served=Count("service"),
                                  service_total=Sum("service"), waited=Count("wait"),
                                  wait_total=Sum("wait"))
    return {"visits": totals["visits"] or 0, "served": totals["served"] or 0,
            "service_seconds": (totals["service_total"] or dt.timedelta()).total_seconds(),
            "waited": totals["waited"] or 0,
            "wait_seconds": (totals["wait_total"] or dt.timedelta()).total_seconds()}
