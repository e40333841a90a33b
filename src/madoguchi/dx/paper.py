"""The paper report (紙の使用量): pages per section (課所) per month, against a baseline year.

Pure arithmetic on what ``selectors.device_month_pages`` summed: no database here. The seed's
table is 課所 × months; a month without a number is None (shown "—"), never 0. The change
against the baseline year compares like with like: only the months that both years have a
number for, so a year in progress is not "40%減" merely because it is half over.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from . import fiscal

NO_SECTION = "（課所なし）"

Months = list  # of int | None, 12 items, April … March


def month_sum(series: list[Months]) -> Months:
    """Month by month: the sum of the numbers there are, None where no series has one."""
    out: Months = []
    for values in zip(*series, strict=True) if series else [()] * 12:
        known = [v for v in values if v is not None]
        out.append(sum(known) if known else None)
    return out


def total_of(pages: Months) -> int | None:
    known = [p for p in pages if p is not None]
    return sum(known) if known else None


def compared_months(current: Months, baseline: Months) -> list[int]:
    return [i for i, (c, b) in enumerate(zip(current, baseline, strict=True))
            if c is not None and b is not None]


@dataclass
class Row:
    """One section (課所) or one device: its months this year and in the baseline year."""

    label: str
    pages: Months
    baseline_pages: Months
    previous_march: int | None = None
    devices: list[Row] = field(default_factory=list)
    device: object | None = None
    rank: int | None = None

    @property
    def total(self) -> int | None:
        return total_of(self.pages)

    @property
    def baseline_total(self) -> int | None:
        return total_of(self.baseline_pages)

    @property
    def compared(self) -> list[int]:
        return compared_months(self.pages, self.baseline_pages)

    @property
    def compared_current(self) -> int | None:
        months = self.compared
        return sum(self.pages[i] for i in months) if months else None

    @property
    def compared_baseline(self) -> int | None:
        months = self.compared
        return sum(self.baseline_pages[i] for i in months) if months else None

    @property
    def change(self) -> float | None:
        """-0.31 = 31%減 against the same months of the baseline year."""
        base = self.compared_baseline
        if not base:
            return None
        return round(self.compared_current / base - 1, 4)

    def previous(self, index: int) -> int | None:
        return self.previous_march if index == 0 else self.pages[index - 1]

    def month_on_month(self, index: int | None) -> float | None:
        if index is None:
            return None
        now, before = self.pages[index], self.previous(index)
        if now is None or not before:
            return None
        return round(now / before - 1, 4)


@dataclass
class Cost:
    """What the pages cost and emitted, with the report's figures (PaperSettings)."""

    sheets: int
    boxes: float
    paper_yen: float
    counter_yen: float
    toner_yen: float
    co2_kg: float

    @property
    def total_yen(self) -> float:
        return self.paper_yen + self.counter_yen + self.toner_yen


def cost_of(*, copier_pages: int, copier_colour: int, printer_pages: int, settings) -> Cost:
    """Copiers: the counter charge per page (mono/colour, toner included); printers: toner boxes;
    both: paper boxes and CO2 per sheet. A page counts as one sheet (duplex is not known)."""
    sheets = copier_pages + printer_pages
    colour = min(copier_colour, copier_pages)
    d = Decimal
    return Cost(
        sheets=sheets,
        boxes=float(d(sheets) / d(settings.sheets_per_box)) if settings.sheets_per_box else 0.0,
        paper_yen=float(d(sheets) / d(settings.sheets_per_box) * d(settings.yen_per_box))
        if settings.sheets_per_box else 0.0,
        counter_yen=float(d(copier_pages - colour) * d(settings.mono_yen_per_page)
                          + d(colour) * d(settings.colour_yen_per_page)),
        toner_yen=float(d(printer_pages) / d(settings.toner_pages_per_box) * d(settings.toner_yen_per_box))
        if settings.toner_pages_per_box else 0.0,
        co2_kg=float(d(sheets) * d(settings.co2_grams_per_sheet) / 1000),
    )


@dataclass
class Report:
    fiscal_year: int
    settings: object
    months: list[dt.date]
    sections: list[Row]
    total: Row
    current_cost: Cost
    baseline_cost: Cost

    @property
    def label(self) -> str:
        return fiscal.label(self.fiscal_year)

    @property
    def baseline_fiscal_year(self) -> int:
        return self.settings.baseline_fiscal_year

    @property
    def baseline_label(self) -> str:
        return fiscal.label(self.baseline_fiscal_year)

    @property
    def target(self) -> float:
        """The target as a ratio: 30%減 → -0.30."""
        return -float(self.settings.target_reduction_percent) / 100

    def met(self, row: Row) -> bool | None:
        change = row.change
        return None if change is None else change <= self.target

    @property
    def latest_index(self) -> int | None:
        """The last month of the year with a number: the month the month-on-month compares."""
        known = [i for i, p in enumerate(self.total.pages) if p is not None]
        return known[-1] if known else None

    @property
    def ranking(self) -> list[Row]:
        """Sections by their change against the baseline, the largest reduction first."""
        return sorted((r for r in self.sections if r.change is not None),
                      key=lambda r: (r.change, r.label))

    @property
    def ranking_rows(self) -> list[dict]:
        """The ranking with each section's latest month and the month before (前月比)."""
        index = self.latest_index
        return [{"rank": r.rank, "label": r.label, "change": r.change,
                 "now": None if index is None else r.pages[index],
                 "before": None if index is None else r.previous(index),
                 "month_on_month": r.month_on_month(index)} for r in self.ranking]

    @property
    def cost_rows(self) -> list[tuple[str, float, float, int]]:
        """(label, this year, the baseline's same months, decimals shown) for the cost table."""
        c, b = self.current_cost, self.baseline_cost
        return [("用紙（枚）", c.sheets, b.sheets, 0), ("用紙（箱）", c.boxes, b.boxes, 1),
                ("用紙代（円）", c.paper_yen, b.paper_yen, 0),
                ("複合機のカウンター料金（円）", c.counter_yen, b.counter_yen, 0),
                ("プリンタのトナー代（円）", c.toner_yen, b.toner_yen, 0),
                ("費用の合計（円）", c.total_yen, b.total_yen, 0),
                ("CO2（kg）", c.co2_kg, b.co2_kg, 1)]

    def as_pages(self) -> dict:
        """The exact shape of GET /api/v1/dx/paper, plus the year's total for the KPI."""
        return {
            "months": [f"{m:%Y-%m}" for m in self.months],
            "sections": [{"section": r.label, "pages": list(r.pages), "total": r.total,
                          "change_vs_baseline": r.change} for r in self.sections],
            "total": self.total.total,
        }


def _months(by_month: dict[int, tuple[int, int]] | None, at: int = 0) -> Months:
    by_month = by_month or {}
    return [by_month[i][at] if i in by_month else None for i in range(12)]


def section_of(device) -> str:
    return device.section_name or (device.section.name if device.section_id else "") or NO_SECTION


def build_report(*, fiscal_year: int, settings, devices, current: dict, baseline: dict) -> Report:
    by_section: dict[str, list[Row]] = {}
    for device in devices:
        months = current.get(device.pk, {})
        row = Row(label=str(device), pages=_months(months), baseline_pages=_months(baseline.get(device.pk)),
                  previous_march=months[-1][0] if -1 in months else None, device=device)
        by_section.setdefault(section_of(device), []).append(row)
    sections = []
    for name in by_section:  # the ledger's order (devices by registration), as the seed's sheet
        rows = by_section[name]
        previous = [r.previous_march for r in rows if r.previous_march is not None]
        sections.append(Row(label=name, pages=month_sum([r.pages for r in rows]),
                            baseline_pages=month_sum([r.baseline_pages for r in rows]),
                            previous_march=sum(previous) if previous else None, devices=rows))
    previous = [r.previous_march for r in sections if r.previous_march is not None]
    total = Row(label="合計", pages=month_sum([r.pages for r in sections]),
                baseline_pages=month_sum([r.baseline_pages for r in sections]),
                previous_march=sum(previous) if previous else None)
    for rank, row in enumerate(sorted((r for r in sections if r.change is not None),
                                      key=lambda r: (r.change, r.label)), start=1):
        row.rank = rank
    compared = total.compared
    kinds = {d.pk: d.kind for d in devices}

    def cost(data: dict) -> Cost:
        copier = colour = printer = 0
        for device_id, months in data.items():
            for index in compared:
                if index not in months:
                    continue
                pages, colour_pages = months[index]
                if kinds.get(device_id) == "printer":
                    printer += pages
                else:
                    copier += pages
                    colour += colour_pages
        return cost_of(copier_pages=copier, copier_colour=colour, printer_pages=printer,
                       settings=settings)

    return Report(fiscal_year=fiscal_year, settings=settings, months=fiscal.fiscal_months(fiscal_year),
                  sections=sections, total=total, current_cost=cost(current), baseline_cost=cost(baseline))
