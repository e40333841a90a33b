"""The wait estimate's history kept between changes (forecasting/office_history.py): a process
that has kept it through any number of changes computes exactly what a new process computes
from the database (the same services, paces, rota and waits), at once after each change — a
service finished today, past days written by ``history_append``, a ticket of yesterday finished
after midnight, an event that committed late, the next business day."""

import datetime as dt
from contextlib import contextmanager

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.core.timeutil import JST, business_date
from madoguchi.forecasting import office_history
from madoguchi.forecasting.selectors import office_waits
from madoguchi.queueing import estimates, services
from madoguchi.queueing.models import Category, Office, Ticket, TicketEvent, TicketState

from ..queueing.factories import call_next, clock_fixture, counter_id  # noqa: F401 (clock_fixture)

pytestmark = pytest.mark.usefixtures("clock")


@contextmanager
def new_process():
    """What another server process, with nothing kept yet, reads."""
    kept = dict(office_history._offices)
    office_history._offices.clear()
    try:
        yield
    finally:
        office_history._offices.clear()
        office_history._offices.update(kept)


def history_of(office):
    """The engine's History (samples, paces) and rota as the estimate reads them now."""
    office = Office.objects.get(pk=office.pk)
    categories = list(Category.objects.filter(office=office).values_list("pk", flat=True))
    history, rota = office_history.office_history(office.pk, today=business_date(), stamp=office.history_stamp,
                                                  categories=categories, calibrated=None)
    return ({c: list(s) for c, s in history.service.items() if s}, {c: list(p) for c, p in history.pace.items()},
            rota)


def kept_and_new(office, clock):
    kept = (history_of(office), office_waits(office.pk, clock()))
    with new_process():
        fresh = (history_of(office), office_waits(office.pk, clock()))
    return kept, fresh


def assert_same_as_a_new_process(office, clock):
    kept, fresh = kept_and_new(office, clock)
    assert kept[0] == fresh[0]  # services, paces, rota
    assert kept[1] == fresh[1]  # every waiting ticket's and every new ticket's wait
    return kept


@pytest.fixture
def issue(office, kiosk):
    return lambda code: services.ticket_issue(actor=kiosk, office_code="demo", category_code=code)


def serve(office, clock, issue, *, code="certificates", counters=(6, 7), n=20, minutes=(3, 5, 8, 4)):
    """``n`` services of ``code`` at ``counters`` in turn, of varied lengths."""
    for i in range(n):
        issue(code)
        call_next(SYSTEM, counter_id(office, counters[i % len(counters)]))
        clock.advance(minutes=minutes[i % len(minutes)])


def test_kept_through_every_kind_of_change_it_is_what_a_new_process_reads(office, issue, clock):
    serve(office, clock, issue, n=24)
    before = assert_same_as_a_new_process(office, clock)
    assert before[0][0][Category.objects.get(office=office, code="certificates").pk]
    steps = [
        lambda: issue("certificates"),
        lambda: call_next(SYSTEM, counter_id(office, 6)),  # a service finished: certificates' window moves
        lambda: issue("moving"),
        lambda: call_next(SYSTEM, counter_id(office, 1)),
        lambda: call_next(SYSTEM, counter_id(office, 1)),  # moving's first service of the day
        lambda: services.ticket_no_show(actor=SYSTEM, counter_id=counter_id(office, 7)),
        lambda: services.ticket_transfer(actor=SYSTEM, counter_id=counter_id(office, 6), category_code="seal"),
        lambda: call_next(SYSTEM, counter_id(office, 7)),
        lambda: call_next(SYSTEM, counter_id(office, 8)),
        lambda: call_next(SYSTEM, counter_id(office, 8)),  # the transferred ticket served as seal
        lambda: services.ticket_finish(actor=SYSTEM, counter_id=counter_id(office, 7)),
        lambda: services.counter_set_open(actor=SYSTEM, counter_id=counter_id(office, 7), is_open=False),
    ]
    seen = [before]
    for step in steps:
        clock.advance(minutes=7)
        step()
        seen.append(assert_same_as_a_new_process(office, clock))
    # The changes changed the history the estimate reads (not one kept copy shown throughout).
    assert len({repr(s[0][0]) for s in seen}) >= 4


def test_long_services_finished_now_lengthen_the_waits_at_once(office, issue, clock):
    serve(office, clock, issue, counters=(6,), n=16, minutes=(2,))
    for _ in range(6):
        issue("certificates")
    certificates = Category.objects.get(office=office, code="certificates").pk
    call_next(SYSTEM, counter_id(office, 6))
    before = office_waits(office.pk, clock())
    for _ in range(4):  # four services of an hour each; as many tickets come, so six still wait
        clock.advance(minutes=60)
        issue("certificates")
        call_next(SYSTEM, counter_id(office, 6))
    after = office_waits(office.pk, clock())
    assert after.new_ticket[certificates].p50 > before.new_ticket[certificates].p50
    assert after.new_ticket[certificates].p80 > before.new_ticket[certificates].p80
    assert_same_as_a_new_process(office, clock)


def test_past_days_written_by_history_append_are_read_at_once(office, issue, clock):
    from madoguchi.forecasting.demo_history import ACTOR, simulated_days

    serve(office, clock, issue, n=4)
    kept = assert_same_as_a_new_process(office, clock)
    today = business_date()
    services.history_append(actor=ACTOR, office_code="demo",
                            days=simulated_days(office, today - dt.timedelta(days=3), today - dt.timedelta(days=1)))
    now = assert_same_as_a_new_process(office, clock)
    moving = Category.objects.get(office=office, code="moving").pk
    assert moving not in kept[0][0] and len(now[0][0][moving]) > 20  # the past's services now count
    assert now[0][2] and not kept[0][2]  # and the last day's lunch rota


def test_a_ticket_of_yesterday_finished_after_midnight_is_read_at_once(office, issue, clock):
    clock.set(dt.datetime(2025, 4, 1, 23, 0, tzinfo=JST))
    serve(office, clock, issue, n=16, minutes=(1, 2))
    issue("certificates")
    clock.set(dt.datetime(2025, 4, 1, 23, 58, tzinfo=JST))
    call_next(SYSTEM, counter_id(office, 6))  # called at 23:58 on Tuesday
    clock.set(dt.datetime(2025, 4, 2, 0, 5, tzinfo=JST))
    late = Ticket.objects.get(counter_id=counter_id(office, 6), state=TicketState.CALLED)
    assert late.business_date == dt.date(2025, 4, 1) and business_date() == dt.date(2025, 4, 2)
    issue("moving")
    kept = assert_same_as_a_new_process(office, clock)
    clock.advance(minutes=45)
    services.ticket_finish(actor=SYSTEM, counter_id=counter_id(office, 6))  # at 0:50 on Wednesday
    now = assert_same_as_a_new_process(office, clock)
    certificates = Category.objects.get(office=office, code="certificates").pk
    assert now[0][0][certificates][-1] == 52 != kept[0][0][certificates][-1]


def test_an_event_committed_after_a_newer_one_read_is_not_missed(office, issue, clock):
    """In PostgreSQL an event with a smaller id can commit after a larger one was read: the count
    of today's 完了 events tells, and today's services are read again."""
    serve(office, clock, issue, n=16)
    assert_same_as_a_new_process(office, clock)
    issue("certificates")
    clock.advance(minutes=30)
    call_next(SYSTEM, counter_id(office, 6))  # finishes a 30-minute service
    done = TicketEvent.objects.filter(office=office, kind="done").latest("id")
    # As if a newer event had been read while this one was not yet committed:
    office_history._offices[office.pk].last_event = done.pk + 1
    kept, fresh = kept_and_new(office, clock)
    assert kept == fresh
    certificates = Category.objects.get(office=office, code="certificates").pk
    assert kept[0][0][certificates][-1] == Ticket.objects.get(pk=done.ticket_id).service_seconds / 60 > 30


def test_the_next_business_day_reads_the_past_again(office, issue, clock):
    serve(office, clock, issue, n=16)
    monday = assert_same_as_a_new_process(office, clock)
    clock.set(clock.at + dt.timedelta(days=1))
    issue("certificates")
    tuesday = assert_same_as_a_new_process(office, clock)
    assert tuesday[0][0] == monday[0][0]  # yesterday's services are today's past
    assert office_history._offices[office.pk].key[0] == business_date()


def test_clearing_the_estimates_clears_the_kept_history(office, issue, clock):
    serve(office, clock, issue, n=2)
    office_waits(office.pk, clock())
    assert office_history._offices
    estimates.clear_cache()
    assert not office_history._offices


def week_calls(office):
    office = Office.objects.get(pk=office.pk)
    today = business_date()
    return office_history.calls_before_today(office.pk, today=today, stamp=office.history_stamp,
                                             since=today - dt.timedelta(days=7), kinds=("called", "held"))


def test_the_past_weeks_calls_and_holds_are_read_again_when_the_past_changes(office, issue, clock):
    """The share of holds (the last week's calls and holds) keeps the days before today like the
    services: history_append, or a ticket of yesterday held after midnight, is read at once."""
    from madoguchi.forecasting.demo_history import ACTOR, simulated_days

    clock.set(dt.datetime(2025, 4, 1, 23, 50, tzinfo=JST))
    issue("certificates")
    call_next(SYSTEM, counter_id(office, 6))  # called at 23:50 on Tuesday
    clock.set(dt.datetime(2025, 4, 2, 9, 0, tzinfo=JST))
    serve(office, clock, issue, counters=(7,), n=2)
    kept = assert_same_as_a_new_process(office, clock)
    assert week_calls(office) == {(Category.objects.get(office=office, code="certificates").pk, "called"): 1}
    services.ticket_hold(actor=SYSTEM, counter_id=counter_id(office, 6))  # Tuesday's ticket, held today
    with new_process():
        fresh = week_calls(office)
    assert week_calls(office) == fresh and len(fresh) == 2
    today = business_date()
    services.history_append(actor=ACTOR, office_code="demo",  # Tuesday has its ticket: the days before
                            days=simulated_days(office, today - dt.timedelta(days=6), today - dt.timedelta(days=2)))
    with new_process():
        fresh = week_calls(office)
    assert week_calls(office) == fresh and sum(fresh.values()) > 100
    assert assert_same_as_a_new_process(office, clock) != kept
