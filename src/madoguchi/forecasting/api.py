"""JSON feeds of the congestion forecast: ``GET /api/v1/offices/{code}/forecast``, and of the
places (観光地) for the city's open data portal: ``GET /api/v1/places`` and
``GET /api/v1/places/{code}/forecast``.

Who may call: anyone (no authentication; forecasts of counts, no personal data). Open data may be
fetched by anyone's web page, so the answer allows every origin and may be cached five minutes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from madoguchi.core import timeutil
from madoguchi.core.errors import NotFound
from madoguchi.queueing.schemas import ErrorOut

from . import selectors
from .calendar_model import holiday_calendar
from .closing import REASON_WORDS
from .holiday_names import holiday_name
from .levels import OFFICE_LEVEL_WORDS, PLACE_LEVEL_WORDS

router = Router(tags=["forecast"])


class ForecastHourOut(Schema):
    category: str = Field(description="用件コード。空欄は庁舎全体。")
    hour: dt.datetime
    predicted: float = Field(description="予測発券数（その時間帯）")
    level: int = Field(description="混雑レベル 1（空いている）… 5（大変混雑）。0 は閉庁（受付時間外）")
    level_text: str


class ForecastOut(Schema):
    office: str
    computed_at: dt.datetime | None
    levels: dict[int, str]
    hours: list[ForecastHourOut]


class ForecastQuery(Schema):
    category: str | None = Field(None, description="用件コード（省略するとすべて。空欄は庁舎全体）")


@router.get("/offices/{code}/forecast", response={200: ForecastOut, 404: ErrorOut}, auth=None,
            summary="混雑予想 (hourly congestion forecast, 8 weeks)")
def office_forecast(request, code: str, response: HttpResponse, query: Query[ForecastQuery]):
    rows = selectors.office_forecast(code, category_code=query.category)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    words = {level: str(word) for level, word in OFFICE_LEVEL_WORDS.items()}
    return {
        "office": code,
        "computed_at": max((r.computed_at for r in rows), default=None),
        "levels": words,
        "hours": [{"category": r.category_code, "hour": r.hour, "predicted": round(r.predicted, 2),
                   "level": r.level, "level_text": words[r.level]} for r in rows],
    }


# --- places (観光地): open data for the city's portal ----------------------------------------


class YearEndOut(Schema):
    start: str = Field(description="MM-DD（例: 12-29）")
    end: str = Field(description="MM-DD（例: 01-03）")


class PlaceOut(Schema):
    code: str
    name: str
    name_en: str
    names: dict[str, str] = Field(description="その他の言語の名称（言語コード → 名称）")
    kind: str = Field(description="museum, garden, shrine_temple, shopping_street, viewpoint, other")
    country: str = Field(description="祝日の暦の国（ISO 3166）")
    time_zone: str
    opens_at: str | None = Field(description="開場時刻 HH:MM（null は終日）")
    closes_at: str | None
    closed_weekdays: list[int] = Field(description="定休日 0=月曜 … 6=日曜")
    closed_weekday_holiday: str = Field(
        description="定休日が祝日のとき: closed 休館, open 開館, next_weekday 開館し翌平日に休館")
    year_end: YearEndOut | None = Field(description="年末年始の休館（両日を含む）。null はなし")
    closed_dates: list[dt.date] = Field(description="臨時休館日")
    page: str = Field(description="市民向けページのパス")
    forecast: str = Field(description="混雑予想 JSON のパス")


class PlacesOut(Schema):
    places: list[PlaceOut]


class PlaceHourOut(Schema):
    hour: str = Field(description="時間帯の開始（ISO 8601、観光地のタイムゾーン）")
    predicted: float = Field(description="予測人数（その時間帯）")
    level: int = Field(description="混雑レベル 1（空いている）… 5（大変混雑）。0 は休館日")
    level_text: str
    closed: bool = Field(description="休館日の時間帯（予測人数 0）")


class PlaceDayOut(Schema):
    date: dt.date
    closed: bool = Field(description="休館日")
    reason: str | None = Field(description="休館の理由: weekday 定休日, holiday_moved 祝日の振替休館, "
                                           "year_end 年末年始, closed_date 臨時休館。開館日は null")
    reason_text: str | None
    holiday: str | None = Field(description="祝日の名称（呼び出し側の言語、なければ英語）")


class EventDayOut(Schema):
    date: dt.date
    name: str


class PlaceForecastOut(Schema):
    place: str
    name: str
    time_zone: str
    computed_at: dt.datetime | None
    levels: dict[int, str]
    event_days: list[EventDayOut]
    days: list[PlaceDayOut]
    hours: list[PlaceHourOut]


class PlaceForecastQuery(Schema):
    days: int = Field(56, ge=1, le=56, description="今日から何日分（1–56）")


def _open_data(response: HttpResponse) -> None:
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


@router.get("/places", response=PlacesOut, auth=None, url_name="list_places",
            summary="観光地の一覧 (places with a congestion forecast)")
def list_places(request, response: HttpResponse):
    _open_data(response)
    return {"places": [{
        "code": p.code, "name": p.name, "name_en": p.name_en, "names": p.names or {}, "kind": p.kind,
        "country": p.country, "time_zone": p.time_zone, "opens_at": _hhmm(p.opens_at),
        "closes_at": _hhmm(p.closes_at), "closed_weekdays": p.closed_weekdays or [],
        "closed_weekday_holiday": p.closed_weekday_holiday,
        "year_end": {"start": p.year_end_from, "end": p.year_end_until} if p.year_end_from else None,
        "closed_dates": p.closed_dates or [],
        "page": reverse("place-page", args=[p.code]),
        "forecast": reverse("api-v1:place_forecast", args=[p.code]),
    } for p in selectors.public_places()]}


@router.get("/places/{code}/forecast", response={200: PlaceForecastOut, 404: ErrorOut}, auth=None,
            url_name="place_forecast", summary="観光地の混雑予想 (hourly, 8 weeks, the opening hours)")
def place_forecast(request, code: str, response: HttpResponse, query: Query[PlaceForecastQuery]):
    place = selectors.public_place(code)
    if place is None:
        raise NotFound("指定された観光地が見つかりません。", code="place_not_found")
    _open_data(response)
    tz = ZoneInfo(place.time_zone)
    today = timeutil.now().astimezone(tz).date()
    last = today + dt.timedelta(days=query.days - 1)
    rows = selectors.place_forecast(place, first=today, days=query.days)
    events = selectors.place_event_days(place, first=today, last=last)
    closed = selectors.place_closed_days(place, first=today, last=last)
    words = {level: str(word) for level, word in PLACE_LEVEL_WORDS.items()}
    is_holiday = holiday_calendar(place.country)
    days = []
    for offset in range(query.days):
        day = today + dt.timedelta(days=offset)
        reason = closed.get(day)
        days.append({"date": day, "closed": reason is not None, "reason": reason,
                     "reason_text": str(REASON_WORDS[reason]) if reason else None,
                     "holiday": (holiday_name(place.country, day) or None) if is_holiday(day) else None})
    hours = []
    for r in rows:
        local = r.hour.astimezone(tz)
        shut = local.date() in closed  # the rules of now, even before the night's refit
        if r.level == 0 and not shut:
            continue  # closed at the refit, open by today's rules: no forecast until the next one
        hours.append({"hour": local.isoformat(), "predicted": 0.0 if shut else round(r.predicted, 2),
                      "level": 0 if shut else r.level, "level_text": words[0 if shut else r.level],
                      "closed": shut})
    return {
        "place": place.code, "name": place.name, "time_zone": place.time_zone,
        "computed_at": max((r.computed_at for r in rows), default=None),
        "levels": words,
        "event_days": [{"date": day, "name": name} for day, name in sorted(events.items())],
        "days": days,
        "hours": hours,
    }
