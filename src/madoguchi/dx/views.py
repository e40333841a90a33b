"""Screens of the DX office (情報政策課). Who may open them: core.permissions (A.DX)."""

from django.http import HttpResponse
from django.shortcuts import render

from . import exports, fiscal, selectors


def home(request):
    """The DX office's start page: what there is to read, and how fresh the counters are."""
    return render(request, "dx/home.html", {"devices": selectors.device_summary()})


def _fiscal_year(request) -> int:
    """?fy=2024 (令和6年度); anything else: this fiscal year."""
    value = request.GET.get("fy", "")
    if value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    return fiscal.current_fiscal_year()


def paper(request):
    """紙の使用量: the seed's table (課所 × 月), against the baseline year and the target,
    with the devices of each section, a ranking, the cost and CO2, and charts of the table."""
    fy = _fiscal_year(request)
    report = selectors.paper_report(fy)
    return render(request, "dx/paper.html", {
        "report": report, "fy": fy, "current_fy": fiscal.current_fiscal_year(),
        "latest": report.latest_index,
        "latest_month": report.months[report.latest_index] if report.latest_index is not None else None,
    })


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def paper_csv(request):
    content, filename = exports.to_csv(selectors.paper_report(_fiscal_year(request)))
    return _download(content, filename, "text/csv; charset=utf-8")


def paper_xlsx(request):
    content, filename = exports.to_xlsx(selectors.paper_report(_fiscal_year(request)))
    return _download(content, filename,
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
