"""The KPI dashboard of the DX office: the seed's table for a fiscal year, trend charts, the entry
forms, one KPI's history and the Excel export. Who may open them: core.permissions (A.DX)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import business_date

from . import fiscal, kpi_export, kpi_selectors, kpi_services
from .kpi_forms import ActualForm, TargetForm

# A page load recomputes the system's KPIs at most this often (``madoguchi dx kpis --refresh``
# always does).
REFRESH_AGE = dt.timedelta(minutes=15)


def _fy(request) -> int:
    raw = request.GET.get("fy") or request.POST.get("fy") or ""
    try:
        fy = int(raw)
    except ValueError:
        return fiscal.current_fiscal_year()
    return fy if 2000 <= fy <= 2100 else fiscal.current_fiscal_year()


def _dashboard(request, fy: int, *, actual_form=None, target_form=None, status=200):
    if fy <= fiscal.current_fiscal_year():
        kpi_services.kpis_refresh(actor=request.actor, fiscal_years=[fy], max_age=REFRESH_AGE)
    rows = kpi_selectors.table(fy)
    items = [r.kpi for r in rows]
    trends = kpi_selectors.trends(items)
    years = sorted(set(kpi_selectors.years_with_data()) | {fiscal.current_fiscal_year(), fy})
    today = fiscal.current_fiscal_year()
    as_of = kpi_selectors.as_of_common(rows)
    chosen = request.GET.get("kpi", "")  # 「入力」 of a row: the forms start on its KPI
    context = {
        "fy": fy, "fy_label": fiscal.label(fy), "fy_era": fiscal.era(fy), "next_era": fiscal.era(fy + 1),
        "as_of_label": fiscal.as_of_label(as_of) if as_of else "",
        "areas": kpi_selectors.by_area(rows),
        "trends": [(r.kpi, trends[r.kpi.pk]) for r in rows],
        "years": [(y, fiscal.label(y)) for y in years],
        "previous_fy": fy - 1, "next_fy": fy + 1 if fy < today + 1 else None,
        "actual_form": actual_form or ActualForm(kpis=items, prefix="actual", initial={
            "kpi": chosen, "fiscal_year": fy, "as_of": min(fiscal.bounds(fy)[1], business_date())}),
        "target_form": target_form or TargetForm(kpis=items, prefix="target",
                                                 initial={"kpi": chosen, "fiscal_year": fy + 1}),
    }
    return render(request, "dx/kpis.html", context, status=status)


def kpis(request):
    """GET: the table of a fiscal year (?fy=2021). POST: an actual or a target typed by staff."""
    fy = _fy(request)
    if request.method != "POST":
        return _dashboard(request, fy)
    items = kpi_selectors.kpis()
    which = request.POST.get("form")
    form_class = TargetForm if which == "target" else ActualForm
    form = form_class(request.POST, kpis=items, prefix="target" if which == "target" else "actual")
    if form.is_valid():
        data = form.cleaned_data
        kpi = kpi_selectors.kpi_by_code(data["kpi"])
        try:
            if which == "target":
                kpi_services.kpi_target_set(actor=request.actor, kpi=kpi, fiscal_year=data["fiscal_year"],
                                            value=data["value"], note=data["note"])
                done = f"「{kpi.name}」の{fiscal.label(data['fiscal_year'])}の目標値を設定しました。"
            else:
                kpi_services.kpi_actual_record(
                    actor=request.actor, kpi=kpi, fiscal_year=data["fiscal_year"], as_of=data["as_of"],
                    value=data["value"], numerator=data["numerator"], denominator=data["denominator"],
                    note=data["note"])
                done = f"「{kpi.name}」の{fiscal.label(data['fiscal_year'])}の実績を記録しました。"
        except ServiceError as exc:
            field = (exc.detail or {}).get("field") if isinstance(exc.detail, dict) else None
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, done)
            return redirect(f"{reverse('dx-kpis')}?fy={data['fiscal_year']}#kpi-{kpi.code}")
    forms = {"target_form": form} if which == "target" else {"actual_form": form}
    return _dashboard(request, fy, status=422, **forms)


def kpi_history(request, code: str):
    kpi = kpi_selectors.kpi_by_code(code)
    if kpi is None:
        raise Http404
    lines = [(line, kpi_selectors.actual_figures(kpi, line.actual),
              kpi_selectors.actual_figures(kpi, line.replaces) if line.replaces else "")
             for line in kpi_selectors.history(kpi)]
    context = {"kpi": kpi, "lines": lines, "targets": kpi_selectors.target_history(kpi),
               "era_long": fiscal.label}
    return render(request, "dx/kpi_history.html", context)


def kpis_xlsx(request):
    fy = _fy(request)
    body = kpi_export.workbook_bytes(fy)
    response = HttpResponse(body, content_type=kpi_export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="kpi-{fy}.xlsx"'
    return response
