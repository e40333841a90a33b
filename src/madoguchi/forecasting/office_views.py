"""The citizen's 混雑予想 page: eight weeks of an office's forecast as a month calendar, and the
hours of the day tapped. Served on both zones: the office and its calendar come through the
queue's public-state interface, the forecast rows from this app's table (on the public side the
copy the internal side pushes, see forecasting/zone.py)."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.core import i18n
from madoguchi.core.timeutil import business_date
from madoguchi.queueing import public_state

from . import refits, selectors
from .levels import legend
from .levels import level as _level
from .services import FORECAST_DAYS

# The calendar's column heads, Sunday first: one or two letters as printed calendars have them
# (locale data like Django's formats; Django's own "D" is a whole word in Chinese, Korean and
# Vietnamese, too wide for a 360 px phone's seven columns). The full name is in <abbr title>.
WEEKDAY_HEADS = {
    "ja": list("日月火水木金土"), "zh-hans": list("日一二三四五六"), "ko": list("일월화수목금토"),
    "en": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    "vi": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
    "pt-br": ["Dom", "Seg", "Ter", "Qua", "Qui", "Sex", "Sáb"],
}

# The office calendar's own notes, said in the visitor's language (others stay as written).
NOTE_WORDS = {"休日開庁": gettext_lazy("休日開庁"), "年末年始": gettext_lazy("年末年始"),
              "臨時閉庁": gettext_lazy("臨時閉庁")}


def note_text(note: str | None) -> str:
    if not note:
        return ""
    if note in NOTE_WORDS:
        return str(NOTE_WORDS[note])
    if note.startswith("祝日（"):  # 「祝日（元日）」: the holiday's name stays Japanese
        return _("祝日") + note[2:]
    return note


def _months(days: list[dict]) -> list[dict]:
    """Calendar months of the forecast range, weeks Sunday first (日 … 土) as Japanese calendars
    are printed. A cell is a day of the range, ``{"date", "outside": True}`` for a day of the
    month before or after it, or None for another month's day."""
    by_date = {d["date"]: d for d in days}
    first, last = days[0]["date"], days[-1]["date"]
    weeks_of = pycalendar.Calendar(firstweekday=6)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = [[(by_date.get(day) or {"date": day, "outside": True}) if day.month == month else None
                  for day in week] for week in weeks_of.monthdatescalendar(year, month)
                 if any(first <= day <= last for day in week)]  # no rows of past or far days only
        heads = WEEKDAY_HEADS.get(translation.get_language(), WEEKDAY_HEADS["en"])
        months.append({"first": dt.date(year, month, 1), "weeks": weeks,
                       "weekdays": list(zip(weeks_of.monthdatescalendar(year, month)[0], heads, strict=True))})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _day_view(day: dict) -> dict:
    hours = [{"start": f"{h}:00", "end": f"{h + 1}:00", "level": _level(level)} for h, level, _p in day["hours"]]
    # An open day with a note is a 休日開庁・特別開庁 day (an ordinary day has none): marked ★.
    return {**day, "level": _level(day["level"]), "note": note_text(day["note"]), "hours_list": hours,
            "special": bool(day["open"] and day["note"])}


def office_forecast_page(request, code):
    office = public_state.get_office(code)
    if office is None:
        raise Http404
    start = business_date()
    names = public_state.category_names(code)
    codes = selectors.forecast_categories(code)
    category = request.GET.get("category", selectors.OFFICE_TOTAL)
    if category not in codes:
        category = selectors.OFFICE_TOTAL
    days = selectors.forecast_days(code, category_code=category, start=start, days=FORECAST_DAYS,
                                   calendar=public_state.get_calendar(code, start, FORECAST_DAYS))
    views = [_day_view(d) for d in days]
    try:
        chosen = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        chosen = start
    selected = next((d for d in views if d["date"] == chosen), views[0])
    has_forecast = any(d["level"] is not None for d in views)
    context = {
        "office": office, "category": category, "selected": selected, "start": start,
        "has_forecast": has_forecast,
        # The demo's first minute: the refit runs in the background (forecasting/refits.py).
        "computing": not has_forecast and refits.pending(code),
        "categories": [{"code": c, "name": i18n.category_name(names.get(c), c) if c else _("庁舎全体")}
                       for c in codes if not c or c in names],
        "months": _months(views),
        "legend": legend(closed=True),
        "has_special": any(d["special"] for d in views),
    }
    if request.GET.get("fragment") == "day":
        return render(request, "forecasting/_day.html", context)
    return render(request, "forecasting/office_forecast.html", context)
