"""Writes for forecasting: the nightly refit of an office's 混雑予想."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from madoguchi.core import timeutil
from madoguchi.core.timeutil import JST
from madoguchi.queueing import calendar as office_calendar
from madoguchi.queueing.models import Office

from . import selectors
from .calendar_model import (
    CLOSED,
    OPENED,
    default_thresholds,
    fit_series,
    holiday_calendar,
    hour_keys,
    level_for,
)
from .models import HourForecast

FORECAST_DAYS = 56
"""Eight weeks ahead, as the issue asks (高山市 forecasts two months)."""
HISTORY_DAYS = 730
CLOSED_LEVEL = 0
"""The stored level of an hour the office (or the category, after its cut-off) does not receive:
閉庁 on the calendar page and in the feed."""


def day_kinds(cal: office_calendar.Calendar, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """The office calendar as the model's day kinds, ``first`` … ``last``: ``OPENED`` where the
    office opens on a day the model would take for a closed one (休日開庁 on a Sunday or a
    holiday, an office that opens on holidays), ``CLOSED`` where it is closed on a working day
    (臨時閉庁). An office that does not enforce its hours has none."""
    if not cal.enforced:
        return {}
    is_holiday = holiday_calendar("JP")
    kinds = {}
    day = first
    while day <= last:
        working = bool(cal.rows.weekly.get(day.weekday())) and not is_holiday(day)
        is_open = office_calendar.day_of(cal, day).open
        if is_open and not working:
            kinds[day] = OPENED
        elif working and not is_open:
            kinds[day] = CLOSED
        day += dt.timedelta(days=1)
    return kinds


def forecast_refit(*, office: Office, days: int = FORECAST_DAYS, history_days: int = HISTORY_DAYS,
                   thresholds: tuple[float, ...] | None = None) -> int:
    """Fit every category of ``office`` (and the office total) on its issued tickets up to
    yesterday and replace its stored forecast of the next ``days`` days, from today. Returns
    the number of hours stored. Idempotent: running it twice replaces the same rows."""
    today = timeutil.business_date()
    last = today - dt.timedelta(days=1)
    first = today - dt.timedelta(days=history_days)
    series = selectors.hourly_issued(office, first=first, last=last)
    computed_at = timeutil.now()
    start = dt.datetime(today.year, today.month, today.day, tzinfo=JST)
    hours = hour_keys(start, days, JST)
    cal = office_calendar.office_calendar(office, since=first)
    kinds = day_kinds(cal, first, today + dt.timedelta(days=days))
    # Which hours each series receives visitors (the office's hours, a category's cut-off):
    # the others are stored as closed whatever the model says.
    receives: dict[tuple[str, dt.date], frozenset[int]] = {}
    rows = []
    for code, counts in series.items():
        # Days before the office's first ticket are not closed days: they are before its time.
        first_seen = next((i for i, (_, c) in enumerate(counts) if c), None)
        if first_seen is None:
            continue
        counts = counts[first_seen - first_seen % 24:]
        model = fit_series([h for h, _ in counts], [c for _, c in counts], country="JP", kinds=kinds)
        cuts = thresholds or default_thresholds(model.busy_hour)
        for hour, value in zip(hours, model.predict(hours, kinds), strict=True):
            key = (code, hour.date())
            if key not in receives:
                receives[key] = office_calendar.reception_hours(cal, hour.date(), code)
            if hour.hour in receives[key]:
                predicted, level = round(value, 3), level_for(value, cuts)
            else:
                predicted, level = 0.0, CLOSED_LEVEL
            rows.append(HourForecast(office_code=office.code, category_code=code, hour=hour,
                                     predicted=predicted, level=level, computed_at=computed_at))
    with transaction.atomic():
        HourForecast.objects.filter(office_code=office.code).delete()
        HourForecast.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
