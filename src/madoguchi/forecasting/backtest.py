"""``madoguchi forecast backtest``: forecast held-out days from a city's own hourly counts.

Contract (issue 12, docs/forecast.md): COUNTS.csv ``series,hour,count`` (``hour`` the start of the
hour, ISO-8601 with offset); the model is fitted on every hour whose local date is on or before
``--train-until`` and forecasts every hour of the ``--days`` days after it; PRED.csv
``series,hour,predicted,level``. When the input also holds counts for those days, the command prints
per series the MASE of the model and of the weekly seasonal-naive forecast (both scaled by the
in-sample MAE of the lag-one-week naive forecast), so a city sees whether the model earns its keep.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO
from zoneinfo import ZoneInfo

from madoguchi.forecasting.calendar_model import (
    default_thresholds,
    fit_series,
    hour_keys,
    level_for,
    mase_scale,
    seasonal_naive,
)

COUNTS_HEADER = ["series", "hour", "count"]
PRED_HEADER = ["series", "hour", "predicted", "level"]
DEFAULT_TZ = {"JP": "Asia/Tokyo"}


class CountsError(ValueError):
    """The counts file does not follow the contract (the message says where)."""


@dataclass
class SeriesScore:
    series: str
    hours: int
    mase_model: float
    mase_naive: float

    @property
    def improvement(self) -> float:
        """How far the model's MASE is below the seasonal-naive one (0.25 = 25% lower)."""
        return 1 - self.mase_model / self.mase_naive if self.mase_naive else float("nan")


def read_counts(handle: TextIO) -> dict[str, list[tuple[dt.datetime, float]]]:
    """Series → (hour, count) pairs; an empty count is a gap (a sensor down), not a zero."""
    reader = csv.DictReader(handle)
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames[:3]] != COUNTS_HEADER:
        raise CountsError(f"the header must be {','.join(COUNTS_HEADER)} (got {reader.fieldnames})")
    out: dict[str, list[tuple[dt.datetime, float]]] = defaultdict(list)
    for line, row in enumerate(reader, start=2):
        if not (row["count"] or "").strip():
            continue
        try:
            when = dt.datetime.fromisoformat(row["hour"].strip())
            count = float(row["count"])
        except (TypeError, ValueError) as exc:
            raise CountsError(f"line {line}: {exc}") from None
        if when.tzinfo is None:
            raise CountsError(f"line {line}: the hour needs an offset (e.g. +09:00): {row['hour']}")
        if count < 0:
            raise CountsError(f"line {line}: a negative count")
        out[row["series"]].append((when, count))
    return dict(out)


def backtest(counts: dict[str, list[tuple[dt.datetime, float]]], *, train_until: dt.date,
             days: int, country: str = "JP", tz: str | None = None,
             thresholds: tuple[float, ...] | None = None, history_days: int = 730,
             event_days: Iterable[dt.date] = (), out: TextIO) -> list[SeriesScore]:
    """Fit each series, write its forecast to ``out``, return the scores where actuals exist.
    ``event_days`` (a place's festivals …, ``--events``) are a feature of every series."""
    event_days = frozenset(event_days)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PRED_HEADER)
    scores = []
    first_day = train_until + dt.timedelta(days=1)
    oldest = train_until - dt.timedelta(days=history_days)
    for series in sorted(counts):
        rows = counts[series]
        train = [(w, c) for w, c in rows if oldest < w.date() <= train_until]
        if not train:
            continue
        zone = _zone(tz, country, train)
        model = fit_series([w for w, _ in train], [c for _, c in train], country=country,
                           event_days=event_days)
        start = dt.datetime(first_day.year, first_day.month, first_day.day, tzinfo=zone)
        hours = hour_keys(start, days, zone)
        predicted = model.predict(hours)
        cuts = thresholds or default_thresholds(model.busy_hour)
        for when, value in zip(hours, predicted, strict=True):
            writer.writerow([series, when.isoformat(), f"{value:.2f}", level_for(value, cuts)])
        score = _score(series, train, rows, hours, predicted, first_day, days)
        if score is not None:
            scores.append(score)
    return scores


def _zone(tz: str | None, country: str, train) -> dt.tzinfo:
    if tz:
        return ZoneInfo(tz)
    if country.upper() in DEFAULT_TZ:
        return ZoneInfo(DEFAULT_TZ[country.upper()])
    return max(train)[0].tzinfo  # the offset of the last training hour (pass --tz across DST)


def _score(series, train, rows, hours, predicted, first_day, days) -> SeriesScore | None:
    utc = dt.UTC
    last_day = first_day + dt.timedelta(days=days - 1)
    actual = {w.astimezone(utc): c for w, c in rows if first_day <= w.date() <= last_day}
    if not actual:
        return None
    history = {w.astimezone(utc): c for w, c in train}
    scale = mase_scale(history)
    targets = [h.astimezone(utc) for h in hours]
    naive = seasonal_naive(history, targets, max(history))
    model_errors, naive_errors = [], []
    for when, guess, base in zip(targets, predicted, naive, strict=True):
        if when in actual and base is not None:
            model_errors.append(abs(actual[when] - guess))
            naive_errors.append(abs(actual[when] - base))
    if not model_errors or not scale:
        return None
    n = len(model_errors)
    return SeriesScore(series=series, hours=n, mase_model=sum(model_errors) / n / scale,
                       mase_naive=sum(naive_errors) / n / scale)


def print_scores(scores: list[SeriesScore], stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if not scores:
        print("実績がないため評価なし (no actual counts in the forecast days: no score)", file=stream)
        return
    print(f"{'series':<40} {'hours':>6} {'MASE model':>11} {'MASE s-naive':>13} {'improvement':>12}",
          file=stream)
    for s in scores:
        print(f"{s.series:<40} {s.hours:>6} {s.mase_model:>11.3f} {s.mase_naive:>13.3f} "
              f"{s.improvement:>11.1%}", file=stream)
    mean_model = sum(s.mase_model for s in scores) / len(scores)
    mean_naive = sum(s.mase_naive for s in scores) / len(scores)
    print(f"{'mean':<40} {'':>6} {mean_model:>11.3f} {mean_naive:>13.3f} "
          f"{1 - mean_model / mean_naive:>11.1%}", file=stream)
