"""Hypothesis drives the real ticket services on the real database.

A small office with tiny number ranges (so wrap-around and exhaustion happen
within a few steps) is served by three counters. Hypothesis issues, calls,
recalls, holds, resumes, transfers, finishes, no-shows, cancels, opens and
closes counters, lets time pass and starts new business days, in any order.
A plain-Python model predicts every outcome (which ticket is called next,
which number is issued, which refusal code comes back); after every step
the database, the board and the event log must agree with it.

Each example runs inside a savepoint that is rolled back afterwards, so the
examples are independent and the suite stays fast on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Multiset
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.db.models import Max
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from madoguchi.core.errors import Conflict
from madoguchi.core.timeutil import business_date
from madoguchi.queueing import selectors, services
from madoguchi.queueing.models import (
    ACTIVE_STATES,
    Category,
    Counter,
    Ticket,
    TicketEvent,
    TicketState,
)

from .factories import MORNING, clock_fixture, make_office, staff_actor  # noqa: F401 (fixture)

RECALL_LIMIT = 1
# code -> (start, end, fast lane). Tiny ranges: exhaustion and wrap-around happen often.
CATEGORIES = {"tiny": (1, 2, False), "fast": (11, 12, True), "other": (21, 23, False)}
ISSUE_MIX = st.sampled_from(["tiny", "tiny", "fast", "other"])
COUNTERS = {1: ["tiny", "fast"], 2: ["tiny", "other"], 3: ["other"]}
W, C, H = TicketState.WAITING, TicketState.CALLED, TicketState.HELD
ACTIVE = {W, C, H}


@dataclass
class Model:
    pk: int
    public_id: str
    number: int
    category: str
    day: dt.date
    issued_at: dt.datetime
    fast: bool
    state: str = W
    counter: int | None = None  # counter number
    recall: int = 0
    events: int = 1


class TicketMachine(RuleBasedStateMachine):
    # Set by the test before running: shared, read-only fixtures of the example.
    office = None
    actor = None
    clock = None

    tickets = Bundle("tickets")

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.clock.set(MORNING)
        self.model: dict[int, Model] = {}
        self.last_issued: dict[tuple[str, dt.date], int] = {}
        self.last_called: dict[tuple[str, dt.date], int] = {}
        self.closed: set[int] = set()  # paused counters (受付休止) call nobody
        self.counter_pk = {c.number: c.pk for c in Counter.objects.filter(office=self.office)}
        self.category_pk = dict(Category.objects.filter(office=self.office).values_list("code", "pk"))
        # Invariants depend only on the database and the business day: after a refused step
        # (which must change nothing, see expect_refusal) there is nothing new to check.
        self.changed = True

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # ---------------------------------------------------------------- model helpers

    @property
    def today(self) -> dt.date:
        return business_date()

    def by_id(self, public_id: str) -> Model:
        return next(m for m in self.model.values() if m.public_id == public_id)

    def current(self, counter: int) -> Model | None:
        called = [m for m in self.model.values() if m.state == C and m.counter == counter]
        assert len(called) <= 1
        return called[0] if called else None

    def reach(self, code: str) -> set[str]:
        """The categories served by the counters that serve ``code`` (and ``code`` itself)."""
        return {code} | {other for served in COUNTERS.values() if code in served for other in served}

    def queue(self, categories) -> list[Model]:
        waiting = [m for m in self.model.values()
                   if m.state == W and m.category in categories and m.day == self.today]
        return sorted(waiting, key=lambda m: (not m.fast, m.issued_at, m.pk))

    def expect_refusal(self, code: str, call):
        events_before = TicketEvent.objects.count()
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == code, exc.value.message
        assert exc.value.status == 409
        assert TicketEvent.objects.count() == events_before
        self.changed = False

    def finish_current(self, counter: int) -> None:
        current = self.current(counter)
        if current is not None:
            current.state, current.events = TicketState.DONE, current.events + 1

    def mark_called(self, m: Model, counter: int) -> None:
        m.state, m.counter, m.recall, m.events = C, counter, 0, m.events + 1
        self.last_called[(m.category, self.today)] = m.number

    # ---------------------------------------------------------------- rules

    @initialize(target=tickets, category=st.sampled_from(sorted(CATEGORIES)))
    def first_ticket(self, category):
        return self.issue(category)

    @rule(target=tickets, category=ISSUE_MIX)
    def issue(self, category):
        self.changed = True
        start, end, fast = CATEGORIES[category]
        key = (category, self.today)
        active = {m.number for m in self.model.values()
                  if m.state in ACTIVE and m.day == self.today and start <= m.number <= end}
        last = self.last_issued.get(key)
        first = start if last is None or last >= end else last + 1
        size = end - start + 1
        free = [n for n in (start + (first - start + i) % size for i in range(size)) if n not in active]
        call = lambda: services.ticket_issue(actor=self.actor, office_code=self.office.code,  # noqa: E731
                                             category_code=category)
        if not free:
            self.expect_refusal("range_exhausted", call)
            return multiple()
        ticket = call()
        assert ticket.number == free[0]
        self.last_issued[key] = ticket.number
        self.model[ticket.pk] = Model(pk=ticket.pk, public_id=ticket.public_id, number=ticket.number,
                                      category=category, day=self.today, issued_at=ticket.issued_at,
                                      fast=fast)
        return ticket.public_id

    @rule(target=tickets, category=ISSUE_MIX)
    def another_visitor(self, category):
        """Visitors arrive more often than anything else happens (a second issuing rule)."""
        return self.issue(category)

    @rule(counter=st.sampled_from(sorted(COUNTERS)), names_current=st.sampled_from([True, True, False]))
    def call_next(self, counter, names_current):
        """The screen names the ticket it shows; a stale screen (names nothing) is refused."""
        self.changed = True
        current = self.current(counter)
        named = current.public_id if current is not None and names_current else None
        call = lambda: services.ticket_call_next(  # noqa: E731
            actor=self.actor, counter_id=self.counter_pk[counter], finish_current=named)
        if counter in self.closed:
            self.expect_refusal("counter_closed", call)
            return
        if current is not None and not names_current:
            self.expect_refusal("counter_busy", call)
            return
        self.finish_current(counter)
        queue = self.queue(COUNTERS[counter])
        ticket = call()
        if not queue:
            assert ticket is None
            return
        assert ticket is not None and ticket.pk == queue[0].pk
        self.mark_called(queue[0], counter)

    @rule(counter=st.sampled_from(sorted(COUNTERS)), public_id=tickets)
    def call_specific(self, counter, public_id):
        self.changed = True
        m = self.by_id(public_id)
        current = self.current(counter)
        call = lambda: services.ticket_call(  # noqa: E731
            actor=self.actor, counter_id=self.counter_pk[counter], ticket_id=public_id,
            finish_current=current.public_id if current is not None else None)
        if counter in self.closed:
            self.expect_refusal("counter_closed", call)
            return
        if m.day != self.today:
            self.expect_refusal("ticket_expired", call)
            return
        if m.state not in (W, H, TicketState.NO_SHOW):
            self.expect_refusal("illegal_transition", call)
            return
        if m.state == TicketState.NO_SHOW and self.number_taken(m):
            self.expect_refusal("number_in_use", call)
            return
        self.finish_current(counter)
        assert call().pk == m.pk
        if m.state == TicketState.NO_SHOW:  # came back: reinstated, then called
            m.events += 1
        self.mark_called(m, counter)

    def number_taken(self, m: Model) -> bool:
        return any(o.number == m.number and o.day == m.day and o.state in ACTIVE and o.pk != m.pk
                   for o in self.model.values())

    @rule(counter=st.sampled_from(sorted(COUNTERS)),
          action=st.sampled_from(["recall", "recall", "hold", "finish", "no_show", "transfer"]),
          category=st.sampled_from(sorted(CATEGORIES)))
    def act_on_current(self, counter, action, category):
        """What a clerk does with the visitor at the counter, or the refusal when nobody is there."""
        self.changed = True
        pk = self.counter_pk[counter]
        call = {
            "recall": lambda: services.ticket_recall(actor=self.actor, counter_id=pk),
            "hold": lambda: services.ticket_hold(actor=self.actor, counter_id=pk),
            "finish": lambda: services.ticket_finish(actor=self.actor, counter_id=pk),
            "no_show": lambda: services.ticket_no_show(actor=self.actor, counter_id=pk),
            "transfer": lambda: services.ticket_transfer(actor=self.actor, counter_id=pk,
                                                         category_code=category),
        }[action]
        m = self.current(counter)
        if m is None:
            self.expect_refusal("no_current_ticket", call)
            return
        if action == "recall" and m.recall >= RECALL_LIMIT:
            self.expect_refusal("recall_limit", call)
            return
        if action == "transfer" and m.category == category:
            self.expect_refusal("same_category", call)
            return
        ticket = call()
        assert ticket.pk == m.pk
        m.events += 1
        if action == "recall":
            m.recall += 1
        elif action == "hold":
            m.state, m.counter = H, None
        elif action == "finish":
            m.state = TicketState.DONE
        elif action == "no_show":
            m.state = TicketState.NO_SHOW
        else:
            m.state, m.counter, m.category, m.fast = W, None, category, CATEGORIES[category][2]
        assert ticket.state == m.state

    @rule(public_id=tickets, action=st.sampled_from(["resume", "resume", "cancel", "reinstate"]))
    def act_on_ticket(self, public_id, action):
        """Staff resume a held ticket, cancel one that has not been served or reinstate a no-show."""
        self.changed = True
        m = self.by_id(public_id)
        if action == "reinstate":
            call = lambda: services.ticket_reinstate(actor=self.actor, ticket_id=public_id)  # noqa: E731
            if m.day != self.today:
                self.expect_refusal("ticket_expired", call)
            elif m.state != TicketState.NO_SHOW:
                self.expect_refusal("illegal_transition", call)
            elif self.number_taken(m):
                self.expect_refusal("number_in_use", call)
            else:
                assert call().state == W
                m.state, m.counter, m.events = W, None, m.events + 1
            return
        if action == "resume":
            call = lambda: services.ticket_resume(actor=self.actor, ticket_id=public_id)  # noqa: E731
            allowed, to_state = m.state == H, W
        else:
            call = lambda: services.ticket_cancel(actor=self.actor, ticket_id=public_id)  # noqa: E731
            allowed, to_state = m.state in (W, H), TicketState.CANCELLED
        if m.day != self.today:
            self.expect_refusal("ticket_expired", call)
            return
        if not allowed:
            self.expect_refusal("illegal_transition", call)
            return
        assert call().state == to_state
        m.state, m.events = to_state, m.events + 1

    @rule(public_id=tickets, category=st.sampled_from(sorted(CATEGORIES)))
    def route(self, public_id, category):
        """Floor control or another app moves a ticket to another queue, keeping its place."""
        self.changed = True
        m = self.by_id(public_id)
        call = lambda: services.ticket_route(actor=self.actor, ticket_id=public_id,  # noqa: E731
                                             category_code=category, ref="sm")
        if m.day != self.today:
            self.expect_refusal("ticket_expired", call)
            return
        if m.state not in ACTIVE:
            self.expect_refusal("illegal_transition", call)
            return
        if m.category == category:
            self.expect_refusal("same_category", call)
            return
        ticket = call()
        m.state = H if m.state == H else W
        m.counter, m.category, m.fast = None, category, CATEGORIES[category][2]
        m.events += 1
        assert ticket.state == m.state

    @rule(counter=st.sampled_from(sorted(COUNTERS)), is_open=st.booleans())
    def open_or_close(self, counter, is_open):
        self.changed = True
        call = lambda: services.counter_set_open(  # noqa: E731
            actor=self.actor, counter_id=self.counter_pk[counter], is_open=is_open)
        if not is_open and self.current(counter) is not None:
            self.expect_refusal("counter_busy", call)
            return
        assert call().is_open is is_open
        (self.closed.discard if is_open else self.closed.add)(counter)

    @rule(step=st.sampled_from([1, 2, 5, 10, 20, 45, "next business day"]))
    def time_passes(self, step):
        self.changed = step == "next business day"
        if self.changed:  # the counters open again at 08:30 the next morning
            self.clock.set(dt.datetime.combine(self.today + dt.timedelta(days=1), dt.time(8, 30),
                                               tzinfo=MORNING.tzinfo))
        else:
            self.clock.advance(minutes=step)

    # ---------------------------------------------------------------- invariants

    @invariant()
    @precondition(lambda self: self.changed)
    def database_matches_the_model(self):
        rows = {pk: rest for pk, *rest in Ticket.objects.filter(office=self.office).values_list(
            "pk", "number", "state", "category__code", "recall_count", "is_fast_lane", "counter__number")}
        assert set(rows) == set(self.model)
        for pk, m in self.model.items():
            assert rows[pk] == [m.number, m.state, m.category, m.recall, m.fast, m.counter], m
            assert m.recall <= RECALL_LIMIT

    @invariant()
    @precondition(lambda self: self.changed)
    def no_two_active_tickets_share_a_number(self):
        active = list(Ticket.objects.filter(office=self.office, state__in=ACTIVE_STATES)
                      .values_list("business_date", "number"))
        assert len(active) == len(set(active)), sorted(active)

    @invariant()
    @precondition(lambda self: self.changed)
    def called_tickets_are_each_at_exactly_one_counter(self):
        rows = list(Ticket.objects.filter(office=self.office, state__in=[W, C, H])
                    .values_list("state", "counter_id"))
        called_at = [counter for state, counter in rows if state == C]
        assert None not in called_at
        assert len(called_at) == len(set(called_at))  # one called ticket per counter
        # Waiting and held tickets belong to no counter (hold and transfer release it).
        assert all(counter is None for state, counter in rows if state != C)

    @invariant()
    @precondition(lambda self: self.changed)
    def recall_count_within_the_limit(self):
        top = Ticket.objects.filter(office=self.office).aggregate(m=Max("recall_count"))["m"]
        assert top is None or top <= RECALL_LIMIT

    @invariant()
    @precondition(lambda self: self.changed)
    def event_log_ends_in_each_tickets_state(self):
        by_ticket: dict[int, list[tuple]] = {}
        for ticket_id, kind, from_state, to_state in (
                TicketEvent.objects.filter(office=self.office).order_by("id")
                .values_list("ticket_id", "kind", "from_state", "to_state")):
            by_ticket.setdefault(ticket_id, []).append((kind, from_state, to_state))
        for pk, m in self.model.items():
            log = by_ticket[pk]
            assert len(log) == m.events, (m, log)
            assert log[0] == ("issued", "", W)
            assert log[-1][2] == m.state, (m, log)
            for before, after in zip(log, log[1:], strict=False):
                assert after[1] == before[2], log  # each event starts where the last one ended

    @invariant()
    @precondition(lambda self: self.changed)
    def board_agrees_with_the_database(self):
        board = selectors.board_snapshot(self.office)
        today = self.today
        in_db = Multiset(Ticket.objects.filter(office=self.office, business_date=today,
                                               state__in=[W, H])
                         .values_list("category__code", "state"))
        for row in board["rows"]:
            code = row["category"]
            in_model = Multiset(m.state for m in self.model.values()
                                if m.category == code and m.day == today)
            assert (row["waiting"], row["on_hold"]) == (in_db[(code, W)], in_db[(code, H)]), code
            assert (row["waiting"], row["on_hold"]) == (in_model[W], in_model[H]), code
            queue = self.queue([code])
            assert row["next_number"] == (queue[0].number if queue else None)
            assert row["last_called"] == self.last_called.get((code, today))
            assert row["wait_minutes"] >= 0
            # 待ち時間 is a new ticket's wait: everyone the counters serving it would call first.
            fast = CATEGORIES[code][2]
            ahead = [m for m in self.queue(self.reach(code)) if m.fast or not fast]
            if not ahead:
                assert row["wait_minutes"] == 0
            else:
                assert row["wait_minutes"] >= 1  # never "0分" while people wait
        assert sorted(r["category"] for r in board["rows"]) == sorted(CATEGORIES)
        calling = Multiset((c["number"], c["counter"]) for c in board["calling"])
        expected = Multiset((m.number, f"{m.counter}番窓口") for m in self.model.values()
                            if m.state == C and m.day == today)
        assert calling == expected

    @invariant()
    @precondition(lambda self: self.changed)
    def people_ahead_follow_the_queue(self):
        """Every waiting ticket has ahead of it the tickets its counters would call first,
        across the categories they share; held tickets never count (queueing/rules.py)."""
        statuses = {s["public_id"]: s for s in selectors.office_ticket_statuses(self.office)}
        for code in CATEGORIES:
            queue = self.queue(self.reach(code))
            for position, m in enumerate(queue):
                if m.category != code:
                    continue
                ahead = position
                ticket = Ticket.objects.select_related("category", "office").get(pk=m.pk)
                assert selectors.ticket_people_ahead(ticket) == ahead, m
                assert statuses[m.public_id]["waiting_ahead"] == ahead, m


def test_ticket_state_machine(db, clock, settings_fixture_recall_limit):
    TicketMachine.office = make_office(
        "sm", categories=[(code, start, end, fast, 5) for code, (start, end, fast) in CATEGORIES.items()],
        counters=COUNTERS)
    TicketMachine.actor = staff_actor(TicketMachine.office)
    TicketMachine.clock = clock
    run_state_machine_as_test(TicketMachine, settings=settings(
        max_examples=30, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


@pytest.fixture
def settings_fixture_recall_limit(settings):
    settings.RECALL_LIMIT = RECALL_LIMIT
