"""Reads for forecasting: hourly counts from the event log, stored forecasts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from madoguchi.core.timeutil import JST
from madoguchi.queueing.models import EventKind, Office, TicketEvent

from .models import HourForecast

OFFICE_TOTAL = ""
"""The category code of an office's total (every category together)."""


def hourly_issued(office: Office, *, first: dt.date, last: dt.date) -> dict[str, list[tuple]]:
    """Category code (and ``OFFICE_TOTAL``) → (hour, tickets issued) for every hour of the days
    ``first`` … ``last`` (Japan time), closed hours and days counting 0: the model learns the
    opening hours and holidays from those zeros."""
    since = dt.datetime.combine(first, dt.time(), tzinfo=JST)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=JST)
    issued = (TicketEvent.objects.filter(office=office, kind=EventKind.ISSUED, at__gte=since, at__lt=until)
              .values_list("category__code", "at"))
    counts: Counter = Counter()
    for code, at in issued:
        hour = at.astimezone(JST).replace(minute=0, second=0, microsecond=0)
        counts[(code, hour)] += 1
        counts[(OFFICE_TOTAL, hour)] += 1
    codes = {OFFICE_TOTAL, *office.categories.values_list("code", flat=True)}
    hours = []
    day = first
    while day <= last:
        hours.extend(dt.datetime(day.year, day.month, day.day, h, tzinfo=JST) for h in range(24))
        day += dt.timedelta(days=1)
    return {code: [(h, counts[(code, h)]) for h in hours] for code in sorted(codes)}


def office_forecast(office_code: str, *, category_code: str | None = None) -> list[HourForecast]:
    rows = HourForecast.objects.filter(office_code=office_code)
    if category_code is not None:
        rows = rows.filter(category_code=category_code)
    return list(rows.order_by("category_code", "hour"))
