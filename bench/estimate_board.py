"""The wait estimate engine: the cost of one board refresh (every waiting ticket's P50/P80).

    .venv/bin/python bench/estimate_board.py [--waiting 200] [--runs 120] [--n 20] \
        [--against OLD.py [--against-runs N]]

The simulated office (forecasting/simulate.py: six categories, eight shared counters), 300
service times of history per category (3% of the calls holds, and two new fast-lane tickets an
hour, for the engines that use them), half the counters busy, one paused; ``--waiting`` tickets
spread over the categories by the simulator's arrival weights. One call of
``estimate_queue`` estimates them all (one pass in the call order, ``--runs`` Monte-Carlo runs).
Wall and thread CPU time, median, p99 and max of ``--n`` calls. Nothing asserts (docs/benchmarks.md).

``--rota``: every counter has its lunch pause of the simulator's rota ahead (``LUNCH``, the time
being 10:00): what the screens estimate all morning once the office has a day of history (the
engine reads such a counter through its pauses).

``--against OLD.py``: another version of forecasting/estimate.py (e.g. ``git show
REV:src/madoguchi/forecasting/estimate.py > /tmp/old.py``), timed in the same process, the two
calls alternating, so a shared machine's load weighs on both alike; prints the ratio of medians.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import random
import statistics
import sys
import time

from madoguchi.forecasting import estimate as current
from madoguchi.forecasting.simulate import LUNCH, OFFICE_CATEGORIES, OFFICE_COUNTERS


def load(path: str):
    spec = importlib.util.spec_from_file_location("estimate_against", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def setup(engine, args):
    rng = random.Random(1)
    history = engine.History()
    priors = {code: float(minutes) for code, _, minutes, _ in OFFICE_CATEGORIES}
    for code, minutes in priors.items():
        for _ in range(300):
            history.add_service(code, rng.lognormvariate(0, 0.5) * minutes, counter=str(rng.randint(1, 8)))
            if hasattr(history, "add_call"):  # engines that count a held ticket's second service
                history.add_call(code, held=rng.random() < 0.03)
    counters = [engine.CounterState(str(n), frozenset(codes), is_open=n != 8,
                                    busy_category=codes[0] if n % 2 else None, busy_since=-3.0 if n % 2 else None,
                                    paused_since=-20.0 if n == 8 else None)
                for n, codes in OFFICE_COUNTERS.items()]
    if args.rota:  # the time is 10:00 (minute 0): lunch at 11:45 is 105 minutes ahead
        for c in counters:
            begin, end = LUNCH[int(c.id)]
            c.planned_pauses = (((begin - 10) * 60, (end - 10) * 60),)
    codes = [c for c, _, _, _ in OFFICE_CATEGORIES]
    weights = [w for _, _, _, w in OFFICE_CATEGORIES]
    queue = [engine.WaitingTicket((code != "fastlane", i, i), code)
             for i, code in enumerate(rng.choices(codes, weights, k=args.waiting))]
    extra = {}
    if "fast_lane_rates" in inspect.signature(engine.estimate_queue).parameters:
        extra["fast_lane_rates"] = {"fastlane": 2 / 60}  # two new fast-lane tickets an hour
    return dict(queue=queue, counters=counters, history=history, priors=priors, runs=args.runs, **extra)


def summary(label, wall, cpu):
    p99 = sorted(wall)[min(len(wall) - 1, int(0.99 * len(wall)))]
    print(f"{label}: wall median {statistics.median(wall):.2f} ms p99 {p99:.2f} ms max {max(wall):.2f} ms; "
          f"CPU median {statistics.median(cpu):.2f} ms")
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=200)
    parser.add_argument("--runs", type=int, default=120)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--rota", action="store_true", help="every counter's lunch pause ahead")
    parser.add_argument("--against", help="another estimate.py to time alternately (before/after)")
    parser.add_argument("--against-runs", type=int, help="its runs (default: --runs)")
    args = parser.parse_args()
    engines = {"this": current}
    if args.against:
        engines["against"] = load(args.against)
    inputs = {name: setup(engine, args) for name, engine in engines.items()}
    if args.against and args.against_runs:
        inputs["against"]["runs"] = args.against_runs
    times = {name: ([], []) for name in engines}
    same = 0
    for i in range(args.n):
        results = []
        for name, engine in engines.items():
            w0, c0 = time.perf_counter(), time.thread_time()
            results.append(engine.estimate_queue(now=0.0, seed=i, **inputs[name]))
            times[name][0].append((time.perf_counter() - w0) * 1000)
            times[name][1].append((time.thread_time() - c0) * 1000)
        if len(results) == 2:  # every ticket's people ahead, P50, P80 and sorted runs
            same += repr([vars(e) for e in results[0]]) == repr([vars(e) for e in results[1]])
    print(f"{args.waiting} waiting, {args.runs} runs (against: {args.against_runs or args.runs}), "
          f"{args.n} calls each, load {open('/proc/loadavg').read().split()[0]}")
    medians = {name: summary(name, *times[name]) for name in engines}
    if args.against:
        print(f"against/this: wall {medians['against'][0] / medians['this'][0]:.1f}x, "
              f"CPU {medians['against'][1] / medians['this'][1]:.1f}x; "
              f"identical estimates in {same}/{args.n} calls")


if __name__ == "__main__":
    main()
