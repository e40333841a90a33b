"""The demo place (観光地): a garden with a year of simulated hourly counts and its forecast.

Simulated with a fixed seed (not real data: no counts of a real site ship with Madoguchi as a
main dependency): a garden open 9:00–17:00 whose visitors follow the hour of the day (a late-morning
and an early-afternoon peak), weekends (×1.7), Japanese holidays (×2.2, Golden Week and the
autumn leaves busier still), rainy days (random, ×0.5) and an evening light-up festival
(行事の日, ×2.5) once a season; one light-up is in the next weeks, so the forecast shows it.
Closed on Mondays — a holiday Monday opens and the next weekday closes instead (「月曜休館（祝日の場合は
翌平日）」) — and over the year end (12/29–1/1); on those days its gate counter reports zeros, as a
real one does, which the refit must not learn as quiet days.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from zoneinfo import ZoneInfo

from madoguchi.core import timeutil
from madoguchi.core.actors import SYSTEM

from . import selectors
from .calendar_model import holiday_calendar
from .closing import ClosingRules
from .models import Place, PlaceHourForecast
from .services import place_counts_import, place_event_days_import, place_forecast_refit, place_save

DEMO_PLACE = "demo-garden"
SEED = 20261128
DAYS = 365
CLOSED_WEEKDAYS = [0]
ON_HOLIDAY = "next_weekday"
YEAR_END = ("12-29", "01-01")
DEMO_RULES = ClosingRules(weekdays=frozenset(CLOSED_WEEKDAYS), on_holiday=ON_HOLIDAY,
                          year_end=((12, 29), (1, 1)))
"""The garden's closing rules as the pages read them (a test on the real date asks which days)."""
HOURLY_SHAPE = {9: 0.55, 10: 0.9, 11: 1.15, 12: 0.95, 13: 1.1, 14: 1.2, 15: 1.0, 16: 0.6}
"""Share of a day's visitors per opening hour (×8 on average)."""


def _event_days(today: dt.date) -> list[tuple[dt.date, str]]:
    """Light-ups on the second Saturday of every third month around the demo's year, and one in
    the coming weeks (the Saturday 2–3 weeks ahead)."""
    days = []
    for months_back in range(0, 13, 3):
        year, month = divmod(today.year * 12 + today.month - 1 - months_back, 12)
        first = dt.date(year, month + 1, 1)
        second_saturday = first + dt.timedelta(days=(5 - first.weekday()) % 7 + 7)
        if second_saturday < today:
            days.append((second_saturday, "ライトアップ"))
    ahead = today + dt.timedelta(days=14 + (5 - today.weekday()) % 7)
    days.append((ahead, "ライトアップ"))
    return sorted(days)


def simulated_counts(today: dt.date, events: set[dt.date], days: int = DAYS, seed: int = SEED,
                     closed: ClosingRules | None = None) -> list[tuple[dt.datetime, int]]:
    """(hour, count) for the opening hours of the ``days`` days before ``today`` (Japan time);
    0 on the days ``closed`` closes."""
    rng = random.Random(seed)
    is_holiday = holiday_calendar("JP")
    tz = ZoneInfo("Asia/Tokyo")
    out = []
    for offset in range(days, 0, -1):
        day = today - dt.timedelta(days=offset)
        mean = 60.0 * (1.0 + 0.25 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 80) / 365))
        if day.weekday() >= 5:
            mean *= 1.7
        if is_holiday(day):
            mean *= 2.2
        if (day.month, day.day) >= (4, 29) and (day.month, day.day) <= (5, 5):
            mean *= 1.3   # Golden Week
        if day.month == 11:
            mean *= 1.4   # autumn leaves
        if rng.random() < 0.12:
            mean *= 0.5   # a rainy day
        if day in events:
            mean *= 2.5
        if closed and closed.reason(day):
            out.extend((dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz), 0) for hour in HOURLY_SHAPE)
            continue
        for hour, share in HOURLY_SHAPE.items():
            lam = mean * share
            # Poisson by normal approximation (lam is large): plausible noise, fast.
            count = max(0, round(rng.gauss(lam, math.sqrt(lam))))
            out.append((dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz), count))
    return out


def seed_demo_place(*, refit: bool = True) -> Place:
    """Create the demo place with a year of counts up to yesterday and fit its forecast.
    Idempotent: a later start on the same day finds it done (a start on another day adds the
    missing days and refits; the same hours are replaced, never doubled)."""
    today = timeutil.now().astimezone(ZoneInfo("Asia/Tokyo")).date()
    existing = Place.objects.filter(code=DEMO_PLACE).first()
    if existing is not None and _current(existing, today):
        return existing
    place = place_save(actor=SYSTEM, code=DEMO_PLACE, name="みどり庭園（デモ）", name_en="Midori Garden (demo)",
                       names={"zh-hans": "绿庭园（演示）", "ko": "미도리 정원(데모)",
                              "vi": "Vườn Midori (demo)", "pt-br": "Jardim Midori (demo)"},
                       kind="garden", country="JP", time_zone="Asia/Tokyo",
                       opens_at=dt.time(9), closes_at=dt.time(17), closed_weekdays=CLOSED_WEEKDAYS,
                       closed_weekday_holiday=ON_HOLIDAY, year_end=YEAR_END)
    events = _event_days(today)
    place_event_days_import(actor=SYSTEM, place=place, data=(
        "date,name\n" + "".join(f"{day},{name}\n" for day, name in events)).encode())
    rows = simulated_counts(today, {day for day, _ in events}, closed=ClosingRules.of(place))
    place_counts_import(actor=SYSTEM, place=place, source="demo (simulated)", data=(
        "hour,count\n" + "".join(f"{hour.isoformat()},{count}\n" for hour, count in rows)).encode())
    if refit:
        place_forecast_refit(place=place)
    return place


def _current(place: Place, today: dt.date) -> bool:
    """Counts up to yesterday and a forecast fitted today (its first hour is today's)."""
    first = selectors.place_forecast(place, first=today, days=1)
    yesterday = selectors.place_hourly_counts(place, first=today - dt.timedelta(days=1),
                                              last=today - dt.timedelta(days=1))
    return bool(first and yesterday) and not PlaceHourForecast.objects.filter(
        place=place, hour__lt=first[0].hour).exists()
