"""Ticket lifecycle services: every transition, every refusal, numbering and the event log.

The demo office (conftest ``office``) is the seed's table: moving 1001–1500,
fastlane 1501–1700, family-register 1701–1900, address 1901–1999,
certificates 2001–2999, seal 3001–3500; counters 1–8 (counter 3 serves moving
and address, counter 4 fastlane and moving, counter 6 certificates).
"""

import datetime as dt

import pytest
from django.db.models import ProtectedError

from madoguchi.core.actors import actor_for_token
from madoguchi.core.errors import Conflict, Forbidden, NotFound
from madoguchi.core.models import TokenKind
from madoguchi.core.timeutil import JST
from madoguchi.queueing import selectors, services
from madoguchi.queueing.models import Counter, EventKind, Ticket, TicketEvent, TicketState

from .factories import (  # noqa: F401 (clock_fixture provides the clock fixture)
    add_category,
    call_next,
    category,
    clock_fixture,
    counter_id,
    make_office,
    make_token,
    staff_actor,
)

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def issue(office, kiosk):
    def issue(code="moving", *, actor=None):
        return services.ticket_issue(actor=actor or kiosk, office_code="demo", category_code=code)

    return issue


@pytest.fixture
def c(office):
    """Counter pk by its number in the demo office."""
    return lambda number: counter_id(office, number)


def refresh(ticket: Ticket) -> Ticket:
    ticket.refresh_from_db()
    return ticket


def events(ticket: Ticket) -> list[tuple]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id")
                .values_list("kind", "from_state", "to_state"))


# ------------------------------------------------------------------ issue


def test_issue_numbers_start_at_the_range_and_go_up_per_category(issue, office):
    first, second = issue("moving"), issue("moving")
    cert = issue("certificates")
    fast = issue("fastlane")
    assert [first.number, second.number, cert.number, fast.number] == [1001, 1002, 2001, 1501]
    assert first.state == TicketState.WAITING
    assert first.business_date == dt.date(2025, 4, 1)
    assert first.issued_category_id == first.category_id == category(office, "moving").pk
    assert fast.is_fast_lane and not first.is_fast_lane
    assert first.public_id != second.public_id and len(first.public_id) >= 20


def test_issue_refuses_a_closed_category(issue, office):
    moving = category(office, "moving")
    moving.is_active = False
    moving.save()
    with pytest.raises(Conflict) as exc:
        issue("moving")
    assert exc.value.code == "category_closed"
    assert exc.value.message == "「転入・転出・世帯変更等の異動届出」は現在発券していません。"
    assert not Ticket.objects.exists()


def test_issue_unknown_office_and_category(office, kiosk):
    with pytest.raises(NotFound) as exc:
        services.ticket_issue(actor=kiosk, office_code="nowhere", category_code="moving")
    assert (exc.value.status, exc.value.code) == (404, "office_not_found")
    with pytest.raises(NotFound) as exc:
        services.ticket_issue(actor=kiosk, office_code="demo", category_code="nothing")
    assert (exc.value.status, exc.value.code) == (404, "category_not_found")


def test_issue_refused_to_devices_and_staff_of_another_office(office, issue):
    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    other_kiosk = actor_for_token(make_token(other, TokenKind.KIOSK))
    display = actor_for_token(make_token(office, TokenKind.DISPLAY))
    for actor in (other_kiosk, staff_actor(other), display):
        with pytest.raises(Forbidden) as exc:
            issue("moving", actor=actor)
        assert (exc.value.status, exc.value.code) == (403, "forbidden_office")
        assert exc.value.message == "この庁舎で整理券を発行する権限がありません。"
        # Nor does it learn which categories exist here.
        with pytest.raises(Forbidden):
            issue("no-such-category", actor=actor)
    assert not Ticket.objects.exists()
    # Staff of the office may issue (e.g. for a visitor at the counter).
    assert issue("moving", actor=staff_actor(office)).number == 1001


def test_range_exhausted_then_wraps_around_skipping_active_numbers(office, issue, staff):
    tiny = add_category(office, "tiny", 4001, 4003, counters=[1])
    a, b, cc = issue("tiny"), issue("tiny"), issue("tiny")
    assert [a.number, b.number, cc.number] == [4001, 4002, 4003]

    with pytest.raises(Conflict) as exc:
        issue("tiny")
    assert (exc.value.status, exc.value.code) == (409, "range_exhausted")
    assert exc.value.message == (f"「{tiny.name}」の番号（4001～4003）がすべて使用中のため"
                                 "発券できません。職員にお声がけください。")

    # 4002 is served; 4001 and 4003 are still active, so the next number is 4002.
    services.ticket_call(actor=staff, counter_id=counter_id(office, 1), ticket_id=b.public_id)
    services.ticket_finish(actor=staff, counter_id=counter_id(office, 1))
    again = issue("tiny")
    assert again.number == 4002
    with pytest.raises(Conflict) as exc:
        issue("tiny")
    assert exc.value.code == "range_exhausted"

    # 4003 cancelled and 4001 served: numbering continues after the last one issued (4002).
    services.ticket_cancel(actor=staff, ticket_id=cc.public_id)
    services.ticket_call(actor=staff, counter_id=counter_id(office, 1), ticket_id=a.public_id)
    services.ticket_no_show(actor=staff, counter_id=counter_id(office, 1))
    assert issue("tiny").number == 4003
    assert issue("tiny").number == 4001
    numbers = list(Ticket.objects.filter(category=tiny, state=TicketState.WAITING)
                   .values_list("number", flat=True).order_by("number"))
    assert numbers == [4001, 4002, 4003]


def test_a_range_moved_during_the_day_issues_inside_the_new_range(office, issue):
    """An administrator moves a category's numbers at noon: the next ticket carries a number
    the lobby can tell apart, never one below the new start or beyond the new end."""
    tiny = add_category(office, "tiny", 4001, 4010, counters=[1])
    assert [issue("tiny").number for _ in range(3)] == [4001, 4002, 4003]
    tiny.range_start, tiny.range_end = 4101, 4110
    tiny.save()
    assert [issue("tiny").number for _ in range(2)] == [4101, 4102]
    tiny.range_start, tiny.range_end = 4001, 4002  # moved back and shrunk: 4001–4002 are still active
    tiny.save()
    with pytest.raises(Conflict) as exc:
        issue("tiny")
    assert exc.value.code == "range_exhausted"


def test_issuing_without_insert_returning(office, issue, monkeypatch):
    """SQLite before 3.35 (Django 5.2 accepts 3.31) has no RETURNING: the locked-row path issues."""
    monkeypatch.setattr(services, "_can_count_up_in_one_statement", lambda connection: False)
    add_category(office, "tiny", 4001, 4002, counters=[1])
    assert [issue("moving").number for _ in range(3)] == [1001, 1002, 1003]
    assert [issue("tiny").number for _ in range(2)] == [4001, 4002]
    with pytest.raises(Conflict):
        issue("tiny")


def test_wrap_around_reuses_a_finished_number_at_the_start(office, issue, staff):
    add_category(office, "tiny", 4001, 4003, counters=[1])
    for _ in range(3):
        issue("tiny")
    services.ticket_call_next(actor=staff, counter_id=counter_id(office, 1))  # 4001
    services.ticket_finish(actor=staff, counter_id=counter_id(office, 1))
    reused = issue("tiny")
    assert reused.number == 4001
    # The finished 4001 and the new 4001 coexist; only one is active.
    assert Ticket.objects.filter(number=4001).count() == 2
    assert Ticket.objects.filter(number=4001, state=TicketState.WAITING).count() == 1


def test_numbering_resets_each_business_day_in_tokyo(issue, clock, staff, c):
    clock.set(dt.datetime(2025, 4, 1, 23, 50, tzinfo=JST))
    late = [issue("moving"), issue("moving")]
    assert [t.number for t in late] == [1001, 1002]

    clock.set(dt.datetime(2025, 4, 2, 0, 5, tzinfo=JST))  # 15:05 UTC on April 1st
    early = issue("moving")
    assert early.number == 1001
    assert early.business_date == dt.date(2025, 4, 2)
    # Yesterday's left-over tickets are not called today, even the earlier ones.
    assert services.ticket_call_next(actor=staff, counter_id=c(1)).pk == early.pk
    assert services.ticket_call_next(actor=staff, counter_id=c(2)) is None


def test_utc_midnight_is_not_a_new_business_day(issue, clock, settings):
    settings.TIME_ZONE = "UTC"  # a server set to UTC still counts days in Tokyo
    clock.set(dt.datetime(2025, 4, 1, 23, 59, tzinfo=dt.UTC))  # 08:59 JST April 2nd
    before = issue("moving")
    clock.set(dt.datetime(2025, 4, 2, 0, 1, tzinfo=dt.UTC))  # 09:01 JST April 2nd
    after = issue("moving")
    assert (before.number, after.number) == (1001, 1002)
    assert before.business_date == after.business_date == dt.date(2025, 4, 2)


# ------------------------------------------------------------------ call next


def test_call_next_with_nobody_waiting_returns_none(office, staff, c):
    assert services.ticket_call_next(actor=staff, counter_id=c(1)) is None
    assert not TicketEvent.objects.exists()


def test_call_next_takes_the_earliest_issued(issue, staff, c, clock):
    first = issue("moving")
    clock.advance(minutes=1)
    second = issue("moving")
    called = services.ticket_call_next(actor=staff, counter_id=c(1))
    assert called.pk == first.pk
    assert called.state == TicketState.CALLED
    assert called.counter_id == c(1)
    assert called.called_at == called.first_called_at == clock()
    # Another clerk gets the next one, never the same.
    assert services.ticket_call_next(actor=staff, counter_id=c(2)).pk == second.pk


def test_call_next_serves_the_fast_lane_first(issue, staff, c, clock):
    walk_in = issue("moving")
    clock.advance(minutes=5)
    booked = issue("fastlane")
    assert call_next(staff, c(4)).number == booked.number == 1501
    assert call_next(staff, c(4)).pk == walk_in.pk


def test_call_next_across_categories_goes_by_issue_time(issue, staff, c, clock):
    # Counter 3 lists moving before address, but the earliest visitor goes first.
    house = issue("address")
    clock.advance(minutes=1)
    moving = issue("moving")
    assert call_next(staff, c(3)).pk == house.pk
    assert call_next(staff, c(3)).pk == moving.pk


def test_call_next_only_from_the_counters_categories(issue, staff, c):
    issue("certificates")
    assert services.ticket_call_next(actor=staff, counter_id=c(1)) is None
    assert services.ticket_call_next(actor=staff, counter_id=c(6)).number == 2001


def test_call_next_finishes_the_current_ticket_it_names(issue, staff, c, clock):
    first, second = issue(), issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    clock.advance(minutes=4)
    services.ticket_call_next(actor=staff, counter_id=c(1), finish_current=first.public_id)
    first, second = refresh(first), refresh(second)
    assert first.state == TicketState.DONE
    assert first.service_seconds == 240
    assert first.finished_at == clock()
    assert (second.state, second.counter_id) == (TicketState.CALLED, c(1))
    assert [e[0] for e in events(first)] == ["issued", "called", "done"]


def test_call_next_refuses_while_a_ticket_is_called_unless_it_names_it(issue, staff, c, clock):
    """Fault 1.2: a second screen of the counter, showing no ticket or an older one, pressed
    次を呼出 and silently finished a visitor after 0 s of service."""
    first, second, third = issue(), issue(), issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))  # tab A calls 1001
    for stale in (None, "", second.public_id, "no-such-ticket"):  # tab B: nothing shown, or another id
        with pytest.raises(Conflict) as exc:
            services.ticket_call_next(actor=staff, counter_id=c(1), finish_current=stale)
        assert (exc.value.status, exc.value.code) == (409, "counter_busy")
        assert exc.value.detail == {"id": first.public_id, "number": 1001}
        assert "1001番を呼出中" in exc.value.message
    with pytest.raises(Conflict) as exc:  # calling a specific ticket follows the same rule
        services.ticket_call(actor=staff, counter_id=c(1), ticket_id=third.public_id)
    assert exc.value.code == "counter_busy"
    assert refresh(first).state == TicketState.CALLED
    assert (refresh(second).state, refresh(third).state) == (TicketState.WAITING, TicketState.WAITING)
    assert [e[0] for e in events(first)] == ["issued", "called"]
    # Tab A, which shows 1001, finishes exactly it and calls the next.
    clock.advance(minutes=3)
    assert services.ticket_call_next(actor=staff, counter_id=c(1), finish_current=first.public_id).pk == second.pk
    assert refresh(first).service_seconds == 180
    # Tab B still shows 1001: refused, 1002 is not finished behind the clerk's back.
    with pytest.raises(Conflict) as exc:
        services.ticket_call_next(actor=staff, counter_id=c(1), finish_current=first.public_id)
    assert exc.value.detail == {"id": second.public_id, "number": 1002}
    assert refresh(second).state == TicketState.CALLED
    called = services.ticket_call(actor=staff, counter_id=c(1), ticket_id=third.public_id,
                                  finish_current=second.public_id)
    assert (called.pk, refresh(second).state) == (third.pk, TicketState.DONE)


def test_naming_a_ticket_another_screen_already_finished_just_calls_the_next(issue, staff, c):
    first, second = issue(), issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    services.ticket_finish(actor=staff, counter_id=c(1))  # tab A
    # Tab B still showed 1001 and asked to finish it: nothing is being called, so nobody is skipped.
    assert services.ticket_call_next(actor=staff, counter_id=c(1), finish_current=first.public_id).pk == second.pk


def test_actions_on_a_past_days_ticket_are_refused_as_expired(issue, staff, c, clock):
    """Fault 1.9: resume/cancel/call of yesterday's ticket answered 「待ち」-style refusals."""
    waiting, held = issue(), issue()
    services.ticket_call(actor=staff, counter_id=c(1), ticket_id=held.public_id)
    services.ticket_hold(actor=staff, counter_id=c(1))
    clock.advance(days=1)
    for action in (lambda t: services.ticket_resume(actor=staff, ticket_id=t.public_id),
                   lambda t: services.ticket_cancel(actor=staff, ticket_id=t.public_id),
                   lambda t: services.ticket_call(actor=staff, counter_id=c(2), ticket_id=t.public_id)):
        for ticket in (waiting, held):
            with pytest.raises(Conflict) as exc:
                action(ticket)
            assert (exc.value.status, exc.value.code) == (409, "ticket_expired")
            assert "04月01日の整理券のため、本日は操作できません" in exc.value.message
            assert exc.value.detail == {"business_date": "2025-04-01"}
    assert (refresh(waiting).state, refresh(held).state) == (TicketState.WAITING, TicketState.HELD)


# ------------------------------------------------------------------ call a specific ticket


def test_call_a_specific_waiting_ticket_out_of_order(issue, staff, c):
    issue()
    later = issue()
    called = services.ticket_call(actor=staff, counter_id=c(2), ticket_id=later.public_id)
    assert (called.number, called.state, called.counter_id) == (1002, TicketState.CALLED, c(2))


def test_call_a_held_ticket_at_another_counter(issue, staff, c):
    t = issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    services.ticket_hold(actor=staff, counter_id=c(1))
    called = services.ticket_call(actor=staff, counter_id=c(2), ticket_id=t.public_id)
    assert (called.state, called.counter_id) == (TicketState.CALLED, c(2))
    last = TicketEvent.objects.filter(ticket=t).last()
    assert (last.kind, last.from_state, last.to_state, last.counter_id) == (
        "called", "held", "called", c(2))


def test_call_a_specific_ticket_refuses_ended_or_busy_tickets(issue, staff, c):
    t, other = issue(), issue()
    services.ticket_call(actor=staff, counter_id=c(1), ticket_id=other.public_id)
    with pytest.raises(Conflict) as exc:  # being served at counter 1
        services.ticket_call(actor=staff, counter_id=c(2), ticket_id=other.public_id)
    assert (exc.value.status, exc.value.code) == (409, "illegal_transition")
    assert exc.value.message == "1002番は「呼出中」のため呼び出せません。"

    services.ticket_call(actor=staff, counter_id=c(2), ticket_id=t.public_id)
    services.ticket_finish(actor=staff, counter_id=c(2))
    with pytest.raises(Conflict) as exc:
        services.ticket_call(actor=staff, counter_id=c(2), ticket_id=t.public_id)
    assert exc.value.message == "1001番は「完了」のため呼び出せません。"
    assert refresh(other).counter_id == c(1)


def test_call_a_specific_ticket_of_yesterday_is_refused(issue, staff, c, clock):
    t = issue()
    clock.advance(days=1)
    with pytest.raises(Conflict) as exc:
        services.ticket_call(actor=staff, counter_id=c(1), ticket_id=t.public_id)
    assert exc.value.code == "ticket_expired"


def test_call_a_ticket_of_another_office_or_unknown_is_not_found(office, staff, c):
    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    foreign = services.ticket_issue(actor=staff_actor(other), office_code="other", category_code="x")
    for ticket_id in (foreign.public_id, "no-such-ticket"):
        with pytest.raises(NotFound) as exc:
            services.ticket_call(actor=staff, counter_id=c(1), ticket_id=ticket_id)
        assert (exc.value.status, exc.value.code) == (404, "ticket_not_found")
    assert refresh(foreign).state == TicketState.WAITING


# ------------------------------------------------------------------ recall


def test_recall_up_to_the_limit_then_refuse(issue, staff, c, clock, settings):
    settings.RECALL_LIMIT = 2
    t = issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    for n in (1, 2):
        clock.advance(minutes=1)
        recalled = services.ticket_recall(actor=staff, counter_id=c(1))
        assert (recalled.recall_count, recalled.called_at) == (n, clock())
    with pytest.raises(Conflict) as exc:
        services.ticket_recall(actor=staff, counter_id=c(1))
    assert (exc.value.status, exc.value.code, exc.value.detail) == (409, "recall_limit", {"limit": 2})
    assert exc.value.message == "再呼出は2回までです。不在にするか、保留にしてください。"
    t = refresh(t)
    assert (t.state, t.recall_count) == (TicketState.CALLED, 2)
    recalls = TicketEvent.objects.filter(ticket=t, kind=EventKind.RECALLED)
    assert [e.detail for e in recalls] == [{"recall": 1}, {"recall": 2}]
    # The visitor did not come: no-show is still possible.
    assert services.ticket_no_show(actor=staff, counter_id=c(1)).state == TicketState.NO_SHOW


def test_recall_without_a_called_ticket(office, staff, c):
    with pytest.raises(Conflict) as exc:
        services.ticket_recall(actor=staff, counter_id=c(1))
    assert (exc.value.status, exc.value.code) == (409, "no_current_ticket")
    assert exc.value.message == "1番窓口で呼出中の番号はありません。"


# ------------------------------------------------------------------ hold / resume


def test_hold_then_resume_keeps_the_original_place(issue, staff, c, clock):
    first = issue()
    clock.advance(minutes=1)
    second = issue()
    clock.advance(minutes=1)
    third = issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    held = services.ticket_hold(actor=staff, counter_id=c(1))
    assert (held.state, held.counter_id) == (TicketState.HELD, None)
    row = next(r for r in selectors.board_snapshot(held.office)["rows"] if r["category"] == "moving")
    assert (row["on_hold"], row["waiting"]) == (1, 2)

    assert services.ticket_call_next(actor=staff, counter_id=c(1)).pk == second.pk
    clock.advance(minutes=10)  # papers arrive
    resumed = services.ticket_resume(actor=staff, ticket_id=first.public_id)
    assert resumed.state == TicketState.WAITING
    assert refresh(first).issued_at == dt.datetime(2025, 4, 1, 9, 0, tzinfo=JST)
    assert selectors.ticket_people_ahead(refresh(third)) == 1
    assert services.ticket_call_next(actor=staff, counter_id=c(2)).pk == first.pk
    assert services.ticket_call_next(actor=staff, counter_id=c(3)).pk == third.pk


def test_hold_without_a_called_ticket(office, staff, c):
    with pytest.raises(Conflict) as exc:
        services.ticket_hold(actor=staff, counter_id=c(1))
    assert exc.value.code == "no_current_ticket"


def test_resume_refuses_a_ticket_that_is_not_held(issue, staff):
    t = issue()
    with pytest.raises(Conflict) as exc:
        services.ticket_resume(actor=staff, ticket_id=t.public_id)
    assert (exc.value.status, exc.value.code) == (409, "illegal_transition")
    assert exc.value.message == "1001番は保留中ではありません（待ち）。"
    with pytest.raises(NotFound):
        services.ticket_resume(actor=staff, ticket_id="nope")


# ------------------------------------------------------------------ transfer


def test_transfer_keeps_number_and_issue_time(issue, staff, c, clock, office):
    moving = issue("moving")
    clock.advance(minutes=5)
    cert = issue("certificates")
    services.ticket_call_next(actor=staff, counter_id=c(1))
    clock.advance(minutes=3)
    moved = services.ticket_transfer(actor=staff, counter_id=c(1), category_code="certificates")
    assert moved.number == 1001
    assert (moved.state, moved.counter_id) == (TicketState.WAITING, None)
    assert moved.category_id == category(office, "certificates").pk
    assert moved.issued_category_id == category(office, "moving").pk
    assert refresh(moved).issued_at == dt.datetime(2025, 4, 1, 9, 0, tzinfo=JST)
    event = TicketEvent.objects.filter(ticket=moving).last()
    assert (event.kind, event.from_state, event.to_state, event.counter_id) == (
        "transferred", "called", "waiting", c(1))
    assert event.detail == {"from_category": category(office, "moving").pk}
    # Issued earlier than 2001, so the certificates counter calls 1001 first.
    assert call_next(staff, c(6)).pk == moving.pk
    assert call_next(staff, c(6)).pk == cert.pk


def test_transfer_into_the_fast_lane_puts_it_first(issue, staff, c, clock):
    issue("moving")
    clock.advance(minutes=1)
    other = issue("moving")
    services.ticket_call(actor=staff, counter_id=c(1), ticket_id=other.public_id)
    moved = services.ticket_transfer(actor=staff, counter_id=c(1), category_code="fastlane")
    assert moved.is_fast_lane
    assert services.ticket_call_next(actor=staff, counter_id=c(4)).pk == other.pk


def test_transfer_refusals(issue, staff, c):
    with pytest.raises(Conflict) as exc:
        services.ticket_transfer(actor=staff, counter_id=c(1), category_code="certificates")
    assert exc.value.code == "no_current_ticket"
    t = issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    with pytest.raises(Conflict) as exc:
        services.ticket_transfer(actor=staff, counter_id=c(1), category_code="moving")
    assert (exc.value.status, exc.value.code) == (409, "same_category")
    assert exc.value.message == "同じ受付区分には回送できません。"
    with pytest.raises(NotFound) as exc:
        services.ticket_transfer(actor=staff, counter_id=c(1), category_code="nothing")
    assert exc.value.code == "category_not_found"
    t = refresh(t)
    assert (t.state, t.counter_id) == (TicketState.CALLED, c(1))
    assert len(events(t)) == 2


# ------------------------------------------------------------------ finish / no-show / cancel


def test_finish_and_no_show(issue, staff, c, clock):
    a, b = issue(), issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    clock.advance(minutes=7, seconds=30)
    done = services.ticket_finish(actor=staff, counter_id=c(1))
    assert (done.pk, done.state, done.service_seconds) == (a.pk, TicketState.DONE, 450)
    with pytest.raises(Conflict) as exc:
        services.ticket_finish(actor=staff, counter_id=c(1))
    assert exc.value.code == "no_current_ticket"

    services.ticket_call_next(actor=staff, counter_id=c(1))
    gone = services.ticket_no_show(actor=staff, counter_id=c(1))
    assert (gone.pk, gone.state, gone.finished_at) == (b.pk, TicketState.NO_SHOW, clock())
    assert gone.service_seconds is None  # nobody was served: no service time to learn from
    with pytest.raises(Conflict) as exc:
        services.ticket_no_show(actor=staff, counter_id=c(1))
    assert exc.value.code == "no_current_ticket"


def test_cancel_waiting_and_held_but_not_called_or_ended(issue, staff, c):
    waiting, held, called = issue(), issue(), issue()
    assert services.ticket_cancel(actor=staff, ticket_id=waiting.public_id).state == TicketState.CANCELLED
    services.ticket_call(actor=staff, counter_id=c(1), ticket_id=held.public_id)
    services.ticket_hold(actor=staff, counter_id=c(1))
    assert services.ticket_cancel(actor=staff, ticket_id=held.public_id).state == TicketState.CANCELLED
    assert events(held)[-1] == ("cancelled", "held", "cancelled")

    services.ticket_call(actor=staff, counter_id=c(1), ticket_id=called.public_id)
    with pytest.raises(Conflict) as exc:
        services.ticket_cancel(actor=staff, ticket_id=called.public_id)
    assert (exc.value.code, exc.value.message) == (
        "illegal_transition", "1003番は「呼出中」のため取り消せません。")
    with pytest.raises(Conflict) as exc:
        services.ticket_cancel(actor=staff, ticket_id=waiting.public_id)
    assert exc.value.message == "1001番は「取消」のため取り消せません。"


def test_cancel_is_staff_only(issue, kiosk):
    t = issue()
    with pytest.raises(Forbidden) as exc:
        services.ticket_cancel(actor=kiosk, ticket_id=t.public_id)
    assert exc.value.code == "forbidden_role"
    assert refresh(t).state == TicketState.WAITING


# ------------------------------------------------------------------ counters


def test_counter_close_and_open(issue, staff, c, office):
    closed = services.counter_set_open(actor=staff, counter_id=c(1), is_open=False)
    assert closed.is_open is False and Counter.objects.get(pk=c(1)).is_open is False
    assert services.counter_set_open(actor=staff, counter_id=c(1), is_open=True).is_open


def test_counter_cannot_close_with_a_called_ticket(issue, staff, c):
    issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    with pytest.raises(Conflict) as exc:
        services.counter_set_open(actor=staff, counter_id=c(1), is_open=False)
    assert (exc.value.status, exc.value.code) == (409, "counter_busy")
    assert exc.value.message == "呼出中の番号を完了・保留・不在にしてから休止してください。"
    assert Counter.objects.get(pk=c(1)).is_open
    services.ticket_hold(actor=staff, counter_id=c(1))
    assert services.counter_set_open(actor=staff, counter_id=c(1), is_open=False).is_open is False


def test_a_paused_counter_calls_nobody(issue, staff, c):
    waiting = issue()
    services.counter_set_open(actor=staff, counter_id=c(1), is_open=False)
    for call in (lambda: services.ticket_call_next(actor=staff, counter_id=c(1)),
                 lambda: services.ticket_call(actor=staff, counter_id=c(1), ticket_id=waiting.public_id)):
        with pytest.raises(Conflict) as exc:
            call()
        assert (exc.value.status, exc.value.code) == (409, "counter_closed")
        assert exc.value.message == "1番窓口は受付を休止中です。「受付を開始」してから呼び出してください。"
    assert refresh(waiting).state == TicketState.WAITING
    services.counter_set_open(actor=staff, counter_id=c(1), is_open=True)
    assert services.ticket_call_next(actor=staff, counter_id=c(1)).pk == waiting.pk


# ------------------------------------------------------------------ refusals by who / what


@pytest.mark.parametrize("counter_ref", [987654, "abc", None])
def test_unknown_counter_is_not_found(office, staff, counter_ref):
    for call in (lambda: services.ticket_call_next(actor=staff, counter_id=counter_ref),
                 lambda: services.ticket_recall(actor=staff, counter_id=counter_ref),
                 lambda: services.counter_set_open(actor=staff, counter_id=counter_ref, is_open=False)):
        with pytest.raises(NotFound) as exc:
            call()
        assert (exc.value.status, exc.value.code) == (404, "counter_not_found")
        assert exc.value.message == "指定された窓口が見つかりません。"


def test_kiosk_cannot_operate_counters(issue, kiosk, c):
    t = issue()
    attempts = [
        lambda: services.ticket_call_next(actor=kiosk, counter_id=c(1)),
        lambda: services.ticket_call(actor=kiosk, counter_id=c(1), ticket_id=t.public_id),
        lambda: services.ticket_recall(actor=kiosk, counter_id=c(1)),
        lambda: services.ticket_hold(actor=kiosk, counter_id=c(1)),
        lambda: services.ticket_finish(actor=kiosk, counter_id=c(1)),
        lambda: services.ticket_no_show(actor=kiosk, counter_id=c(1)),
        lambda: services.ticket_transfer(actor=kiosk, counter_id=c(1), category_code="seal"),
        lambda: services.ticket_resume(actor=kiosk, ticket_id=t.public_id),
        lambda: services.counter_set_open(actor=kiosk, counter_id=c(1), is_open=False),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden) as exc:
            attempt()
        assert (exc.value.status, exc.value.code) == (403, "forbidden_role")
        assert exc.value.message == "職員用の操作です。発券機・表示盤の端末からは実行できません。"
    assert refresh(t).state == TicketState.WAITING
    assert Counter.objects.get(pk=c(1)).is_open


def test_staff_of_another_office_cannot_operate_this_ones_counters(issue, office, c):
    t = issue()
    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    outsider = staff_actor(other)
    with pytest.raises(Forbidden) as exc:
        services.ticket_call_next(actor=outsider, counter_id=c(1))
    assert (exc.value.status, exc.value.code) == (403, "forbidden_office")
    assert exc.value.message == "この庁舎の職員ではないため操作できません。"
    with pytest.raises(Forbidden):
        services.ticket_cancel(actor=outsider, ticket_id=t.public_id)
    assert refresh(t).state == TicketState.WAITING
    assert not Ticket.objects.filter(state=TicketState.CALLED).exists()


def test_refusals_change_nothing_and_log_nothing(issue, staff, c, settings):
    settings.RECALL_LIMIT = 0
    t = issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    before = TicketEvent.objects.count()
    for attempt in (lambda: services.ticket_recall(actor=staff, counter_id=c(1)),
                    lambda: services.ticket_resume(actor=staff, ticket_id=t.public_id),
                    lambda: services.ticket_cancel(actor=staff, ticket_id=t.public_id),
                    lambda: services.ticket_transfer(actor=staff, counter_id=c(1), category_code="moving")):
        with pytest.raises(Conflict):
            attempt()
    assert TicketEvent.objects.count() == before
    t = refresh(t)
    assert (t.state, t.recall_count, t.counter_id) == (TicketState.CALLED, 0, c(1))


# ------------------------------------------------------------------ event log


def test_every_transition_appends_one_event(issue, staff, staff_user, c, office):
    t = issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    services.ticket_recall(actor=staff, counter_id=c(1))
    services.ticket_hold(actor=staff, counter_id=c(1))
    services.ticket_resume(actor=staff, ticket_id=t.public_id)
    services.ticket_call_next(actor=staff, counter_id=c(2))
    services.ticket_transfer(actor=staff, counter_id=c(2), category_code="certificates")
    services.ticket_call_next(actor=staff, counter_id=c(6))
    services.ticket_finish(actor=staff, counter_id=c(6))

    rows = list(TicketEvent.objects.filter(ticket=t).order_by("id"))
    moving, cert = category(office, "moving").pk, category(office, "certificates").pk
    assert [(e.kind, e.from_state, e.to_state, e.counter_id, e.category_id) for e in rows] == [
        ("issued", "", "waiting", None, moving),
        ("called", "waiting", "called", c(1), moving),
        ("recalled", "called", "called", c(1), moving),
        ("held", "called", "held", c(1), moving),
        ("resumed", "held", "waiting", None, moving),
        ("called", "waiting", "called", c(2), moving),
        ("transferred", "called", "waiting", c(2), cert),
        ("called", "waiting", "called", c(6), cert),
        ("done", "called", "done", c(6), cert),
    ]
    assert rows[0].actor == "デモ用 demo-kiosk"
    assert {e.actor for e in rows[1:]} == {"staff"}
    assert {e.business_date for e in rows} == {dt.date(2025, 4, 1)}
    assert {e.office_id for e in rows} == {office.pk}


def test_event_log_is_append_only(issue):
    t = issue()
    event = TicketEvent.objects.get(ticket=t)
    event.actor = "someone else"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    with pytest.raises(ValueError, match="append-only"):
        TicketEvent.objects.filter(ticket=t).update(actor="someone else")
    with pytest.raises(ValueError, match="append-only"):
        TicketEvent.objects.filter(ticket=t).delete()
    # A ticket with history cannot be deleted either: the history would go with it.
    with pytest.raises(ProtectedError):
        t.delete()
    assert TicketEvent.objects.get(ticket=t).actor == "デモ用 demo-kiosk"
