"""JSON feed of the congestion forecast: ``GET /api/v1/offices/{code}/forecast``.

Who may call: anyone (no authentication; forecasts of counts, no personal data). Open data may be
fetched by anyone's web page, so the answer allows every origin and may be cached five minutes.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from madoguchi.queueing.schemas import ErrorOut

from . import selectors

router = Router(tags=["forecast"])

LEVEL_WORDS = {
    0: gettext_lazy("閉庁"),
    1: gettext_lazy("空いている"),
    2: gettext_lazy("やや空いている"),
    3: gettext_lazy("普通"),
    4: gettext_lazy("やや混雑"),
    5: gettext_lazy("大変混雑"),
}


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
    words = {level: str(word) for level, word in LEVEL_WORDS.items()}
    return {
        "office": code,
        "computed_at": max((r.computed_at for r in rows), default=None),
        "levels": words,
        "hours": [{"category": r.category_code, "hour": r.hour, "predicted": round(r.predicted, 2),
                   "level": r.level, "level_text": words[r.level]} for r in rows],
    }
