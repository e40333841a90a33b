"""The estimate engine's guarantees: never negative, a floor per person ahead, P80 ≥ P50,
monotone in people ahead; the prior with no history; planned pauses; calibration; and the
effects it models, each in the direction a citizen would see."""

import pytest

from madoguchi.forecasting.estimate import (
    MIN_MINUTES_PER_PERSON,
    CounterState,
    History,
    WaitingTicket,
    estimate_queue,
    rota_today,
)

PRIORS = {"moving": 12.0, "fast": 6.0, "certs": 5.0}
NO_PRIOR = {"moving": 0.0, "fast": 0.0, "certs": 0.0}  # no 標準処理時間 mixed into the history's draws


def counters(*, busy_since=None):
    return [
        CounterState("1", frozenset({"moving"}), busy_category="moving" if busy_since is not None else None,
                     busy_since=busy_since),
        CounterState("2", frozenset({"moving", "fast"})),
        CounterState("3", frozenset({"certs"}), is_open=False, paused_since=-10.0),
        CounterState("4", frozenset({"certs", "moving"})),
    ]


def history(samples=True):
    h = History()
    if samples:
        for i in range(40):
            h.add_service("moving", 4 + (i * 7) % 17)
            h.add_service("certs", 1 + (i * 3) % 7)
    return h


CATS = ["moving", "certs", "moving", "fast", "moving", "certs", "moving", "moving"]


def queue_of(n, last="moving", cats=CATS):
    q = [WaitingTicket((c != "fast", i, i), c) for i, c in enumerate((cats * 5)[:n])]
    return q + [WaitingTicket((last != "fast", n, n), last)]


@pytest.mark.parametrize("with_history", [True, False])
def test_never_negative_above_the_floor_and_p80_at_least_p50(with_history):
    for n in range(0, 25, 3):
        for e in estimate_queue(now=0.0, queue=queue_of(n), counters=counters(busy_since=-3.0),
                                history=history(with_history), priors=PRIORS, runs=60, seed=n):
            assert e.p50 >= 0
            assert e.p50 >= e.people_ahead * MIN_MINUTES_PER_PERSON
            assert e.p80 >= e.p50


@pytest.mark.parametrize("last", ["moving", "certs"])
def test_monotone_in_people_ahead(last):
    """One more person ahead (arrived after the others) never shortens the estimate."""
    previous = None
    for n in range(0, 30):
        mine = estimate_queue(now=0.0, queue=queue_of(n, last, [c for c in CATS if c != "fast"]),
                              counters=counters(busy_since=-2.0),
                              history=history(), priors=PRIORS, runs=60, seed=7)[-1]
        if previous is not None and mine.people_ahead >= previous.people_ahead:
            assert mine.p50 >= previous.p50 and mine.p80 >= previous.p80, n
        previous = mine
    assert previous.p50 > 10  # a long queue waits


def test_later_tickets_of_a_category_wait_longer():
    q = queue_of(30)
    estimates = estimate_queue(now=0.0, queue=q, counters=counters(), history=history(), priors=PRIORS,
                               runs=60, seed=1)
    moving = [e.p50 for t, e in sorted(zip(q, estimates, strict=True), key=lambda x: x[0].key)
              if t.category == "moving"]
    assert moving == sorted(moving) and moving[-1] > moving[0]


def test_with_no_history_the_prior_decides():
    one = [CounterState("1", frozenset({"moving"}))]
    q = [WaitingTicket((True, i, i), "moving") for i in range(5)]
    last = estimate_queue(now=0.0, queue=q, counters=one, history=History(), priors=PRIORS, runs=200,
                          seed=3)[-1]
    assert last.people_ahead == 4
    assert 35 <= last.p50 <= 55  # four people at about 12 minutes each
    assert last.p80 > last.p50


def test_a_planned_pause_delays_the_call():
    q = [WaitingTicket((True, 0, 0), "moving")]
    open_now = [CounterState("1", frozenset({"moving"}))]
    lunch = [CounterState("1", frozenset({"moving"}), planned_pauses=((0.0, 60.0),))]
    free = estimate_queue(now=0.0, queue=q, counters=open_now, history=history(), priors=PRIORS, runs=30)
    paused = estimate_queue(now=0.0, queue=q, counters=lunch, history=history(), priors=PRIORS, runs=30)
    assert free[0].p80 == 0 and paused[0].p50 == 60


def test_calibration_moves_the_p80_level():
    h = history()
    assert h.levels() == (0.5, 0.8)
    for i in range(100):  # real waits always above what was predicted
        h.add_outcome([1.0, 2.0, 3.0, 4.0], 3.5 + (i % 3))
    level50, level80 = h.levels()
    assert level50 > 0.5 and level80 > 0.8


def test_instant_services_still_count_each_person_ahead():
    """A clerk pressing 次を呼出 twice records services of ~0 s; the estimate keeps a floor."""
    h = History()
    for _ in range(30):
        h.add_service("moving", 0.0)
    q = [WaitingTicket((True, i, i), "moving") for i in range(9)]
    # (No 標準処理時間 to mix in: the recorded services alone.)
    last = estimate_queue(now=0.0, queue=q, counters=counters(busy_since=0.0), history=h, priors=NO_PRIOR,
                          runs=30)[-1]
    assert last.people_ahead == 8 and last.p50 == pytest.approx(8 * MIN_MINUTES_PER_PERSON)


def test_a_slow_clerk_makes_the_wait_longer():
    h = history()
    for _ in range(40):  # the category's services: counter 1 takes twice as long as counter 2
        h.add_service("moving", 20.0, counter="1")
        h.add_service("moving", 10.0, counter="2")
    q = [WaitingTicket((True, i, i), "moving") for i in range(4)]

    def wait_at(counter_id):
        one = [CounterState(counter_id, frozenset({"moving"}))]
        return estimate_queue(now=0.0, queue=q, counters=one, history=h, priors=PRIORS, runs=60)[-1].p50

    assert wait_at("1") > 1.4 * wait_at("2")


def steady(minutes, n=60, category="moving"):
    """A history of ``n`` services of exactly ``minutes`` (its mean is then the prior's too)."""
    h = History()
    for _ in range(n):
        h.add_service(category, minutes)
    return h


def one_counter(**kw):
    return [CounterState("1", frozenset({"moving"}), **kw)]


def test_a_clerk_busy_when_the_pause_is_due_finishes_and_then_pauses_the_whole_length():
    """Lunch planned 10–70; the first citizen is served 0–12, so the clerk is away 12–72."""
    q = [WaitingTicket((True, i, i), "moving") for i in range(2)]
    waits = estimate_queue(now=0.0, queue=q, counters=one_counter(planned_pauses=((10.0, 70.0),)),
                           history=steady(12.0), priors=NO_PRIOR, runs=20)
    assert waits[1].p50 == pytest.approx(72.0)


def test_a_pause_taken_today_is_not_expected_again():
    assert rota_today([(690.0, 750.0), (900.0, 915.0)], [700.0]) == ((900.0, 915.0),)  # lunch taken late
    assert rota_today([(690.0, 750.0)], [620.0]) == ((690.0, 750.0),)  # an early errand is not lunch
    assert rota_today([(690.0, 750.0)], []) == ((690.0, 750.0),)


def test_on_the_first_day_the_counters_yet_to_pause_take_theirs_when_the_first_shift_is_back():
    """No rota learned: two of four counters went on a pause 10 minutes ago (back in 50, the
    usual 60); the two still open are expected to pause then, unless they paused already."""
    cats = frozenset({"moving"})

    def office(paused_today):
        return [CounterState("1", cats, is_open=False, paused_since=-10.0),
                CounterState("2", cats, is_open=False, paused_since=-10.0),
                CounterState("3", cats, paused_today=paused_today),
                CounterState("4", cats, paused_today=paused_today)]

    q = [WaitingTicket((True, i, i), "moving") for i in range(16)]
    expected = estimate_queue(now=0.0, queue=q, counters=office(False), history=steady(12.0), priors=NO_PRIOR,
                              runs=20)
    taken = estimate_queue(now=0.0, queue=q, counters=office(True), history=steady(12.0), priors=NO_PRIOR,
                           runs=20)
    # Counters 3 and 4 serve two at a time from 0 (12 minutes each) to 60; 1 and 2 are back at 50.
    # Expected to pause from 60 (after the citizens they are serving at 50) for 60 minutes, 3 and
    # 4 leave the last four tickets to 1 and 2 (called at 62 and 74), instead of taking two at 60.
    assert expected[-1].p50 == pytest.approx(74.0)
    assert taken[-1].p50 == pytest.approx(62.0)


def test_a_service_that_outlasted_the_short_ones_is_one_of_the_long_ones():
    """Half the services take 2 minutes, half 30: after 5 minutes at the counter the citizen is
    one of the 30-minute ones, so the next ticket waits about 25 minutes more."""
    h = History()
    for i in range(60):
        h.add_service("moving", 2.0 if i % 2 else 30.0)
    q = [WaitingTicket((True, 0, 0), "moving")]
    wait = estimate_queue(now=0.0, queue=q, counters=one_counter(busy_category="moving", busy_since=-5.0),
                          history=h, priors={"moving": 16.0}, runs=60)[0]
    assert wait.p50 > 20


def test_few_services_are_mixed_with_the_standard_time():
    """20 services of 30 minutes and a 標準処理時間 of 10 weighing as 30 services: the draws
    average (20×30 + 30×10)/50 = 18 minutes; with 300 services the history speaks for itself."""
    import statistics

    q = [WaitingTicket((True, 0, 0), "moving"), WaitingTicket((True, 1, 1), "moving")]
    few = estimate_queue(now=0.0, queue=q, counters=one_counter(), history=steady(30.0, n=20),
                         priors={"moving": 10.0}, runs=400)[1]
    assert statistics.fmean(few.samples) == pytest.approx(18.0, rel=0.1)
    many = estimate_queue(now=0.0, queue=q, counters=one_counter(), history=steady(30.0, n=300),
                          priors={"moving": 10.0}, runs=400)[1]
    assert statistics.fmean(many.samples) == pytest.approx((300 * 30 + 30 * 10) / 330, rel=0.05)
    assert many.p50 == 30.0


def test_tickets_put_on_hold_come_back_before_the_ones_behind_them():
    q = [WaitingTicket((True, i, i), "moving") for i in range(5)]
    never, often = steady(12.0), steady(12.0)
    for i in range(100):
        never.add_call("moving", held=False)
        often.add_call("moving", held=i % 5 == 0)  # one call in five ends in a hold
    assert often.returns("moving") == pytest.approx(0.2)
    plain = estimate_queue(now=0.0, queue=q, counters=one_counter(), history=never, priors=NO_PRIOR, runs=20)
    held = estimate_queue(now=0.0, queue=q, counters=one_counter(), history=often, priors=NO_PRIOR, runs=20)
    assert plain[-1].p50 == pytest.approx(48.0)
    assert held[-1].p50 == pytest.approx(48.0 * 1.2)


def test_new_fast_lane_tickets_take_the_shared_counter_from_the_others():
    """Counter 1 serves the fast lane and moving: fast-lane tickets arriving every 24 minutes
    (6 minutes each) take a quarter of it, so the moving tickets wait a third longer; a
    fast-lane ticket's own wait does not change (the new ones come behind it)."""
    h = steady(12.0)
    for _ in range(60):
        h.add_service("fast", 6.0)
    shared = [CounterState("1", frozenset({"moving", "fast"}))]
    q = [WaitingTicket((False, 0, 0), "fast")] + [WaitingTicket((True, i, i), "moving") for i in range(1, 5)]
    calm = estimate_queue(now=0.0, queue=q, counters=shared, history=h, priors=NO_PRIOR, runs=20)
    busy = estimate_queue(now=0.0, queue=q, counters=shared, history=h, priors=NO_PRIOR, runs=20,
                          fast_lane_rates={"fast": 1 / 24})
    assert calm[-1].p50 == pytest.approx(6 + 3 * 12.0)
    assert busy[-1].p50 == pytest.approx(6 + 3 * 12.0 * 4 / 3)
    assert busy[0].p50 == calm[0].p50 == 0


def test_the_pace_of_the_only_clerk_of_a_category_is_not_counted_twice():
    """Counter 1 is slower than counter 2 at moving; certificates are its alone, and their 10
    minutes already are its pace: two people ahead wait about 20 minutes, not 20 × its pace."""
    h = History()
    for _ in range(40):
        h.add_service("moving", 20.0, counter="1")
        h.add_service("moving", 10.0, counter="2")
    for _ in range(40):
        h.add_service("certs", 10.0, counter="1")
    assert h.pace_of("1") > 1.1
    q = [WaitingTicket((True, i, i), "certs") for i in range(3)]
    alone = [CounterState("1", frozenset({"certs", "moving"})), CounterState("2", frozenset({"moving"}))]
    waits = estimate_queue(now=0.0, queue=q, counters=alone, history=h, priors=NO_PRIOR, runs=20)
    assert 20.0 <= waits[-1].p50 < 20.0 * 1.05 < 20.0 * h.pace_of("1")
