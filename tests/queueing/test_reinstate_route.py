"""Fault 1.3 (a no-show can be undone the same day) and ticket_route (section 4): a ticket moves
between queues keeping its place, with what it was moved for in the event log.

Demo office (conftest ``office``): counter 1 and 2 serve moving; counter 6 certificates.
"""

import datetime as dt

import pytest
from django.test import Client

from madoguchi.core.errors import Conflict, Forbidden, NotFound
from madoguchi.core.timeutil import JST
from madoguchi.queueing import hooks, selectors, services
from madoguchi.queueing.models import Category, Ticket, TicketEvent, TicketState

from .factories import (  # noqa: F401 (clock_fixture provides the clock fixture)
    add_category,
    category,
    clock_fixture,
    counter_id,
    make_office,
    staff_actor,
)

pytestmark = pytest.mark.usefixtures("clock")
API = "/api/v1"
STAFF = {"HTTP_AUTHORIZATION": "Bearer demo-staff"}


@pytest.fixture
def issue(office, kiosk, clock):
    def issue(code="moving"):
        ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code=code)
        clock.advance(minutes=1)
        return ticket

    return issue


@pytest.fixture
def c(office):
    return lambda number: counter_id(office, number)


@pytest.fixture
def received():
    seen: list[hooks.QueueEvent] = []
    hooks.subscribe(hooks.ALL, seen.append)
    yield seen
    hooks.unsubscribe(hooks.ALL, seen.append)


def no_show(staff, counter_pk, ticket):
    called = services.ticket_call(actor=staff, counter_id=counter_pk, ticket_id=ticket.public_id)
    assert called.pk == ticket.pk
    return services.ticket_no_show(actor=staff, counter_id=counter_pk)


def kinds(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", "from_state", "to_state"))


# ------------------------------------------------------------------ reinstate (fault 1.3)


def test_a_reinstated_no_show_waits_again_at_its_original_place(issue, staff, c, clock):
    first, second, third = issue(), issue(), issue()
    no_show(staff, c(1), first)
    clock.advance(minutes=10)
    back = services.ticket_reinstate(actor=staff, ticket_id=first.public_id)
    assert (back.state, back.counter_id, back.finished_at) == (TicketState.WAITING, None, None)
    back.refresh_from_db()
    assert back.issued_at == dt.datetime(2025, 4, 1, 9, 0, tzinfo=JST)  # its place: issued first
    assert selectors.ticket_people_ahead(back) == 0
    assert selectors.ticket_people_ahead(second) == 1
    # The next call at a moving counter is the returning visitor, before 1002 and 1003.
    assert services.ticket_call_next(actor=staff, counter_id=c(2)).pk == first.pk
    assert kinds(first)[-2:] == [("reinstated", "no_show", "waiting"), ("called", "waiting", "called")]
    assert third.state == TicketState.WAITING


def test_calling_a_no_show_of_today_calls_it_directly(issue, staff, c, received,
                                                       django_capture_on_commit_callbacks):
    t = issue()
    no_show(staff, c(1), t)
    with django_capture_on_commit_callbacks(execute=True):
        called = services.ticket_call(actor=staff, counter_id=c(2), ticket_id=t.public_id)
    assert (called.state, called.counter_id, called.finished_at) == (TicketState.CALLED, c(2), None)
    assert kinds(t)[-2:] == [("reinstated", "no_show", "waiting"), ("called", "waiting", "called")]
    assert [e.kind for e in received if e.ticket_id == t.public_id] == [hooks.REINSTATED, hooks.CALLED]


def test_a_no_show_of_another_day_is_expired(issue, staff, c, clock):
    t = issue()
    no_show(staff, c(1), t)
    clock.advance(days=1)
    for action in (lambda: services.ticket_reinstate(actor=staff, ticket_id=t.public_id),
                   lambda: services.ticket_call(actor=staff, counter_id=c(1), ticket_id=t.public_id)):
        with pytest.raises(Conflict) as exc:
            action()
        assert (exc.value.status, exc.value.code) == (409, "ticket_expired")
        assert "本日は操作できません" in exc.value.message
    t.refresh_from_db()
    assert t.state == TicketState.NO_SHOW


def test_only_a_no_show_can_be_reinstated(issue, staff, c):
    t = issue()
    with pytest.raises(Conflict) as exc:
        services.ticket_reinstate(actor=staff, ticket_id=t.public_id)
    assert (exc.value.code, exc.value.message) == ("illegal_transition", "1001番は不在ではありません（待ち）。")
    services.ticket_call_next(actor=staff, counter_id=c(1))
    services.ticket_finish(actor=staff, counter_id=c(1))
    with pytest.raises(Conflict):
        services.ticket_reinstate(actor=staff, ticket_id=t.public_id)
    with pytest.raises(NotFound):
        services.ticket_reinstate(actor=staff, ticket_id="no-such-ticket")


def test_reinstate_refuses_when_the_number_was_issued_again(office, staff, kiosk, clock, c):
    """A wrapped range reissues numbers that ended: two people never wait under one number."""
    add_category(office, "tiny", 1, 2, counters=(1,))
    a = services.ticket_issue(actor=kiosk, office_code="demo", category_code="tiny")
    services.ticket_issue(actor=kiosk, office_code="demo", category_code="tiny")
    no_show(staff, c(1), a)
    again = services.ticket_issue(actor=kiosk, office_code="demo", category_code="tiny")
    assert again.number == a.number == 1
    with pytest.raises(Conflict) as exc:
        services.ticket_reinstate(actor=staff, ticket_id=a.public_id)
    assert exc.value.code == "number_in_use"


def test_reinstate_is_for_staff_of_the_office(issue, staff, c, kiosk, office):
    t = issue()
    no_show(staff, c(1), t)
    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    for actor in (kiosk, staff_actor(other)):
        with pytest.raises(Forbidden):
            services.ticket_reinstate(actor=actor, ticket_id=t.public_id)


def test_reinstate_api(issue, staff, c, clock):
    client = Client()
    t = issue()
    no_show(staff, c(1), t)
    response = client.post(f"{API}/tickets/{t.public_id}/reinstate", **STAFF)
    assert response.status_code == 200, response.content
    assert response.json()["ticket"]["state"] == "waiting"
    assert client.post(f"{API}/tickets/{t.public_id}/reinstate", **STAFF).json()["code"] == "illegal_transition"
    assert client.post(f"{API}/tickets/{t.public_id}/reinstate").status_code == 401
    services.ticket_call(actor=staff, counter_id=c(1), ticket_id=t.public_id)
    services.ticket_no_show(actor=staff, counter_id=c(1))
    clock.advance(days=1)
    response = client.post(f"{API}/tickets/{t.public_id}/reinstate", **STAFF)
    assert response.status_code == 409 and response.json()["code"] == "ticket_expired"


# ------------------------------------------------------------------ the lobby display's list


def test_board_lists_no_shows_called_in_the_last_30_minutes(issue, staff, c, clock):
    a, b, d = issue(), issue(), issue()
    no_show(staff, c(1), b)
    clock.advance(minutes=20)
    no_show(staff, c(1), a)
    office = a.office
    assert selectors.board_snapshot(office)["missed"] == [1001, 1002]
    # Each leaves the list 30 minutes after its call (the display drops it then by itself).
    assert selectors.board_snapshot(office)["missed_until"] == ["2025-04-01T09:53:00+09:00",
                                                               "2025-04-01T09:33:00+09:00"]
    clock.advance(minutes=11)  # 1002 was called 31 minutes ago
    assert selectors.board_snapshot(office)["missed"] == [1001]
    services.ticket_reinstate(actor=staff, ticket_id=a.public_id)  # came back: off the list
    assert selectors.board_snapshot(office)["missed"] == []
    assert d.state == TicketState.WAITING


def test_display_shows_missed_numbers_in_its_languages(client, issue, staff, c):
    t = issue()
    html = client.get("/o/demo/display/").content.decode()
    assert "data-missed-section hidden" in html
    no_show(staff, c(1), t)
    html = client.get("/o/demo/display/").content.decode()
    assert "お呼びしましたがお越しでない番号" in html
    assert '<li data-until="2025-04-01T09:31:00+09:00">1001</li>' in html
    assert "data-missed-section hidden" not in html
    # display.js alternates the display's language with English: both texts are on the page.
    assert "Called but not yet at the counter" in html
    html = client.get("/o/demo/display/?lang=vi").content.decode()
    assert "Số đã gọi nhưng chưa đến quầy" in html and ">1001</li>" in html


def test_missed_numbers_reach_the_public_api_board(client, issue, staff, c):
    no_show(staff, c(1), issue())
    assert client.get(f"{API}/offices/demo/board").json()["missed"] == [1001]


# ------------------------------------------------------------------ route (section 4)


@pytest.mark.parametrize("state", ["waiting", "held", "called"])
def test_route_moves_an_active_ticket_keeping_its_place(issue, staff, c, office, state, received,
                                                        django_capture_on_commit_callbacks):
    early = issue("moving")
    cert = issue("certificates")
    if state != "waiting":
        services.ticket_call(actor=staff, counter_id=c(1), ticket_id=early.public_id)
    if state == "held":
        services.ticket_hold(actor=staff, counter_id=c(1))
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.ticket_route(actor=staff, ticket_id=early.public_id,
                                      category_code="certificates", ref="case:123")
    expected_state = TicketState.HELD if state == "held" else TicketState.WAITING
    assert (moved.state, moved.counter_id) == (expected_state, None)
    moved.refresh_from_db()
    assert moved.category_id == category(office, "certificates").pk
    assert moved.issued_category_id == category(office, "moving").pk
    assert moved.issued_at == dt.datetime(2025, 4, 1, 9, 0, tzinfo=JST)
    event = TicketEvent.objects.filter(ticket=early).last()
    assert (event.kind, event.from_state, event.to_state) == ("transferred", state, expected_state)
    assert event.detail == {"from_category": category(office, "moving").pk, "ref": "case:123"}
    assert event.counter_id == (c(1) if state == "called" else None)
    assert event.actor_user_id == staff.user_id
    routed = [e for e in received if e.kind == hooks.ROUTED]
    assert [(e.ticket_id, e.ref, e.category_id) for e in routed] == [
        (early.public_id, "case:123", category(office, "certificates").pk)]
    if state != "held":  # issued before 2001: the certificates counter calls it first
        assert services.ticket_call_next(actor=staff, counter_id=c(6)).pk == early.pk
    else:
        assert services.ticket_call_next(actor=staff, counter_id=c(6)).pk == cert.pk


def test_a_routed_called_ticket_frees_its_counter(issue, staff, c):
    t, nxt = issue(), issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    services.ticket_route(actor=staff, ticket_id=t.public_id, category_code="seal")
    assert selectors.counter_queue(Ticket.objects.get(pk=t.pk).office.counters.get(number=1))["current"] is None
    # The counter calls the next without finishing anything (the routed ticket is not 'done').
    assert services.ticket_call_next(actor=staff, counter_id=c(1)).pk == nxt.pk
    assert not TicketEvent.objects.filter(ticket=t, kind="done").exists()


def test_route_refusals(issue, staff, c, clock, office):
    t = issue()
    with pytest.raises(Conflict) as exc:
        services.ticket_route(actor=staff, ticket_id=t.public_id, category_code="moving")
    assert exc.value.code == "same_category"
    with pytest.raises(NotFound) as exc:
        services.ticket_route(actor=staff, ticket_id=t.public_id, category_code="nothing")
    assert exc.value.code == "category_not_found"
    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    with pytest.raises(NotFound):  # another office's category of the same code is not ours
        services.ticket_route(actor=staff, ticket_id=t.public_id, category_code="x")
    with pytest.raises(Forbidden):
        services.ticket_route(actor=staff_actor(other), ticket_id=t.public_id, category_code="seal")
    services.ticket_cancel(actor=staff, ticket_id=t.public_id)
    with pytest.raises(Conflict) as exc:
        services.ticket_route(actor=staff, ticket_id=t.public_id, category_code="seal")
    assert exc.value.code == "illegal_transition"
    old = issue()
    clock.advance(days=1)
    with pytest.raises(Conflict) as exc:
        services.ticket_route(actor=staff, ticket_id=old.public_id, category_code="seal")
    assert exc.value.code == "ticket_expired"
    assert Category.objects.filter(office=office, code="x").count() == 0


def test_transfer_still_works_on_top_of_route(issue, staff, c, office):
    t = issue()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    moved = services.ticket_transfer(actor=staff, counter_id=c(1), category_code="seal")
    assert (moved.state, moved.category.code) == (TicketState.WAITING, "seal")
    event = TicketEvent.objects.filter(ticket=t).last()
    assert event.detail == {"from_category": category(office, "moving").pk}


def test_route_api(issue, staff, c, office):
    client = Client()
    t = issue()
    url = f"{API}/tickets/{t.public_id}/route"
    response = client.post(url, {"category": "seal", "ref": "case:9"}, content_type="application/json", **STAFF)
    assert response.status_code == 200, response.content
    assert response.json()["ticket"]["category"] == "seal"
    assert TicketEvent.objects.filter(ticket=t).last().detail["ref"] == "case:9"
    response = client.post(url, {"category": "seal"}, content_type="application/json", **STAFF)
    assert response.status_code == 409 and response.json()["code"] == "same_category"
    response = client.post(url, {"category": "moving"}, content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer demo-kiosk")
    assert response.status_code == 403
    response = client.post(url, {"category": "moving", "ref": "x" * 101}, content_type="application/json",
                           **STAFF)
    assert response.status_code == 422


def test_counter_screen_lists_recent_no_shows_and_calls_one_back(client, issue, staff, staff_user, c):
    t = issue()
    no_show(staff, c(1), t)
    client.force_login(staff_user)
    html = client.get(f"/o/demo/counter/{c(2)}/panel/").content.decode()
    assert "不在（最近30分）" in html and t.public_id in html
    html = client.get(f"/o/demo/counter/{c(6)}/panel/").content.decode()
    assert t.public_id not in html  # certificates only: not this counter's visitor
    response = client.post(f"/o/demo/counter/{c(2)}/call/", {"ticket": t.public_id})
    assert "1001番を呼び出しました。" in response.content.decode()
    t.refresh_from_db()
    assert (t.state, t.counter_id) == (TicketState.CALLED, c(2))


def test_counter_screen_calls_a_returning_no_show_while_serving_someone(client, issue, staff, staff_user, c):
    """The clerk is serving 1002 when 1001 comes back: the button names the ticket on screen."""
    gone, serving = issue(), issue()
    no_show(staff, c(1), gone)
    services.ticket_call(actor=staff, counter_id=c(1), ticket_id=serving.public_id)
    client.force_login(staff_user)
    html = client.get(f"/o/demo/counter/{c(1)}/panel/").content.decode()
    missed = html[html.index("data-missed-list"):]
    assert f'"finish_current": "{serving.public_id}"' in missed and "1002番を完了にして、1001番を呼び出しますか" in missed
    client.post(f"/o/demo/counter/{c(1)}/call/", {"ticket": gone.public_id, "finish_current": serving.public_id})
    gone.refresh_from_db()
    serving.refresh_from_db()
    assert (gone.state, serving.state) == (TicketState.CALLED, TicketState.DONE)
