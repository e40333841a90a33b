"""Procedure API (``/api/v1/procedures``): life events, determination, the public catalogue.

Who may call: anyone (core/permissions.py). Nothing here is stored or logged: answers are read,
determined and forgotten. The citizen's phone does not even send them: it determines in the
browser from ``GET /procedures/catalogue`` (issue 9 §5); ``POST /procedures/determine`` serves
the kiosk and counters inside the office and other programs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils import translation
from django.views.decorators.gzip import gzip_page
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from madoguchi.queueing.schemas import ErrorOut

from . import selectors

router = Router(tags=["procedures"])

_ON_HELP = "判定日 YYYY-MM-DD（日本時間）。省略すると今日。"


class LifeEventOut(Schema):
    code: str
    name: str


class DetermineIn(Schema):
    life_event: str = Field(..., description="ライフイベントのコード（tennyu, shussei …）")
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description='質問 id → 回答。わからない場合は "unknown"。yes_no: true/false、choice: 値、'
                    'number: 整数、date: "YYYY-MM-DD"、household: [{"relationship", "birth_date"}]')
    on: dt.date | None = Field(None, description=_ON_HELP)


class ProcedureOut(Schema):
    code: str
    name: str
    section: str = Field(..., description="課のコード（名前は GET /procedures/catalogue の sections）")
    category: str | None = Field(..., description="受付区分のコード（窓口のない課は null）")
    status: Literal["applies", "to_check"]
    reasons: list[str]
    documents: list[str]
    deadline: dt.date | None
    online_url: str | None


class ChoiceOut(Schema):
    value: str
    text: str


class QuestionOut(Schema):
    id: str
    text: str
    type: Literal["yes_no", "choice", "number", "date", "household"]
    choices: list[ChoiceOut] | None


class DetermineOut(Schema):
    life_event: str
    on: dt.date
    procedures: list[ProcedureOut]
    questions: list[QuestionOut] = Field(..., description="まだ聞く価値のある質問（ライフイベントの順）")


class CatalogueQuery(Schema):
    on: dt.date | None = Field(None, description=_ON_HELP)


class CatalogueOut(Schema):
    version: str = Field(..., description="カタログの内容のハッシュ（変われば読み直す）")
    on: dt.date
    meta: dict[str, Any]
    languages: list[str]
    sections: list[dict[str, Any]]
    questions: list[dict[str, Any]]
    life_events: list[dict[str, Any]]
    procedures: list[dict[str, Any]] = Field(..., description="判定日に有効な手続き（CEL の条件つき）")
    messages: dict[str, dict[str, str]]


@router.get("/procedures/life-events", response=list[LifeEventOut],
            summary="ライフイベントの一覧 (public)")
def life_events(request):
    return selectors.life_events(translation.get_language() or "ja")


@router.post("/procedures/determine", response={200: DetermineOut, 404: ErrorOut, 422: ErrorOut},
             summary="手続き判定 (public; nothing is stored)")
def determine(request, body: DetermineIn):
    return selectors.determine(life_event=body.life_event, answers=body.answers, on=body.on,
                               lang=translation.get_language() or "ja")


@router.get("/procedures/catalogue", response=CatalogueOut,
            summary="公開用の手続きカタログ（ブラウザでの判定用, public）")
@decorate_view(gzip_page)  # ~0.3 MB of JSON in six languages; a phone fetches it on every visit
def catalogue(request, query: Query[CatalogueQuery]):
    return selectors.public_catalogue(query.on)
