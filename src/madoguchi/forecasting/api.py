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
from .levels import LEVEL_WORDS, OFFICE_LEVEL_WORDS

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
    page: str = Field(description="市民向けページのパス")
    forecast: str = Field(description="混雑予想 JSON のパス")


class PlacesOut(Schema):
    places: list[PlaceOut]


class PlaceHourOut(Schema):
    hour: str = Field(description="時間帯の開始（ISO 8601、観光地のタイムゾーン）")
    predicted: float = Field(description="予測人数（その時間帯）")
    level: int = Field(description="混雑レベル 1（空いている）… 5（大変混雑）")
    level_text: str


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
    rows = selectors.place_forecast(place, first=today, days=query.days)
    events = selectors.place_event_days(place, first=today, last=today + dt.timedelta(days=query.days - 1))
    words = {level: str(word) for level, word in LEVEL_WORDS.items()}
    return {
        "place": place.code, "name": place.name, "time_zone": place.time_zone,
        "computed_at": max((r.computed_at for r in rows), default=None),
        "levels": words,
        "event_days": [{"date": day, "name": name} for day, name in sorted(events.items())],
        "hours": [{"hour": r.hour.astimezone(tz).isoformat(), "predicted": round(r.predicted, 2),
                   "level": r.level, "level_text": words[r.level]} for r in rows],
    }
