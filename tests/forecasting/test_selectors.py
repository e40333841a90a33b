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
