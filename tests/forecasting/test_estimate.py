"""The estimate engine's guarantees: never negative, a floor per person ahead, P80 ≥ P50,
monotone in people ahead; the prior with no history; planned pauses; calibration."""

import pytest

from madoguchi.forecasting.estimate import (
    MIN_MINUTES_PER_PERSON,
    CounterState,
    History,
    WaitingTicket,
    estimate_queue,
)

PRIORS = {"moving": 12.0, "fast": 6.0, "certs": 5.0}


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
    last = estimate_queue(now=0.0, queue=q, counters=counters(busy_since=0.0), history=h, priors=PRIORS,
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
