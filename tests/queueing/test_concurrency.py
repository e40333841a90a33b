"""Twenty kiosks and clerks pressing buttons at the same instant.

The failures this guards against are the ones other queue systems' trackers
are full of: two kiosks printing the same number, two clerks calling the same
visitor, a ticket lost between a kiosk and the board, and a deadlock or
"database is locked" error shown to a clerk. The threads use real database
connections (no mock) and start each round together on a barrier.

``test_concurrent_kiosks_and_clerks`` runs on the suite's database: SQLite in
the SQLite pass (IMMEDIATE transactions and a busy timeout serialise writers)
and PostgreSQL in the PostgreSQL pass (row locks and ``SKIP LOCKED``).
``test_concurrent_kiosks_and_clerks_postgresql`` is the PostgreSQL-only run
with more rounds, so lock waits really overlap.
"""

from __future__ import annotations

import asyncio
import collections
import json
import threading
from dataclasses import dataclass, field

import pytest
from django.db import connection

from madoguchi.core.errors import Busy, ServiceError
from madoguchi.core.timeutil import business_date
from madoguchi.live.broker import get_broker, reset_broker
from madoguchi.queueing import selectors, services
from madoguchi.queueing.models import (
    ACTIVE_STATES,
    Category,
    Counter,
    EventKind,
    Ticket,
    TicketEvent,
    TicketState,
)

THREADS = 20
KIOSKS = 8  # the other 12 threads are clerks, two at each of six counters
KIOSK_CATEGORIES = ["moving", "fastlane", "certificates", "seal"]
CLERK_COUNTERS = [1, 2, 3, 4, 6, 7]  # 1–4 share "moving"; 6 and 7 share "certificates"

# to_state of each event kind, and the states it may leave from (services.py's state machine)
TRANSITIONS = {
    EventKind.ISSUED: ({""}, TicketState.WAITING),
    EventKind.CALLED: ({TicketState.WAITING, TicketState.HELD}, TicketState.CALLED),
    EventKind.RECALLED: ({TicketState.CALLED}, TicketState.CALLED),
    EventKind.HELD: ({TicketState.CALLED}, TicketState.HELD),
    EventKind.RESUMED: ({TicketState.HELD}, TicketState.WAITING),
    EventKind.TRANSFERRED: ({TicketState.CALLED}, TicketState.WAITING),
    EventKind.DONE: ({TicketState.CALLED}, TicketState.DONE),
    EventKind.NO_SHOW: ({TicketState.CALLED}, TicketState.NO_SHOW),
    EventKind.CANCELLED: ({TicketState.WAITING, TicketState.HELD}, TicketState.CANCELLED),
}


@dataclass
class Outcomes:
    """What the callers saw, recorded under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    issued: list[tuple[str, int, str]] = field(default_factory=list)  # public_id, number, category
    called: list[tuple[int, str]] = field(default_factory=list)  # counter pk, public_id
    held: list[tuple[int, str]] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    refused: list[ServiceError] = field(default_factory=list)  # expected refusals (409 …)
    unexpected: list[BaseException] = field(default_factory=list)

    def add(self, name: str, value) -> None:
        with self.lock:
            getattr(self, name).append(value)


def _history(office_code: str):
    return asyncio.run(get_broker().history(office_code))


def run_scenario(*, office, kiosk, staff, rounds: int) -> Outcomes:
    """Each round: every thread waits on the barrier, then acts once.

    Kiosks issue tickets. Clerks mostly press 「次を呼出」 (which finishes the
    counter's current ticket they name first); every third round one clerk of each pair
    holds instead, and every fourth round a clerk resumes a held ticket that
    another clerk may be resuming at the same instant.
    """
    counters = {n: Counter.objects.get(office=office, number=n).pk for n in CLERK_COUNTERS}
    barrier = threading.Barrier(THREADS, timeout=60)
    out = Outcomes()

    def act(fn, *args):
        try:
            fn(*args)
        except ServiceError as exc:
            out.add("unexpected" if isinstance(exc, Busy) else "refused", exc)
        except BaseException as exc:  # noqa: B036 - anything else reaching a caller is a failure
            out.add("unexpected", exc)

    def issue(category):
        ticket = services.ticket_issue(actor=kiosk, office_code=office.code, category_code=category)
        out.add("issued", (ticket.public_id, ticket.number, category))

    def call_next(counter_id):
        # As the counter screen: name the ticket shown as being called. Two clerks of a pair
        # may both name the same one: the second is refused (counter_busy), nobody is skipped.
        shown = (Ticket.objects.filter(counter_id=counter_id, state=TicketState.CALLED)
                 .values_list("public_id", flat=True).first())
        ticket = services.ticket_call_next(actor=staff, counter_id=counter_id, finish_current=shown)
        if ticket is not None:
            out.add("called", (counter_id, ticket.public_id))

    def hold(counter_id):
        ticket = services.ticket_hold(actor=staff, counter_id=counter_id)
        out.add("held", (counter_id, ticket.public_id))

    def resume(index):
        with out.lock:
            held = list(out.held)
        if held:
            public_id = held[index % len(held)][1]
            services.ticket_resume(actor=staff, ticket_id=public_id)
            out.add("resumed", public_id)

    def kiosk_thread(k):
        try:
            for r in range(rounds):
                barrier.wait()
                act(issue, KIOSK_CATEGORIES[(k + r) % len(KIOSK_CATEGORIES)])
        finally:
            connection.close()

    def clerk_thread(c):
        counter_id = counters[CLERK_COUNTERS[c // 2]]
        second_of_pair = c % 2 == 1
        try:
            for r in range(rounds):
                barrier.wait()
                if second_of_pair and r % 3 == 2:
                    act(hold, counter_id)
                elif second_of_pair and r % 4 == 3:
                    act(resume, r)
                else:
                    act(call_next, counter_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=kiosk_thread, args=(k,), name=f"kiosk-{k}") for k in range(KIOSKS)]
    threads += [threading.Thread(target=clerk_thread, args=(c,), name=f"clerk-{c}")
                for c in range(THREADS - KIOSKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    assert not barrier.broken, "a thread died before reaching the barrier"
    return out


def check_invariants(office, out: Outcomes, *, rounds: int, history_before: int) -> None:
    # Nothing but refusals a clerk understands reached a caller: no deadlock,
    # serialisation failure, "database is locked", IntegrityError or 503 busy.
    assert out.unexpected == [], [repr(e) for e in out.unexpected]
    assert {e.code for e in out.refused} <= {"no_current_ticket", "illegal_transition", "counter_busy"}, \
        [(e.code, e.message) for e in out.refused]

    today = business_date()
    tickets = {t.public_id: t for t in Ticket.objects.filter(office=office, business_date=today)
               .select_related("category", "counter")}

    # No lost or phantom ticket: exactly what the kiosks were handed, once each.
    assert len(out.issued) == KIOSKS * rounds
    assert len({pid for pid, _, _ in out.issued}) == len(out.issued)
    assert set(tickets) == {pid for pid, _, _ in out.issued}
    for pid, number, category in out.issued:
        assert (tickets[pid].number, tickets[pid].issued_category.code) == (number, category)

    # No duplicate number: each category's numbers are its range's first n, once each.
    by_category = collections.defaultdict(list)
    for _, number, category in out.issued:
        by_category[category].append(number)
    for code, numbers in by_category.items():
        start = Category.objects.get(office=office, code=code).range_start
        assert sorted(numbers) == list(range(start, start + len(numbers))), code
    active = [t.number for t in tickets.values() if t.state in ACTIVE_STATES]
    assert len(active) == len(set(active))

    # No counter with two called tickets; every called ticket is at a counter.
    called_now = [t for t in tickets.values() if t.state == TicketState.CALLED]
    assert all(t.counter_id is not None for t in called_now)
    assert len({t.counter_id for t in called_now}) == len(called_now)
    assert all(t.counter_id is None for t in tickets.values()
               if t.state in (TicketState.WAITING, TicketState.HELD))

    # The event log replays to every ticket's state, transition by transition;
    # a called ticket leaves only through the counter that called it, so no
    # ticket is ever called at two counters at once.
    events = collections.defaultdict(list)
    for e in TicketEvent.objects.filter(office=office, business_date=today).order_by("id"):
        events[e.ticket_id].append(e)
    assert set(events) == {t.pk for t in tickets.values()}
    for ticket in tickets.values():
        state, at_counter = "", None
        for e in events[ticket.pk]:
            allowed_from, to_state = TRANSITIONS[e.kind]
            assert e.from_state == state and state in allowed_from, (ticket.number, e.kind, state)
            assert e.to_state == to_state, (ticket.number, e.kind)
            if state == TicketState.CALLED:
                assert e.counter_id == at_counter, f"{ticket.number} left counter {at_counter} via {e.counter_id}"
            if e.kind == EventKind.CALLED:
                assert e.counter_id is not None
                at_counter = e.counter_id
            state = to_state
        assert state == ticket.state, ticket.number
        if state in (TicketState.CALLED, TicketState.DONE, TicketState.NO_SHOW):
            assert ticket.counter_id == at_counter  # where the visitor was (or is) served

    # Every caller's success is in the log once, and nothing else is.
    log = TicketEvent.objects.filter(office=office, business_date=today)
    by_pid = {t.pk: pid for pid, t in tickets.items()}
    assert log.filter(kind=EventKind.ISSUED).count() == len(out.issued)
    called_log = sorted((e.counter_id, by_pid[e.ticket_id]) for e in log.filter(kind=EventKind.CALLED))
    assert called_log == sorted(out.called)
    held_log = sorted((e.counter_id, by_pid[e.ticket_id]) for e in log.filter(kind=EventKind.HELD))
    assert held_log == sorted(out.held)
    assert sorted(by_pid[e.ticket_id] for e in log.filter(kind=EventKind.RESUMED)) == sorted(out.resumed)
    assert len(out.called) > 0 and len(out.held) > 0

    # Live events were published after each commit: one `call` per committed
    # call, naming the ticket and the counter, and the last board published
    # is the database's board.
    labels = {c.pk: c.label for c in Counter.objects.filter(office=office)}
    numbers = {pid: t.number for pid, t in tickets.items()}
    live = _history(office.code)[history_before:]
    calls = sorted((d["number"], d["counter"]) for d in
                   (json.loads(e.data) for e in live if e.kind == "call"))
    assert calls == sorted((numbers[pid], labels[cid]) for cid, pid in out.called)
    assert all(not json.loads(e.data)["recall"] for e in live if e.kind == "call")
    boards = [json.loads(e.data) for e in live if e.kind == "board"]
    assert boards, "no board event was published"
    final = selectors.board_snapshot(office)
    assert (boards[-1]["rows"], sorted(map(str, boards[-1]["calling"]))) == \
        (final["rows"], sorted(map(str, final["calling"]))), "the last board published is stale"
    ids = [e.id for e in live]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


@pytest.fixture
def local_broker(settings):
    """A fresh in-process broker with room for every event of the run."""
    settings.REDIS_URL = ""
    settings.LIVE_REPLAY = 10_000
    reset_broker()
    yield get_broker()
    reset_broker()


def _run_and_check(office, kiosk, staff, rounds):
    before = len(_history(office.code))
    out = run_scenario(office=office, kiosk=kiosk, staff=staff, rounds=rounds)
    check_invariants(office, out, rounds=rounds, history_before=before)


@pytest.mark.django_db(transaction=True)
def test_concurrent_kiosks_and_clerks(office, kiosk, staff, local_broker):
    """8 kiosks and 12 clerks (two per counter), 6 rounds, on the suite's database."""
    _run_and_check(office, kiosk, staff, rounds=6)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_kiosks_and_clerks_postgresql(office, kiosk, staff, local_broker):
    """The same on PostgreSQL with more rounds: row locks and SKIP LOCKED, no deadlock."""
    assert connection.vendor == "postgresql"
    _run_and_check(office, kiosk, staff, rounds=8)

