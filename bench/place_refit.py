"""Cost of a place (観光地): importing a year (or two) of hourly counts from CSV and the nightly
refit of its forecast, through the real services on a scratch SQLite database.

    python bench/place_refit.py [--years 1] [--hours-per-day 8] [--runs 5]

Counts are the demo garden's simulated ones (``forecasting/demo.py``, fixed seed); with
``--hours-per-day 24`` a place open around the clock (a shopping street's sensor). Prints the
median and the worst of ``--runs`` runs for: the CSV import of the whole history (parse, check
every row, upsert), a re-import of the same file (every hour replaced), and
``place_forecast_refit`` (fit + 56 days stored). Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import machine, print_json


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--hours-per-day", type=int, choices=(8, 24), default=8)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="place-bench-"))
    os.environ.update(MADOGUCHI_SQLITE_PATH=str(scratch / "db.sqlite3"), MADOGUCHI_DATABASE_URL="",
                      DJANGO_SETTINGS_MODULE="madoguchi.settings.base")
    os.environ.setdefault("MADOGUCHI_SECRET_KEY", "bench-only-" + "x" * 40)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from madoguchi.core.actors import SYSTEM
    from madoguchi.forecasting import services
    from madoguchi.forecasting.demo import simulated_counts

    today = dt.date.today()
    rows = simulated_counts(today, set(), days=365 * args.years)
    if args.hours_per_day == 24:  # every hour: the night counts a tenth of the opening hours' mean
        by_hour = {h: c for h, c in rows}
        rows = []
        for offset in range(365 * args.years, 0, -1):
            day = today - dt.timedelta(days=offset)
            for hour in range(24):
                when = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone(dt.timedelta(hours=9)))
                rows.append((when, by_hour.get(when, 6)))
    data = ("hour,count\n" + "".join(f"{h.isoformat()},{c}\n" for h, c in rows)).encode()
    place = services.place_save(actor=SYSTEM, code="bench", name="ベンチ庭園", kind="garden",
                                opens_at=dt.time(9) if args.hours_per_day == 8 else None,
                                closes_at=dt.time(17) if args.hours_per_day == 8 else None)
    timings: dict[str, list[float]] = {"import (new)": [], "re-import (replace)": [], "refit": []}
    stored = 0
    for _ in range(args.runs):
        place.counts.all().delete()
        t0 = time.perf_counter()
        services.place_counts_import(actor=SYSTEM, place=place, data=data, source="bench.csv")
        timings["import (new)"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        services.place_counts_import(actor=SYSTEM, place=place, data=data, source="bench.csv")
        timings["re-import (replace)"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        stored = services.place_forecast_refit(place=place)
        timings["refit"].append(time.perf_counter() - t0)
    print_json("place import and refit", {
        "machine": machine(), "hours": len(rows), "csv_bytes": len(data), "forecast_hours": stored,
        "runs": args.runs,
        "seconds": {name: {"median": round(statistics.median(v), 3), "max": round(max(v), 3)}
                    for name, v in timings.items()},
    })


if __name__ == "__main__":
    main()
