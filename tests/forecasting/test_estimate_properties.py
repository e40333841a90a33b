"""The engine's guarantees as properties over generated offices (hypothesis): never negative,
never below people ahead × ``MIN_MINUTES_PER_PERSON``, P80 ≥ P50, monotone in people ahead (one
more ticket joining just ahead never shortens a wait), and the board's probe (a ticket issued
now) is exactly what that ticket is then shown. The test counts the kinds of state it reached
and fails if the generator stopped reaching one of them."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.forecasting.estimate import (
    MIN_MINUTES_PER_PERSON,
    CounterState,
    History,
    WaitingTicket,
    estimate_office,
)

CATEGORIES = ["a", "b", "c", "fast"]
PRIORS = {"a": 10.0, "b": 4.0, "c": 6.0, "fast": 5.0}
RUNS = 30

REACHED: set[str] = set()
MUST_REACH = {"no history", "history with zero-length services", "busy counter", "paused counter",
              "planned pause ahead", "shared counters", "no counter serves", "fast lane",
              "10 or more ahead", "P80 above P50", "monotone step that waits longer"}


@st.composite
def offices(draw):
    n = draw(st.integers(1, 4))
    counters = []
    for i in range(n):
        served = draw(st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=3))
        is_open = draw(st.booleans()) if i else True
        busy = draw(st.sampled_from([None, *sorted(served)])) if is_open else None
        pauses = ((draw(st.floats(0, 30)), draw(st.floats(31, 90))),) if draw(st.booleans()) else ()
        counters.append(CounterState(
            str(i), frozenset(served), is_open=is_open, busy_category=busy,
            busy_since=-draw(st.floats(0, 20)) if busy else None,
            paused_since=None if is_open else -draw(st.floats(0, 50)), planned_pauses=pauses))
    history = History()
    for category in draw(st.sets(st.sampled_from(CATEGORIES))):
        zeros = draw(st.booleans())
        for k in range(draw(st.integers(0, 40))):
            history.add_service(category, 0.0 if zeros and k % 3 == 0 else 1.0 + (k * 7) % 13,
                                counter=str(k % n))
    cats = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=25))
    queue = [WaitingTicket((c != "fast", float(i), i), c) for i, c in enumerate(cats)]
    seed = draw(st.integers(0, 3))
    return counters, history, queue, seed


def note_reached(counters, history, queue, results):
    lengths = [len(v) for v in history.service.values()]
    if not any(n >= 15 for n in lengths):
        REACHED.add("no history")
    if any(0.0 in v for v in history.service.values()):
        REACHED.add("history with zero-length services")
    if any(c.busy_category for c in counters):
        REACHED.add("busy counter")
    if any(not c.is_open for c in counters):
        REACHED.add("paused counter")
    if any(c.planned_pauses for c in counters):
        REACHED.add("planned pause ahead")
    if any(len(c.categories) > 1 for c in counters) and len(counters) > 1:
        REACHED.add("shared counters")
    served = set().union(*(c.categories for c in counters))
    if any(t.category not in served for t in queue):
        REACHED.add("no counter serves")
    if any(t.category == "fast" for t in queue):
        REACHED.add("fast lane")
    if any(e.people_ahead >= 10 for e in results):
        REACHED.add("10 or more ahead")
    if any(e.p80 > e.p50 for e in results):
        REACHED.add("P80 above P50")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offices(), st.integers(0, 24))
def check_the_guarantees(office, where):
    counters, history, queue, seed = office
    where = min(where, len(queue) - 1)

    def run(q, probes=()):
        return estimate_office(now=0.0, queue=q, counters=counters, history=history, priors=PRIORS,
                               runs=RUNS, seed=seed, probes=probes)

    results, _ = run(queue)
    for e in results:
        assert e.p50 >= 0
        assert e.p50 >= e.people_ahead * MIN_MINUTES_PER_PERSON - 1e-9
        assert e.p80 >= e.p50
    note_reached(counters, history, queue, results)

    # One more ticket joining just ahead of ``queue[where]`` (between it and the one before).
    mine = queue[where]
    before = queue[where - 1].key if where else (mine.key[0], mine.key[1] - 1.0, -1)
    joining = WaitingTicket((mine.key[0], (before[1] + mine.key[1]) / 2, mine.key[2] - 0.5), queue[0].category)
    if joining.key[0] != mine.key[0] or not (before < joining.key < mine.key):
        return
    longer, _ = run([*queue, joining])
    old, new = results[where], longer[where]
    if new.people_ahead >= old.people_ahead:
        assert new.p50 >= old.p50 - 1e-9 and new.p80 >= old.p80 - 1e-9
        if new.p50 > old.p50:
            REACHED.add("monotone step that waits longer")

    # The board's probe is what a ticket issued now (after every other) is shown once issued.
    last = max(t.key for t in queue)
    category = queue[where].category
    probe = WaitingTicket((last[0], last[1] + 1.0, last[2] + 1), category)
    _, (probed,) = run(queue, probes=[probe])
    issued, _ = run([*queue, probe])
    assert (probed.p50, probed.p80, probed.people_ahead) == (issued[-1].p50, issued[-1].p80,
                                                              issued[-1].people_ahead)


def test_guarantees_hold_over_generated_offices():
    REACHED.clear()
    check_the_guarantees()
    assert MUST_REACH <= REACHED, f"never reached: {MUST_REACH - REACHED}"
