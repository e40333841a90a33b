"""The KPI table of a fiscal year as an Excel workbook, in the seed's layout (openpyxl).

Sheet 1 is the table as the DX office presents it (分野, KPI (成果指標), 目標値 YYYY年度末,
達成状況 (時点), 目標値 翌年度末) with the plain figures beside it for whoever recalculates;
sheet 2 is every KPI's targets and actuals by fiscal year (the trend charts' numbers).
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import fiscal, kpi_selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEAD = PatternFill("solid", fgColor="DDE7F0")
AREA = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


def _float(value):
    return None if value is None else float(value)


def layout_headers(fy: int, as_of_label: str) -> list[str]:
    return ["KPI (成果指標)", "説明", f"目標値 {fy}({fiscal.era(fy)})年度末",
            f"達成状況 ({as_of_label})" if as_of_label else "達成状況",
            f"目標値 {fy + 1}({fiscal.era(fy + 1)})年度末",
            "実績値", "単位", "分子", "分母", "時点", "状況", "補足"]


def workbook_bytes(fy: int) -> bytes:
    rows = kpi_selectors.table(fy)
    as_of = kpi_selectors.as_of_common(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = f"KPI {fy}年度"
    sheet.append([f"デジタル戦略のKPI（{fiscal.label(fy)}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    headers = layout_headers(fy, fiscal.as_of_label(as_of) if as_of else "")
    for area, area_rows in kpi_selectors.by_area(rows):
        sheet.append([])
        sheet.append([area])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        sheet.cell(sheet.max_row, 1).fill = AREA
        sheet.append(headers)
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), HEAD, BOX, WRAP
        for row in area_rows:
            actual = row.actual
            sheet.append([
                row.kpi.name, row.kpi.description, row.target_text, row.achievement, row.next_target_text,
                _float(actual.value) if actual else None, row.kpi.unit,
                _float(actual.numerator) if actual else None, _float(actual.denominator) if actual else None,
                actual.as_of if actual else None, kpi_selectors.STATUS_LABELS[row.status],
                actual.note if actual else ""])
            for cell in sheet[sheet.max_row]:
                cell.border, cell.alignment = BOX, WRAP
            sheet.cell(sheet.max_row, 10).number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGHIJKL", (34, 36, 16, 26, 16, 11, 10, 11, 11, 12, 10, 30), strict=True):
        sheet.column_dimensions[column].width = width
    _trend_sheet(book, [r.kpi for r in rows])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _trend_sheet(book: Workbook, items) -> None:
    trends = kpi_selectors.trends(items)
    years = sorted({p.fy for points in trends.values() for p in points})
    sheet = book.create_sheet("年度別の推移")
    sheet.append(["KPI (成果指標)", "単位", *[f"{fiscal.label(y)} {kind}" for y in years
                                           for kind in ("目標値", "実績")]])
    for cell in sheet[1]:
        cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), HEAD, BOX, WRAP
    for kpi in items:
        points = {p.fy: p for p in trends[kpi.pk]}
        values = []
        for y in years:
            point = points.get(y)
            values += [_float(point.target) if point else None, _float(point.actual) if point else None]
        sheet.append([kpi.name, kpi.unit, *values])
    sheet.column_dimensions["A"].width = 34
    for i in range(3, 3 + 2 * len(years)):
        sheet.column_dimensions[get_column_letter(i)].width = 13
