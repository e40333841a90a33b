"""Writes for forecasting: the nightly refit of an office's 混雑予想."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from madoguchi.core import timeutil
from madoguchi.core.timeutil import JST
from madoguchi.queueing.models import Office

from . import selectors
from .calendar_model import default_thresholds, fit_series, hour_keys, level_for
from .models import HourForecast

FORECAST_DAYS = 56
"""Eight weeks ahead, as the issue asks (高山市 forecasts two months)."""
HISTORY_DAYS = 730


def forecast_refit(*, office: Office, days: int = FORECAST_DAYS, history_days: int = HISTORY_DAYS,
                   thresholds: tuple[float, ...] | None = None) -> int:
    """Fit every category of ``office`` (and the office total) on its issued tickets up to
    yesterday and replace its stored forecast of the next ``days`` days, from today. Returns
    the number of hours stored. Idempotent: running it twice replaces the same rows."""
    today = timeutil.business_date()
    last = today - dt.timedelta(days=1)
    series = selectors.hourly_issued(office, first=today - dt.timedelta(days=history_days), last=last)
    computed_at = timeutil.now()
    start = dt.datetime(today.year, today.month, today.day, tzinfo=JST)
    hours = hour_keys(start, days, JST)
    rows = []
    for code, counts in series.items():
        # Days before the office's first ticket are not closed days: they are before its time.
        first_seen = next((i for i, (_, c) in enumerate(counts) if c), None)
        if first_seen is None:
            continue
        counts = counts[first_seen - first_seen % 24:]
        model = fit_series([h for h, _ in counts], [c for _, c in counts], country="JP")
        cuts = thresholds or default_thresholds(model.busy_hour)
        for hour, value in zip(hours, model.predict(hours), strict=True):
            rows.append(HourForecast(office_code=office.code, category_code=code, hour=hour,
                                     predicted=round(value, 3), level=level_for(value, cuts),
                                     computed_at=computed_at))
    with transaction.atomic():
        HourForecast.objects.filter(office_code=office.code).delete()
        HourForecast.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
