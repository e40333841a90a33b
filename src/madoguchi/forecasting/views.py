"""Citizen pages of the places (観光地): an index and one page per place with today's outlook
(every open hour with its level, in colour and in words) and the next eight weeks as a day list.

Both zones serve them from the database of the server they run on: a place's counts are anonymous
and are imported on the side that publishes them (docs/forecast.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from madoguchi.core import timeutil
from madoguchi.core.i18n import category_name

from . import selectors
from .calendar_model import holiday_calendar
from .closing import REASON_WORDS, ClosingRules
from .holiday_names import YEAR_END, holiday_name
from .levels import legend, level
from .models import HolidayOnClosedWeekday, Place

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


def _clock(at: dt.time) -> str:
    return f"{at.hour}:{at.minute:02d}"


def place_index(request):
    places = []
    for place in selectors.public_places():
        tz = ZoneInfo(place.time_zone)
        today = timeutil.now().astimezone(tz).date()
        rows = selectors.place_forecast(place, first=today, days=1)
        closed = ClosingRules.of(place).reason(today)
        peak = None if closed else max((r.level for r in rows if r.level), default=None)
        places.append({"place": place, "name": place_name(place), "peak": level(peak),
                       "closed": REASON_WORDS[closed] if closed else ""})
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
        if not row.level:  # a closed day at the refit (below: the rules of now say which are)
            continue
        local = row.hour.astimezone(tz)
        by_day[local.date()].append({"hour": local, "level": level(row.level),
                                     "now": local.date() == today and local.hour == now.hour})
    try:
        shown = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        shown = today
    if shown < today or (rows and shown > rows[-1].hour.astimezone(tz).date()):
        shown = today
    last = max((r.hour.astimezone(tz).date() for r in rows), default=today)
    closed = selectors.place_closed_days(place, first=today, last=last)
    events = selectors.place_event_days(place, first=today, last=last)
    is_holiday = holiday_calendar(place.country)
    days = []
    day = today
    while day <= last:
        hours = [] if day in closed else by_day.get(day, [])
        peak = max((h["level"]["value"] for h in hours), default=None)
        days.append({"date": day, "hours": hours, "peak": level(peak),
                     "closed": REASON_WORDS[closed[day]] if day in closed else "",
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
        "closed_days": closing_text(place),
    })


def closing_text(place: Place) -> str:
    """The place's closing rules in the page's words: 「月曜日（祝日の場合は開館し、翌平日に休館）、
    年末年始 12/29–1/3」."""
    rules = ClosingRules.of(place)
    parts = []
    if rules.weekdays:
        text = "・".join(str(WEEKDAYS[d]) for d in sorted(rules.weekdays))
        if rules.on_holiday != HolidayOnClosedWeekday.CLOSED:
            text += f" ({HolidayOnClosedWeekday(rules.on_holiday).label})"
        parts.append(text)
    if rules.year_end:
        (m1, d1), (m2, d2) = rules.year_end
        parts.append(f"{YEAR_END} {m1}/{d1}–{m2}/{d2}")
    return ", ".join(parts)
