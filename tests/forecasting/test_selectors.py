"""The engine's view of a real office: today's queue from the database, every waiting ticket."""

import pytest

from madoguchi.forecasting.selectors import wait_estimates
from madoguchi.queueing import services
from madoguchi.queueing.models import Counter


@pytest.mark.django_db
def test_wait_estimates_of_the_demo_office(office, staff, django_assert_max_num_queries):
    assert wait_estimates(office) == {}
    tickets = [services.ticket_issue(actor=staff, office_code=office.code, category_code="family-register")
               for _ in range(6)]
    counter = Counter.objects.get(office=office, number=5)  # the only family-register counter
    services.ticket_call_next(actor=staff, counter_id=counter.pk)
    with django_assert_max_num_queries(22):  # 20, and the holds and the fast lane's last hour
        estimates = wait_estimates(office, runs=40)
    waiting = [t.pk for t in tickets[1:]]
    assert sorted(estimates) == sorted(waiting)
    p50s = [estimates[pk].p50 for pk in waiting]
    assert [estimates[pk].people_ahead for pk in waiting] == [0, 1, 2, 3, 4]
    assert p50s == sorted(p50s) and p50s[0] > 0  # the counter is busy with the first ticket
    # Four people ahead at about 15 minutes (the prior: no history yet), one counter.
    assert 45 <= p50s[-1] <= 90
    assert all(e.p80 >= e.p50 for e in estimates.values())


    # The clerk finishes and pauses the counter: nobody is called until it is expected back.
    services.ticket_finish(actor=staff, counter_id=counter.pk)
    services.counter_set_open(actor=staff, counter_id=counter.pk, is_open=False)
    paused = wait_estimates(office, runs=40)
    assert paused[waiting[0]].p50 >= 55  # the usual pause (60 minutes with no history of pauses)


@pytest.mark.django_db
def test_the_screens_feed_the_engine_what_the_backtest_replay_feeds_it(office, staff, monkeypatch):
    """Today's pauses (so a counter's lunch is not expected twice), the last hour's fast-lane
    tickets and the share of calls that ended in a hold: the facts estimate_backtest.Replay gives
    the engine, here from the database."""
    from madoguchi.forecasting import selectors
    from madoguchi.queueing.models import Category

    seen = {}
    engine = selectors.estimate_office

    def spy(**kwargs):
        seen.update(kwargs)
        return engine(**kwargs)

    monkeypatch.setattr(selectors, "estimate_office", spy)
    fast = Category.objects.get(office=office, code="fastlane")
    moving = Category.objects.get(office=office, code="moving")
    for _ in range(3):
        services.ticket_issue(actor=staff, office_code=office.code, category_code="fastlane")
    services.ticket_issue(actor=staff, office_code=office.code, category_code="moving")
    four = Counter.objects.get(office=office, number=4)  # fast lane and moving
    services.ticket_call_next(actor=staff, counter_id=four.pk)
    services.ticket_hold(actor=staff, counter_id=four.pk)  # a fast-lane ticket set aside
    one = Counter.objects.get(office=office, number=1)
    services.counter_set_open(actor=staff, counter_id=one.pk, is_open=False)
    selectors.wait_estimates(office, runs=10)
    assert seen["fast_lane_rates"] == {fast.pk: pytest.approx(3 / 60)}
    assert moving.pk not in seen["fast_lane_rates"]
    assert seen["history"].returns(fast.pk) == 0.0  # one call: too few to tell
    by_id = {c.id: c for c in seen["counters"]}
    assert by_id[one.pk].paused_today and not by_id[four.pk].paused_today
    for _ in range(20):  # enough calls of the fast lane, one in ten ending in a hold
        services.ticket_issue(actor=staff, office_code=office.code, category_code="fastlane")
    for i in range(19):
        services.ticket_call_next(actor=staff, counter_id=four.pk)
        if i % 10 == 0:
            services.ticket_hold(actor=staff, counter_id=four.pk)
        else:
            services.ticket_finish(actor=staff, counter_id=four.pk)
    selectors.wait_estimates(office, runs=10)
    assert seen["history"].returns(fast.pk) == pytest.approx(3 / 20)
