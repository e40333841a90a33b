"""After-commit hooks: other apps learn every queue change once it commits, and only then;
counter open/pause are events in the log with the acting user as a reference."""

import pytest
from django.db import transaction

from madoguchi.queueing import hooks, services
from madoguchi.queueing.models import CounterEvent, CounterEventKind, TicketEvent

from .factories import counter_id


@pytest.fixture
def received():
    seen: list[hooks.QueueEvent] = []
    hooks.subscribe(hooks.ALL, seen.append)
    yield seen
    hooks.unsubscribe(hooks.ALL, seen.append)


def test_each_transition_reaches_subscribers_after_commit(office, kiosk, staff, received,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
        services.ticket_call_next(actor=staff, counter_id=counter_id(office, 1))
        services.ticket_no_show(actor=staff, counter_id=counter_id(office, 1))
    kinds = [(e.kind, e.ticket_id) for e in received if e.ticket_id]
    assert kinds == [(hooks.ISSUED, ticket.public_id), (hooks.CALLED, ticket.public_id),
                     (hooks.NO_SHOW, ticket.public_id)]
    called = next(e for e in received if e.kind == hooks.CALLED)
    row = TicketEvent.objects.get(pk=called.event_id)
    assert row.actor_user_id == staff.user_id and called.actor_user_id == staff.user_id
    issued = TicketEvent.objects.get(pk=received[0].event_id)
    assert issued.actor_token_id == kiosk.token_id and issued.actor_user_id is None


def test_rolled_back_change_is_never_announced(office, kiosk, received,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
                raise RuntimeError("the caller's transaction fails after issuing")
        except RuntimeError:
            pass
    assert [e for e in received if e.kind == hooks.ISSUED] == []


def test_a_failing_subscriber_does_not_stop_the_others(office, kiosk, received,
                                                       django_capture_on_commit_callbacks):
    def broken(event):
        raise ValueError("subscriber bug")

    hooks.subscribe(hooks.ISSUED, broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    finally:
        hooks.unsubscribe(hooks.ISSUED, broken)
    assert [e.kind for e in received] == [hooks.ISSUED]


def test_counter_pause_and_open_are_logged_events(office, staff, received,
                                                  django_capture_on_commit_callbacks):
    desk = counter_id(office, 2)
    with django_capture_on_commit_callbacks(execute=True):
        services.counter_set_open(actor=staff, counter_id=desk, is_open=False)
        services.counter_set_open(actor=staff, counter_id=desk, is_open=False)  # stale second click
        services.counter_set_open(actor=staff, counter_id=desk, is_open=True)
    rows = list(CounterEvent.objects.filter(counter_id=desk).values_list("kind", "actor_user_id"))
    assert rows == [(CounterEventKind.PAUSED, staff.user_id), (CounterEventKind.OPENED, staff.user_id)]
    assert [e.kind for e in received] == [hooks.COUNTER_PAUSED, hooks.COUNTER_OPENED]


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        hooks.subscribe("calld", print)
