"""The paper report's table as CSV (UTF-8 with BOM, for Excel) and as an Excel book (openpyxl).

Both hold the numbers of the page's table: 課所 × 4月…3月, 合計, the baseline year's total over
the same months and over its whole year, the change and whether the target is met.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .paper import Report, Row


def header(report: Report) -> list[str]:
    return ["課所", *[f"{m.month}月" for m in report.months], "合計",
            f"{report.baseline_label}（同じ月）", f"{report.baseline_label}（通年）",
            f"{report.baseline_fiscal_year}年度比", "目標"]


def _met(report: Report, row: Row) -> str:
    met = report.met(row)
    return "" if met is None else ("達成" if met else "未達成")


def values(report: Report, row: Row) -> list:
    return [row.label, *row.pages, row.total, row.compared_baseline, row.baseline_total, row.change,
            _met(report, row)]


def table(report: Report) -> list[list]:
    """The section table: one row per 課所, then the total."""
    return [values(report, r) for r in [*report.sections, report.total]]


def _filename(report: Report, ext: str) -> str:
    return f"paper-{report.fiscal_year}.{ext}"


def to_csv(report: Report) -> tuple[bytes, str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"紙の使用量 {report.label}（{report.fiscal_year}年4月〜{report.fiscal_year + 1}年3月）"
                     f" 目標 {float(report.settings.target_reduction_percent):g}%減"])
    writer.writerow(header(report))
    for row in table(report):
        *head, change, met = row
        writer.writerow([("" if v is None else v) for v in head]
                        + ["" if change is None else f"{change * 100:.1f}%", met])
    return ("\ufeff" + out.getvalue()).encode("utf-8"), _filename(report, "csv")


def to_xlsx(report: Report) -> tuple[bytes, str]:
    book = Workbook()
    sheet = book.active
    sheet.title = "課所別"
    sheet.append([f"紙の使用量 {report.label}（{report.fiscal_year}年4月〜{report.fiscal_year + 1}年3月）",
                  None, None, f"目標 {float(report.settings.target_reduction_percent):g}%減"])
    sheet.append(header(report))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF7")
    for row in table(report):
        sheet.append(row)
    change_col = len(header(report)) - 1
    for r in range(3, sheet.max_row + 1):
        sheet.cell(r, change_col).number_format = "0.0%"
        for c in range(2, change_col):
            sheet.cell(r, c).number_format = "#,##0"
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 18
    for c in range(2, change_col + 2):
        sheet.column_dimensions[get_column_letter(c)].width = 11
    sheet.freeze_panes = "B3"
    devices = book.create_sheet("機器別")
    devices.append(["課所", "機器", "メーカー", "種別", *[f"{m.month}月" for m in report.months], "合計"])
    for section in report.sections:
        for row in section.devices:
            d = row.device
            devices.append([section.label, str(d), d.get_maker_display(), d.get_kind_display(),
                            *row.pages, row.total])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), _filename(report, "xlsx")
