"""Forecast backtest on a simulated city hall: a year of the demo office with a March–April peak.

Counts come from the day simulator of ``forecasting/simulate.py`` (the one call rule, multi-skill
counters, lunch rota, no-shows, holds): one simulated day per business day (weekends, national
holidays and 年末年始 closed), the moving season (16 March – 15 April) multiplying the moving,
address, certificate and fast-lane arrivals by ``--peak``. The hourly ``issued`` events per
category become COUNTS.csv (closed hours count 0), and ``madoguchi forecast backtest`` forecasts
the held-out weeks:

    python bench/forecast_office.py --seed 12 --train-until 2026-03-08 --days 56

Results are recorded in docs/benchmarks.md (「混雑予想」).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import sys
import tempfile
from collections import Counter
from pathlib import Path

from madoguchi.forecasting.calendar_model import holiday_calendar
from madoguchi.forecasting.simulate import SCENARIOS, simulate

JST = dt.timezone(dt.timedelta(hours=9))


def moving_season(day: dt.date) -> bool:
    return (day.month == 3 and day.day >= 16) or (day.month == 4 and day.day <= 15)


def simulated_counts(first: dt.date, last: dt.date, *, seed: int, peak: float, path: Path) -> int:
    closed = holiday_calendar("JP")
    issued: Counter = Counter()
    categories: set[str] = set()
    day = first
    while day <= last:
        if day.weekday() < 5 and not closed(day):
            scenario = dataclasses.replace(SCENARIOS["ordinary"], name=str(day), start=day, days=1,
                                           peak=peak if moving_season(day) else 1.0)
            for row in simulate(scenario, seed=seed * 100_000 + day.toordinal()):
                if row["kind"] == "issued":
                    at = dt.datetime.fromisoformat(row["at"])
                    issued[(row["category"], at.replace(minute=0, second=0))] += 1
                    categories.add(row["category"])
        day += dt.timedelta(days=1)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["series", "hour", "count"])
        for category in sorted(categories):
            day = first
            while day <= last:
                for hour in range(24):
                    when = dt.datetime(day.year, day.month, day.day, hour, tzinfo=JST)
                    writer.writerow([category, when.isoformat(), issued[(category, when)]])
                    rows += 1
                day += dt.timedelta(days=1)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--peak", type=float, default=1.6)
    parser.add_argument("--first", default="2025-03-01")
    parser.add_argument("--train-until", default="2026-03-08")
    parser.add_argument("--days", type=int, default=56)
    args = parser.parse_args()
    first = dt.date.fromisoformat(args.first)
    last = dt.date.fromisoformat(args.train_until) + dt.timedelta(days=args.days)
    work = Path(tempfile.mkdtemp(prefix="office-"))
    counts = work / "COUNTS.csv"
    rows = simulated_counts(first, last, seed=args.seed, peak=args.peak, path=counts)
    print(f"{rows} hourly counts ({first} – {last}, seed {args.seed}, peak ×{args.peak}) → {counts}",
          file=sys.stderr)
    import time

    from madoguchi.cli import main as madoguchi

    started, cpu = time.perf_counter(), time.process_time()
    code = madoguchi(["forecast", "backtest", "--counts", str(counts), "--train-until", args.train_until,
                      "--days", str(args.days), "--out", str(work / "PRED.csv")])
    print(f"backtest (read, fit 6 series, forecast, score): {time.perf_counter() - started:.1f} s wall, "
          f"{time.process_time() - cpu:.1f} s CPU", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
