"""The queue's rules (queueing/rules.py) as a citizen sees them: people ahead and the wait.

Fault 1.8: people ahead looked only at the ticket's own category, while a counter
calls across every category it serves. These tests check the per-ticket
numbers (``waiting_ahead``, ``wait_minutes``) with a held ticket ahead, with a
paused counter, across shared counters and with the fast lane; that the board,
the ticket page, the API, the kiosk and the notices' statuses agree; and, after
each action, that the board event published equals a fresh snapshot
(Zulip's ``verify_action``).
"""

import json
import re

import pytest
from asgiref.sync import async_to_sync

from madoguchi.core.actors import SYSTEM, actor_for_token
from madoguchi.live.broker import get_broker
from madoguchi.queueing import rules, selectors, services
from madoguchi.queueing.models import CounterCategory, Ticket, TicketState

from .factories import call_next, clock_fixture, counter_id, make_office  # noqa: F401 (clock_fixture)

pytestmark = pytest.mark.usefixtures("clock")

# Counter 1 serves "a" and "b"; counter 2 only "a"; counter 3 the fast lane and "a";
# counter 4 "solo". So "a" shares its counters with "b" and "f".
CATEGORIES = [("a", 1, 99, False, 10), ("b", 101, 199, False, 4), ("f", 201, 299, True, 6),
              ("solo", 301, 399, False, 5)]
COUNTERS = {1: ["a", "b"], 2: ["a"], 3: ["f", "a"], 4: ["solo"]}


@pytest.fixture
def shared(db):
    return make_office("shared", categories=CATEGORIES, counters=COUNTERS)


@pytest.fixture
def issue(shared, clock):
    def issue(code, *, minutes=1):
        ticket = services.ticket_issue(actor=SYSTEM, office_code="shared", category_code=code)
        clock.advance(minutes=minutes)
        return ticket

    return issue


def seen(ticket) -> tuple[int, int]:
    """(people ahead, minutes) on the ticket's own page."""
    status = selectors.ticket_status(Ticket.objects.select_related("category", "office", "counter")
                                     .get(pk=ticket.pk))
    return status["waiting_ahead"], status["wait_minutes"]


def k(office, number):
    return counter_id(office, number)


@pytest.mark.usefixtures("formula_estimate")
def test_people_ahead_count_every_category_the_counters_call_first(shared, issue):
    b = issue("b")  # counter 1 will call this one before the "a" below
    a = issue("a")
    # 1 person ahead (b: 4 min) ÷ 3 open counters serving "a" → ceil(4/3) = 2 minutes.
    assert seen(a) == (1, 2)
    assert selectors.ticket_people_ahead(a) == 1
    assert seen(b) == (0, 0)
    solo = issue("solo")
    assert seen(solo) == (0, 0)  # no counter shares "solo": nobody else is ahead
    # And it is true: counter 1 calls b first, then a.
    assert call_next(SYSTEM, k(shared, 1)).pk == b.pk
    assert seen(a) == (0, 0)


@pytest.mark.usefixtures("formula_estimate")
def test_a_held_ticket_ahead_is_not_counted(shared, issue):
    first, second, third = issue("a"), issue("a"), issue("a")
    call_next(SYSTEM, k(shared, 2))
    services.ticket_hold(actor=SYSTEM, counter_id=k(shared, 2))  # first waits for papers
    assert seen(second) == (0, 0)
    assert seen(third) == (1, 4)  # 1 × 10 min ÷ 3 counters
    services.ticket_resume(actor=SYSTEM, ticket_id=first.public_id)  # back in its original place
    assert seen(second) == (1, 4)
    assert seen(third) == (2, 7)


@pytest.mark.usefixtures("formula_estimate")
def test_a_paused_counter_makes_the_wait_longer_not_the_queue(shared, issue):
    tickets = [issue("a") for _ in range(4)]
    assert seen(tickets[-1]) == (3, 10)  # 3 × 10 min ÷ 3 counters
    services.counter_set_open(actor=SYSTEM, counter_id=k(shared, 2), is_open=False)
    assert seen(tickets[-1]) == (3, 15)  # ÷ 2 counters
    for number in (1, 3):
        services.counter_set_open(actor=SYSTEM, counter_id=k(shared, number), is_open=False)
    assert seen(tickets[-1]) == (3, 30)  # none open: still "at least" one clerk's worth


@pytest.mark.usefixtures("formula_estimate")
def test_the_fast_lane_goes_first_across_shared_counters(shared, issue):
    a = issue("a")
    fast = issue("f")
    assert seen(fast) == (0, 0)
    assert seen(a) == (1, 2)  # 1 × 6 min (fast lane) ÷ 3
    later = issue("a")
    assert seen(later) == (2, 6)  # (6 + 10) ÷ 3 → 5.33 → 6
    assert call_next(SYSTEM, k(shared, 3)).pk == fast.pk


@pytest.mark.usefixtures("formula_estimate")
def test_the_board_wait_is_what_a_new_ticket_sees(shared, issue):
    issue("b")
    issue("f")
    row = {r["category"]: r for r in selectors.board_snapshot(shared)["rows"]}
    assert (row["a"]["waiting"], row["a"]["wait_minutes"]) == (0, 4)  # (4 + 6) ÷ 3
    assert row["f"]["wait_minutes"] == 6  # only fast-lane tickets are ahead of the fast lane
    assert row["solo"]["wait_minutes"] == 0
    a = issue("a")
    assert seen(a) == (2, row["a"]["wait_minutes"])


def test_issuing_answers_the_same_people_ahead_as_the_page(client, shared, issue, settings):
    from .factories import make_token

    token = make_token(shared)
    issue("b")
    issue("f")
    answer = client.post("/api/v1/offices/shared/tickets", {"category": "a"}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert answer["waiting_ahead"] == 2
    assert client.get(f"/api/v1/tickets/{answer['id']}").json()["waiting_ahead"] == 2


# ------------------------------------------------------------------ all screens agree


def _mixed_queue(office, clock):
    """The demo office mid-morning: every category, shared counters, a hold, a transfer,
    a paused counter and measured service times."""
    kiosk = actor_for_token("demo-kiosk")
    mix = ["moving", "certificates", "fastlane", "address", "seal", "moving", "family-register",
           "certificates", "moving", "address", "seal", "certificates", "fastlane", "moving"]
    for i, code in enumerate(mix * 2):
        services.ticket_issue(actor=kiosk, office_code="demo", category_code=code)
        clock.advance(minutes=1 + i % 3)
    for number in (1, 6, 7, 6, 6, 8, 3, 4):
        call_next(SYSTEM, counter_id(office, number))
        clock.advance(minutes=4)
    services.ticket_hold(actor=SYSTEM, counter_id=counter_id(office, 8))
    services.ticket_transfer(actor=SYSTEM, counter_id=counter_id(office, 3), category_code="certificates")
    services.ticket_finish(actor=SYSTEM, counter_id=counter_id(office, 6))
    services.counter_set_open(actor=SYSTEM, counter_id=counter_id(office, 2), is_open=False)


def test_board_ticket_page_api_and_notices_agree_for_every_waiting_ticket(client, office, clock):
    _mixed_queue(office, clock)
    statuses = {s["public_id"]: s for s in selectors.office_ticket_statuses(office)}
    waiting = list(Ticket.objects.filter(office=office, state=TicketState.WAITING)
                   .select_related("category", "office", "counter"))
    assert len(waiting) > 15
    shared_ahead = 0
    for ticket in waiting:
        page = selectors.ticket_status(ticket)
        api = client.get(f"/api/v1/tickets/{ticket.public_id}").json()
        notices = statuses[ticket.public_id]
        expected = (page["waiting_ahead"], page["wait_minutes"])
        assert (api["waiting_ahead"], api["wait_minutes"]) == expected, ticket
        assert (notices["waiting_ahead"], notices["wait_minutes"]) == expected, ticket
        assert selectors.ticket_people_ahead(ticket) == page["waiting_ahead"], ticket
        html = client.get(f"/t/{ticket.public_id}/?fragment=state").content.decode()
        if page["waiting_ahead"]:
            assert f"<strong>{page['waiting_ahead']}人</strong>" in html
        else:
            assert "次はあなたの番です" in html
        if page["wait_minutes"]:
            assert f"約{page['wait_minutes']}分" in html
        else:  # called any moment now, not 「約0分」
            assert "まもなく呼ばれます" in html and "約0分" not in html
        own = Ticket.objects.filter(category=ticket.category, state=TicketState.WAITING,
                                    issued_at__lt=ticket.issued_at, is_fast_lane=ticket.is_fast_lane).count()
        shared_ahead += page["waiting_ahead"] > own
    assert shared_ahead  # the mixed queue has tickets behind other categories' visitors

    # The board's 待ち時間 is what a ticket issued now sees, at the kiosk and on its page.
    client.get("/o/demo/kiosk/?device=demo-kiosk")
    for row in selectors.board_snapshot(office)["rows"]:
        html = client.post("/o/demo/kiosk/issue/", {"category": row["category"]}).content.decode()
        number = int(re.search(r"data-ticket-number>(\d+)<", html).group(1))
        ticket = Ticket.objects.get(office=office, number=number, state=TicketState.WAITING)
        page = selectors.ticket_status(ticket)
        assert page["wait_minutes"] == row["wait_minutes"], row
        ahead = f"あなたの前に {page['waiting_ahead']}人" if page["waiting_ahead"] else "次はあなたの番です"
        assert ahead in html, row
        services.ticket_cancel(actor=SYSTEM, ticket_id=ticket.public_id)  # leaves the board as it was


def test_queue_positions_and_the_database_filter_are_one_rule(office, clock):
    """The one-pass count (statuses, pages) and the issuing path's query give the same numbers."""
    _mixed_queue(office, clock)
    serving = rules.Serving.from_rows(
        (cc.counter_id, cc.category_id, cc.counter.is_open)
        for cc in CounterCategory.objects.filter(counter__office=office).select_related("counter"))
    waiting = list(Ticket.objects.filter(office=office, state=TicketState.WAITING))
    positions = rules.queue_positions(waiting, serving, {c.pk: 5.0 for c in office.categories.all()})
    for ticket in waiting:
        assert positions[ticket.pk][0] == Ticket.objects.filter(rules.ahead_filter(ticket)).count()


# ------------------------------------------------------------------ verify_action


def _last_board(office) -> dict:
    boards = [e for e in async_to_sync(get_broker().history)(office.code) if e.kind == "board"]
    assert boards, "no board event was published"
    board = json.loads(boards[-1].data)
    board.pop("updated_at")
    return board


def _fresh(office) -> dict:
    board = selectors.board_snapshot(office)
    board.pop("updated_at")
    return board


def test_each_action_publishes_the_board_a_fresh_fetch_shows(office, clock, django_capture_on_commit_callbacks):
    """Zulip's verify_action: the event a screen applies equals what a fresh fetch returns."""
    kiosk = actor_for_token("demo-kiosk")
    c = lambda number: counter_id(office, number)  # noqa: E731
    tickets = {}

    def issue(code):
        tickets[code] = services.ticket_issue(actor=kiosk, office_code="demo", category_code=code)

    actions = [
        lambda: issue("moving"), lambda: issue("address"), lambda: issue("fastlane"),
        lambda: issue("certificates"), lambda: issue("moving"),
        lambda: call_next(SYSTEM, c(3)),
        lambda: tickets.__setitem__("held", services.ticket_hold(actor=SYSTEM, counter_id=c(3))),
        lambda: call_next(SYSTEM, c(4)),
        lambda: services.ticket_transfer(actor=SYSTEM, counter_id=c(4), category_code="certificates"),
        lambda: services.counter_set_open(actor=SYSTEM, counter_id=c(7), is_open=False),
        lambda: call_next(SYSTEM, c(6)),
        lambda: services.ticket_finish(actor=SYSTEM, counter_id=c(6)),
        lambda: services.ticket_resume(actor=SYSTEM, ticket_id=tickets["held"].public_id),
        lambda: call_next(SYSTEM, c(1)),
        lambda: services.ticket_no_show(actor=SYSTEM, counter_id=c(1)),
        lambda: issue("seal"),
        lambda: services.ticket_cancel(actor=SYSTEM, ticket_id=tickets["seal"].public_id),
        lambda: services.counter_set_open(actor=SYSTEM, counter_id=c(7), is_open=True),
    ]
    for action in actions:
        clock.advance(minutes=2)
        with django_capture_on_commit_callbacks(execute=True):
            action()
        assert _last_board(office) == _fresh(office)
