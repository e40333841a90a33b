"""The engine's loops written out for one, two, three and four counters (and for a counter with
planned pauses: read through its ``ready`` times) are only faster: over generated offices they
give exactly — to the last bit, runs and probes included — the numbers of the general loop that
compares every counter in every run (docs/benchmarks.md: the engine at 40 runs)."""

from __future__ import annotations

import math
import random

from madoguchi.forecasting import estimate
from madoguchi.forecasting.estimate import CounterState, History, WaitingTicket, estimate_office

CATEGORIES = ["a", "b", "c", "fast", "none"]  # nobody serves "none"
PRIORS = {"a": 10.0, "b": 4.0, "c": 6.0, "fast": 5.0}


def office(rnd: random.Random) -> dict:
    n = rnd.randint(1, 6)
    counters = []
    for i in range(n):
        served = frozenset(rnd.sample(CATEGORIES[:4], rnd.randint(1, 3)))
        is_open = i == 0 or rnd.random() < 0.8
        busy = rnd.choice([None, *sorted(served)]) if is_open else None
        pauses: tuple = ()
        if rnd.random() < 0.5:  # a pause ahead, sometimes one right after it, sometimes one past
            begin, end = rnd.uniform(0, 30), rnd.uniform(31, 90)
            pauses = ((begin, end),)
            if rnd.random() < 0.4:
                pauses += ((end, end + rnd.uniform(1, 30)),)
            if rnd.random() < 0.2:
                pauses = ((-20.0, -5.0), *pauses)
        counters.append(CounterState(str(i), served, is_open=is_open, busy_category=busy,
                                     busy_since=-rnd.uniform(0, 20) if busy else None,
                                     paused_since=None if is_open else -rnd.uniform(0, 50),
                                     planned_pauses=pauses))
    history = History()
    for category in rnd.sample(CATEGORIES, rnd.randint(0, 5)):
        zeros = rnd.random() < 0.3
        for k in range(rnd.randint(0, 60)):
            minutes = 0.0 if zeros and k % 3 == 0 else rnd.choice([1.0 + (k * 7) % 13, rnd.lognormvariate(1, 0.5)])
            history.add_service(category, minutes, counter=str(k % n))
    queue = [WaitingTicket((c != "fast", float(i // 2), i), c)
             for i, c in enumerate(rnd.choice(CATEGORIES) for _ in range(rnd.randint(0, 60)))]
    rnd.shuffle(queue)
    probes = [WaitingTicket((c != "fast", rnd.uniform(0, 30), math.inf), c)
              for c in rnd.sample(CATEGORIES, rnd.randint(0, 5))]
    return dict(now=rnd.choice([0.0, 10.0, 45.5, 29_000_000.25]), queue=queue, counters=counters,
                history=history, priors=PRIORS, runs=rnd.choice([1, 2, 5, 40, 120]),
                seed=rnd.randint(0, 5), probes=probes)


def numbers(result) -> str:
    return repr([[(e.people_ahead, e.p50, e.p80, e.samples) for e in part] for part in result])


def test_the_written_out_loops_give_the_general_loops_numbers(monkeypatch):
    reached = set()
    for k in range(600):
        inputs = office(random.Random(k))
        fast = numbers(estimate_office(**inputs))
        monkeypatch.setattr(estimate, "_SPECIALISED", False)
        general = numbers(estimate_office(**inputs))
        monkeypatch.setattr(estimate, "_SPECIALISED", True)
        assert fast == general, f"office {k}"
        for ticket in inputs["queue"]:
            eligible = [c for c in inputs["counters"] if ticket.category in c.categories]
            if eligible:
                reached.add((min(len(eligible), 4), any(c.planned_pauses for c in eligible)))
    assert {(n, p) for n in (1, 2, 3, 4) for p in (False, True)} <= reached
