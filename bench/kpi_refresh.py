"""Cost of computing the queue's KPIs (窓口での対応時間, 平均待ち時間, 予約・事前準備の割合) from the
event log: the demo office's simulated year (forecasting.demo_history, ≈ 60,000 tickets, 200,000
events), on a scratch SQLite database.

    python bench/kpi_refresh.py [--days 365] [--runs 5]

Timed: ``queueing.selectors.service_totals`` for one fiscal year (one grouped query), and
``kpi_services.kpis_refresh`` of last year and this year (what the demo does at start; a page
load does one year at most every 15 minutes). Prints the median and the worst of ``--runs``.
Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from _common import machine, print_json, scratch_sqlite_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scratch_sqlite_django("kpi-bench-")
    from madoguchi.core.actors import SYSTEM
    from madoguchi.dx import fiscal, kpi_seed, kpi_services
    from madoguchi.dx.kpi_models import KpiActual
    from madoguchi.forecasting.demo_history import seed_history
    from madoguchi.queueing import selectors
    from madoguchi.queueing.demo import load_demo_data

    office = load_demo_data()
    history = seed_history(office, days=args.days)
    kpi_seed.load_seed(actor=SYSTEM)
    kpi_seed.load_system(actor=SYSTEM, demo_today=dt.date.today())
    this_year = fiscal.current_fiscal_year()
    first, last = fiscal.bounds(this_year)
    timings: dict[str, list[float]] = {f"service_totals({this_year})": [], "kpis_refresh(2 years)": []}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        totals = selectors.service_totals(first, last)
        timings[f"service_totals({this_year})"].append(time.perf_counter() - t0)
        KpiActual.objects.all()._raw_delete(KpiActual.objects.db)  # a first refresh each run
        t0 = time.perf_counter()
        kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[this_year - 1, this_year])
        timings["kpis_refresh(2 years)"].append(time.perf_counter() - t0)
    print_json("kpi refresh", {
        "machine": machine(), "days": args.days, "tickets": history.tickets, "events": history.events,
        "visits_this_year": totals["visits"], "runs": args.runs,
        "seconds": {name: {"median": round(statistics.median(v), 3), "max": round(max(v), 3)}
                    for name, v in timings.items()},
    })


if __name__ == "__main__":
    main()
