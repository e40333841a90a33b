"""The nightly 混雑予想 refit's cost for one office and one place, with a year of history, and
the cost of simulating that year (the demo's first start).

    python bench/forecast_refit.py [--history-runs 3] [--refit-runs 5] [--place-runs 10]

On SQLite (a scratch file; the demo's database): a template is migrated once with the demo
offices and the demo place (a year of hourly counts); each history run starts from a copy of it
and simulates the past 365 days of the demo office and of the community center
(``forecasting/demo_history.py``); then ``forecast_refit`` runs on the demo office (12 categories +
the total, ~73,000 tickets), on the center (3 + the total) and ``place_forecast_refit`` on the
demo garden. Wall and CPU time (this process) per run; median and p99 (nearest rank: with 5
runs the p99 is the slowest). Results: docs/benchmarks.md (「混雑予想の再計算」).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, percentile, print_json  # noqa: E402


def stats(values: list[float]) -> dict | None:
    if not values:
        return None
    v = sorted(values)
    return {"n": len(v), "median_s": round(percentile(v, 50), 2), "p99_s": round(percentile(v, 99), 2),
            "min_s": round(v[0], 2)}


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history-runs", type=int, default=3)
    parser.add_argument("--refit-runs", type=int, default=5)
    parser.add_argument("--place-runs", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="refit-bench-"))
    db, template = work / "bench.sqlite3", work / "template.sqlite3"
    os.environ.update(MADOGUCHI_DEMO="1", MADOGUCHI_SQLITE_PATH=str(db), DJANGO_SETTINGS_MODULE="madoguchi.settings.base")
    os.environ.pop("MADOGUCHI_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from madoguchi.forecasting.demo import seed_demo_place
    from madoguchi.forecasting.demo_history import seed_history
    from madoguchi.forecasting.services import forecast_refit, place_forecast_refit
    from madoguchi.queueing.demo import load_center_data, load_demo_data
    from madoguchi.queueing.models import Office

    call_command("migrate", interactive=False, verbosity=0)
    load_demo_data()
    load_center_data()
    place = seed_demo_place(refit=False)
    with connection.cursor() as cursor:  # one self-contained file, whatever is still in the WAL
        cursor.execute("VACUUM INTO %s", [str(template)])
    started = machine()

    history: dict[str, list] = {"demo": [], "center": []}
    cpu_history: dict[str, list] = {"demo": [], "center": []}
    sizes = {}
    for _ in range(args.history_runs):
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, db)
        for code in ("demo", "center"):
            office = Office.objects.get(code=code)
            result, wall, cpu = timed(lambda office=office: seed_history(office))
            history[code].append(wall)
            cpu_history[code].append(cpu)
            sizes[code] = {"days": result.days, "tickets": result.tickets, "events": result.events}
        print(f"history run: {[round(v[-1], 1) for v in history.values()]} s wall", file=sys.stderr)

    refits: dict[str, list] = {"demo": [], "center": [], "place": []}
    cpu_refits: dict[str, list] = {"demo": [], "center": [], "place": []}
    hours = {}
    for code in ("demo", "center"):
        office = Office.objects.get(code=code)
        for _ in range(args.refit_runs):
            stored, wall, cpu = timed(lambda office=office: forecast_refit(office=office))
            refits[code].append(wall)
            cpu_refits[code].append(cpu)
            hours[code] = stored
        print(f"refit {code}: {[round(v, 1) for v in refits[code]]} s wall", file=sys.stderr)
    for _ in range(args.place_runs):
        stored, wall, cpu = timed(lambda: place_forecast_refit(place=place))
        refits["place"].append(wall)
        cpu_refits["place"].append(cpu)
        hours["place"] = stored
    print_json("forecast refit and simulated history", {
        "machine": started, "load_at_end": machine()["load"], "history_size": sizes,
        "history_wall": {k: stats(v) for k, v in history.items()},
        "history_cpu": {k: stats(v) for k, v in cpu_history.items()},
        "refit_hours_stored": hours,
        "refit_wall": {k: stats(v) for k, v in refits.items()},
        "refit_cpu": {k: stats(v) for k, v in cpu_refits.items()},
    })
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
