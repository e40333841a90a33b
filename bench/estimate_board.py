"""The wait estimate engine: the cost of one board refresh (every waiting ticket's P50/P80).

    .venv/bin/python bench/estimate_board.py [--waiting 200] [--runs 120] [--n 20]

The simulated office (forecasting/simulate.py: six categories, eight shared counters), 300
service times of history per category, half the counters busy, one paused; ``--waiting`` tickets
spread over the categories by the simulator's arrival weights. One call of
``estimate_queue`` estimates them all (one pass in the call order, ``--runs`` Monte-Carlo runs).
Wall and thread CPU time, median and max of ``--n`` calls. Nothing asserts (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from madoguchi.forecasting.estimate import CounterState, History, WaitingTicket, estimate_queue
from madoguchi.forecasting.simulate import OFFICE_CATEGORIES, OFFICE_COUNTERS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=200)
    parser.add_argument("--runs", type=int, default=120)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(1)
    history = History()
    priors = {code: float(minutes) for code, _, minutes, _ in OFFICE_CATEGORIES}
    for code, minutes in priors.items():
        for _ in range(300):
            history.add_service(code, rng.lognormvariate(0, 0.5) * minutes, counter=str(rng.randint(1, 8)))
    counters = [CounterState(str(n), frozenset(codes), is_open=n != 8,
                             busy_category=codes[0] if n % 2 else None, busy_since=-3.0 if n % 2 else None,
                             paused_since=-20.0 if n == 8 else None)
                for n, codes in OFFICE_COUNTERS.items()]
    codes = [c for c, _, _, _ in OFFICE_CATEGORIES]
    weights = [w for _, _, _, w in OFFICE_CATEGORIES]
    queue = [WaitingTicket((code != "fastlane", i, i), code)
             for i, code in enumerate(rng.choices(codes, weights, k=args.waiting))]
    wall, cpu = [], []
    for i in range(args.n):
        w0, c0 = time.perf_counter(), time.thread_time()
        estimate_queue(now=0.0, queue=queue, counters=counters, history=history, priors=priors,
                       runs=args.runs, seed=i)
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    print(f"{args.waiting} waiting, {args.runs} runs: wall median {statistics.median(wall):.1f} ms "
          f"max {max(wall):.1f} ms; CPU median {statistics.median(cpu):.1f} ms")


if __name__ == "__main__":
    main()
