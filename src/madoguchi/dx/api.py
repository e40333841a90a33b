"""The DX office's API (情報政策課), internal side only: madoguchi/api.py adds this router when
MADOGUCHI_ROLE is all or internal. Who may call: core/permissions.py (A.DX: the DX office's
permission or a superuser, city-wide)."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from madoguchi.queueing.schemas import ErrorOut

from . import fiscal, selectors

router = Router(tags=["dx"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class PaperSectionOut(Schema):
    section: str = Field(description="課所（台帳の表記）")
    pages: list[int | None] = Field(description="4月…3月の枚数。読み取りで枚数の出なかった月は null")
    total: int | None = Field(description="年度の合計（数字のある月の合計）")
    change_vs_baseline: float | None = Field(
        description="基準年度（既定 2019 = 令和元年度）比の増減率。-0.31 = 31%減。両年度に数字のある月どうしで比べる")


class PaperOut(Schema):
    months: list[str] = Field(description="YYYY-MM, 4月から3月まで")
    sections: list[PaperSectionOut]


class PaperQuery(Schema):
    fy: int | None = Field(None, ge=2000, le=2100, description="年度（2024 = 令和6年度、4月〜3月）。省略時は今年度")


@router.get("/dx/paper", response={200: PaperOut, **ERRORS}, url_name="dx_paper",
            summary="紙の使用量: 課所ごと・月ごとの出力枚数と基準年度比 (DX office or admin)")
def dx_paper(request, query: Query[PaperQuery]):
    return selectors.paper_pages(query.fy or fiscal.current_fiscal_year())
