"""``GET /api/v1/dx/kpis?fy=YYYY``: the KPI table of a fiscal year (the DX office or an admin).

Internal side only (madoguchi/api.py adds this router when ROLE is all or internal). Who may
call: core/permissions.py (A.DX). The system's KPIs are brought up to date first, as on the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from madoguchi.queueing.schemas import ErrorOut

from . import fiscal, kpi_selectors, kpi_services
from .kpi_views import REFRESH_AGE

router = Router(tags=["dx"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class KpiOut(Schema):
    code: str
    name: str = Field(description="KPI（成果指標）")
    area: str = Field(description="分野（市民サービスの向上、職員の生産性向上 …）")
    unit: str = Field(description="単位（%、時間減、人 …）")
    target: float | None = Field(description="その年度の目標値（なければ null）")
    actual: float | None = Field(description="その年度の最新の実績値（なければ null）")
    as_of: dt.date | None = Field(description="実績の時点")
    status: Literal["achieved", "not_achieved", "no_data"] = Field(
        description="achieved（達成）/ not_achieved（未達成）/ no_data（実績か目標値がない）")


class KpiQuery(Schema):
    fy: int | None = Field(None, ge=2000, le=2100, description="年度（西暦、4月始まり）。省略すると今年度")


@router.get("/dx/kpis", response={200: list[KpiOut], **ERRORS},
            summary="KPI（成果指標）の目標値と達成状況 (DX office or admin)")
def dx_kpis(request, query: Query[KpiQuery]):
    fy = query.fy or fiscal.current_fiscal_year()
    if fy <= fiscal.current_fiscal_year():
        kpi_services.kpis_refresh(actor=request.actor, fiscal_years=[fy], max_age=REFRESH_AGE)
    return kpi_selectors.api_rows(fy)
