"""Postcode lookup API (``GET /api/v1/postcodes/{zip7}``), on both sides: anyone may call it
(core/permissions.py). Nothing about the caller is stored or logged."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Field, Router, Schema

from madoguchi.core.errors import NotFound, ServiceError
from madoguchi.queueing.schemas import ErrorOut

from . import postcodes

router = Router(tags=["forms"])


class PostcodeAddressOut(Schema):
    prefecture: str = Field(description="都道府県（例: 石川県）")
    city: str = Field(description="市区町村（例: 金沢市）")
    town: str = Field(description="町域（例: 香林坊）。郵便番号が市区町村全体を指すときは空")
    prefecture_kana: str = Field(description="都道府県のカナ（全角カタカナ）")
    city_kana: str = Field(description="市区町村のカナ")
    town_kana: str = Field(description="町域のカナ")


@router.get("/postcodes/{zip7}",
            response={200: list[PostcodeAddressOut], 404: ErrorOut, 422: ErrorOut},
            summary="郵便番号から住所を調べる (anyone; Japan Post data shipped with the server, "
                    "no outside service). 7 digits; 422 postcode_invalid, 404 postcode_not_found. "
                    "A postcode may cover several towns: one row each.")
def postcode_lookup(request, zip7: str, response: HttpResponse):
    try:
        rows = postcodes.lookup(zip7)
    except postcodes.PostcodeInvalid:
        raise ServiceError("郵便番号は7桁の数字で入力してください。", code="postcode_invalid",
                           status=422, detail={"zip7": zip7[:20]}) from None
    if not rows:
        raise NotFound("この郵便番号の住所が見つかりません。番号をご確認ください。",
                       code="postcode_not_found", detail={"zip7": postcodes.clean(zip7)})
    response["Cache-Control"] = "public, max-age=86400"
    return rows
