"""Cost of the paper report (紙の使用量) at the seed's size: 305 devices read every day for two
fiscal years (this year and the 2019 baseline, ≈ 220,000 readings), on a scratch SQLite database.

    python bench/paper_report.py [--devices 305] [--runs 7]

The readings are appended through ``services.readings_append`` (the demo's path); the timed part
is ``selectors.paper_report`` (4 queries, the sums done by the database) and the API's
``paper_pages``. Prints the median and the worst of ``--runs``. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from _common import machine, print_json


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=305)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="paper-bench-"))
    os.environ.update(MADOGUCHI_SQLITE_PATH=str(scratch / "db.sqlite3"), MADOGUCHI_DATABASE_URL="",
                      DJANGO_SETTINGS_MODULE="madoguchi.settings.base")
    os.environ.setdefault("MADOGUCHI_SECRET_KEY", "bench-only-" + "x" * 40)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from madoguchi.core.actors import SYSTEM
    from madoguchi.core.timeutil import JST
    from madoguchi.dx import selectors, services
    from madoguchi.dx.models import Device

    rng = random.Random(305)
    t0 = time.perf_counter()
    readings = 0
    for n in range(args.devices):
        device = Device.objects.create(host=f"10.{n // 250}.{n % 250}.214", section_name=f"課{n // 3:03d}",
                                       kind="copier" if n % 4 == 0 else "printer", pollable=False)
        items, total = [], rng.randrange(10_000, 100_000)
        for fy in (2019, 2024):
            day = dt.date(fy, 4, 1)
            while day <= dt.date(fy + 1, 4, 1):
                total += rng.randrange(0, 400) if day.weekday() < 5 else 0
                items.append(services.ReadingIn(read_at=dt.datetime(day.year, day.month, day.day, 6, 15, tzinfo=JST),
                                                total=total))
                day += dt.timedelta(days=1)
        readings += len(services.readings_append(actor=SYSTEM, device=device, readings=items))
    load_seconds = time.perf_counter() - t0
    timings: dict[str, list[float]] = {"paper_report(2024)": [], "paper_pages(2024)": []}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        report = selectors.paper_report(2024)
        timings["paper_report(2024)"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        selectors.paper_pages(2024)
        timings["paper_pages(2024)"].append(time.perf_counter() - t0)
    print_json("paper report", {
        "machine": machine(), "devices": args.devices, "readings": readings, "sections": len(report.sections),
        "load_seconds": round(load_seconds, 1), "runs": args.runs,
        "seconds": {name: {"median": round(statistics.median(v), 3), "max": round(max(v), 3)}
                    for name, v in timings.items()},
    })


if __name__ == "__main__":
    main()
