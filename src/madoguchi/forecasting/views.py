"""Citizen pages of the places (観光地): an index and one page per place with today's outlook
(every open hour with its level, in colour and in words) and the next eight weeks as a day list.

Both zones serve them from the database of the server they run on: a place's counts are anonymous
and are imported on the side that publishes them (docs/forecast.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from madoguchi.core import timeutil
from madoguchi.core.i18n import category_name

from . import selectors
from .calendar_model import holiday_calendar
from .levels import legend, level
from .models import Place

KIND_WORDS = {
    "museum": _("博物館・美術館"),
    "garden": _("庭園・公園"),
    "shrine_temple": _("寺社"),
    "shopping_street": _("商店街・まちなみ"),
    "viewpoint": _("展望・景勝地"),
    "other": _("観光地"),
}


def place_name(place: Place) -> str:
    return category_name({"name": place.name, "name_en": place.name_en, "names": place.names})


@lru_cache(maxsize=64)
def _holiday_names(country: str, language: str, year: int) -> dict[dt.date, str]:
    """The ``holidays`` library's names of a country's holidays in one of its languages."""
    import holidays

    return dict(holidays.country_holidays(country, years=year, language=language))


@lru_cache(maxsize=32)
def _languages(country: str) -> tuple[str, ...]:
    import holidays

    return tuple(getattr(holidays.country_holidays(country), "supported_languages", ()))


def holiday_name(country: str, day: dt.date) -> str:
    """A holiday's name for the citizen: Japanese on a Japanese page where the library has it,
    else English where it has it, else the country's own language; 年末年始 for the year-end
    days the Japanese calendar adds (calendar_model.holiday_calendar)."""
    country = country.upper()
    supported = _languages(country)
    language = ("ja" if (translation.get_language() or "ja") == "ja" and "ja" in supported else
                "en_US" if "en_US" in supported else None)
    name = _holiday_names(country, language, day.year).get(day, "")
    if not name and country == "JP":
        return str(_("年末年始"))
    return name


def _clock(at: dt.time) -> str:
    return f"{at.hour}:{at.minute:02d}"


def place_index(request):
    places = []
    for place in selectors.public_places():
        tz = ZoneInfo(place.time_zone)
        today = timeutil.now().astimezone(tz).date()
        rows = selectors.place_forecast(place, first=today, days=1)
        peak = max((r.level for r in rows), default=None)
        places.append({"place": place, "name": place_name(place), "peak": level(peak)})
    return render(request, "forecasting/place_index.html", {"places": places, "legend": legend()})


def place_page(request, code):
    place = selectors.public_place(code)
    if place is None:
        raise Http404
    tz = ZoneInfo(place.time_zone)
    now = timeutil.now().astimezone(tz)
    today = now.date()
    rows = selectors.place_forecast(place, first=today)
    by_day: dict[dt.date, list] = defaultdict(list)
    for row in rows:
        local = row.hour.astimezone(tz)
        by_day[local.date()].append({"hour": local, "level": level(row.level),
                                     "now": local.date() == today and local.hour == now.hour})
    try:
        shown = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        shown = today
    if shown < today or (by_day and shown > max(by_day)):
        shown = today
    last = max(by_day, default=today)
    events = selectors.place_event_days(place, first=today, last=last)
    is_holiday = holiday_calendar(place.country)
    days = []
    day = today
    while day <= last:
        hours = by_day.get(day, [])
        peak = max((h["level"]["value"] for h in hours), default=None)
        days.append({"date": day, "hours": hours, "peak": level(peak),
                     "holiday": is_holiday(day),
                     "holiday_name": holiday_name(place.country, day) if is_holiday(day) else "", "event": events.get(day),
                     "is_event": day in events, "shown": day == shown, "week_start": day.weekday() == 0})
        day += dt.timedelta(days=1)
    chosen = next((d for d in days if d["shown"]), None)
    computed_at = max((r.computed_at for r in rows), default=None)
    return render(request, "forecasting/place.html", {
        "place": place, "name": place_name(place), "today": today, "chosen": chosen, "days": days,
        "legend": legend(), "computed_at": computed_at.astimezone(tz) if computed_at else None,
        "has_forecast": bool(rows), "kind": KIND_WORDS.get(place.kind, KIND_WORDS["other"]),
        "opening": (f"{_clock(place.opens_at)}–{_clock(place.closes_at)}"
                    if place.opens_at and place.closes_at else None),
        "closed_days": ", ".join(str(WEEKDAYS[d]) for d in place.closed_weekdays or []),
    })
