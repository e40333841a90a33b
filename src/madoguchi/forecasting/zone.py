"""The 混雑予想 across the zone boundary: forecasts are computed on the internal side (where the
event log is) and the public side serves the copy it is pushed.

What crosses is anonymous: per office and category, the predicted count and the level of each
hour from today on, and when the refit computed them. The zone sender (zones/sync.py) adds this
part to the slow-changing push only when the forecast changed since the last one the public side
took (or now and then, in case its copy was rebuilt); the receiver replaces the office's rows.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from madoguchi.core.timeutil import JST, business_date

from .models import HourForecast


def forecast_version(office_code: str) -> str | None:
    """When the office's stored forecast was computed (ISO), None without one."""
    at = (HourForecast.objects.filter(office_code=office_code).order_by("-computed_at")
          .values_list("computed_at", flat=True).first())
    return at.isoformat() if at else None


def outgoing(office_code: str, *, known_version: str | None = None) -> dict:
    """``{"version"}`` alone when the public side has this forecast already; else also
    ``"series": {category: {"start", "predicted": […], "levels": […]}}``, hourly from today's
    midnight (Japan time) with no gaps, as the refit stores them."""
    version = forecast_version(office_code)
    part: dict = {"version": version}
    if version is None or version == known_version:
        return part
    today = business_date()
    since = dt.datetime(today.year, today.month, today.day, tzinfo=JST)
    series: dict[str, dict] = {}
    rows = (HourForecast.objects.filter(office_code=office_code, hour__gte=since)
            .order_by("category_code", "hour").values_list("category_code", "hour", "predicted", "level"))
    for code, hour, predicted, level in rows:
        one = series.get(code)
        if one is None:
            one = series[code] = {"start": hour.astimezone(JST).isoformat(), "predicted": [], "levels": []}
        one["predicted"].append(round(predicted, 3))
        one["levels"].append(level)
    part["series"] = series
    return part


def incoming_apply(*, office_code: str, part: dict) -> int:
    """Public side: replace the office's forecast with the pushed one (a part with only its
    version changes nothing). Returns the number of hours stored."""
    series = part.get("series")
    if series is None or not part.get("version"):
        return 0
    computed_at = dt.datetime.fromisoformat(part["version"])
    rows = []
    for code, one in series.items():
        start = dt.datetime.fromisoformat(one["start"])
        for i, (predicted, level) in enumerate(zip(one["predicted"], one["levels"], strict=True)):
            rows.append(HourForecast(office_code=office_code, category_code=code,
                                     hour=start + dt.timedelta(hours=i), predicted=float(predicted),
                                     level=int(level), computed_at=computed_at))
    with transaction.atomic():
        HourForecast.objects.filter(office_code=office_code).delete()
        HourForecast.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
