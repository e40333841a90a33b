"""Open-data API: hourly statistics per office as CSV and JSON.

Who may call: anyone (no authentication; only aggregates, no personal data).
Served from the internet side only: on ``MADOGUCHI_ROLE=internal`` the routes
exist (one OpenAPI document for every zone) but answer 404.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from madoguchi.core.errors import NotFound, ServiceError
from madoguchi.core.timeutil import business_date, to_jst
from madoguchi.queueing.schemas import ErrorOut

from . import selectors
from .selectors import COLUMNS, StatsTable

router = Router(tags=["opendata"])
ERRORS = {404: ErrorOut, 422: ErrorOut}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Open data may be fetched by anyone's web page; nothing here depends on cookies.
_PUBLIC_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}
_DATE_HELP = "対象の業務日 YYYY-MM-DD（日本時間）。省略すると今日。"


class StatsRowOut(Schema):
    date: str
    hour: int
    category: str
    issued: int
    served: int
    no_show: int
    wait_mean_min: float | None
    wait_p90_min: float | None


class StatsOut(Schema):
    office: str
    date: dt.date
    generated_at: dt.datetime | None
    columns: list[str]
    rows: list[StatsRowOut]


class StatsQuery(Schema):
    date: str | None = Field(None, description=_DATE_HELP, examples=["2026-04-01"])


def _requested_date(raw: str | None) -> dt.date:
    today = business_date()
    if raw in (None, ""):
        return today
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ServiceError(_("日付は YYYY-MM-DD の形式で指定してください（例: 2026-04-01）。"),
                           code="invalid_date", detail={"date": raw}, status=422) from None
    if day > today:
        raise ServiceError(_("未来の日付の統計はありません。今日以前の日付を指定してください。"),
                           code="date_in_future", detail={"date": raw}, status=422)
    return day


def _table(code: str, raw_date: str | None) -> StatsTable:
    if settings.ROLE == "internal":
        raise NotFound(_("統計データはこのサーバーでは公開していません。公開用のサーバーをご利用ください。"),
                       code="not_published_here")
    return selectors.stats_table(office_code=code, date=_requested_date(raw_date))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def render_csv(rows: list[dict]) -> str:
    """UTF-8 text with a BOM (Excel then reads it as UTF-8) and CRLF line ends."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in COLUMNS])
    return buffer.getvalue()


@router.get("/offices/{code}/stats.csv", response={200: None, **ERRORS},
            summary="時間帯別・受付区分別の統計 CSV (public; オープンデータ)",
            openapi_extra={"responses": {200: {
                "description": "UTF-8 (BOM 付き) CSV: " + ",".join(COLUMNS),
                "content": {"text/csv": {"schema": {"type": "string"}}}}}})
def stats_csv(request, code: str, query: Query[StatsQuery]):
    table = _table(code, query.date)
    response = HttpResponse(render_csv(table.rows).encode("utf-8"),
                            content_type="text/csv; charset=utf-8", headers=_PUBLIC_HEADERS)
    filename = f"madoguchi-stats-{table.office_code}-{table.date.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/offices/{code}/stats.json", response={200: StatsOut, **ERRORS},
            summary="時間帯別・受付区分別の統計 JSON (public; オープンデータ)")
def stats_json(request, code: str, query: Query[StatsQuery], response: HttpResponse):
    table = _table(code, query.date)
    for header, value in _PUBLIC_HEADERS.items():
        response[header] = value
    return {
        "office": table.office_code,
        "date": table.date,
        "generated_at": to_jst(table.computed_at) if table.computed_at else None,
        "columns": list(COLUMNS),
        "rows": table.rows,
    }
