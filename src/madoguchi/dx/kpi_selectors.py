"""Reads of the KPI table: the seed's layout for a fiscal year, the API's rows, the trends and the
history of one KPI. A bounded number of queries whatever the number of KPIs and years."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from madoguchi.core.models import AuditLog

from . import fiscal
from .kpi_models import Direction, Kpi, KpiActual, KpiTarget, ValueKind

ACHIEVED, NOT_ACHIEVED, NO_DATA = "achieved", "not_achieved", "no_data"
STATUS_LABELS = {ACHIEVED: "達成", NOT_ACHIEVED: "未達成", NO_DATA: "データなし"}


def status(kpi: Kpi, target: Decimal | None, actual: Decimal | None) -> str:
    """達成 when the actual reaches the target in the KPI's direction (equal counts as reached);
    no actual or no target: nothing to judge."""
    if actual is None or target is None:
        return NO_DATA
    if kpi.direction == Direction.DECREASE:
        return ACHIEVED if actual <= target else NOT_ACHIEVED
    return ACHIEVED if actual >= target else NOT_ACHIEVED


def number(value: Decimal | float | None, decimals: int = 0) -> str:
    """1263 → 「1,263」, 90.338 with 0 decimals → 「90」 (half up, as a table is read)."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}"


def value_text(kpi: Kpi, value: Decimal | None) -> str:
    return "" if value is None else f"{number(value, kpi.decimals)}{kpi.unit}"


def target_number(kpi: Kpi, value: Decimal | None) -> str:
    """A target as the seed writes it: no decimals it does not have (「825時間減」, 「62.5時間減」)."""
    if value is None:
        return ""
    places = max(0, -Decimal(str(value)).normalize().as_tuple().exponent)
    return number(value, min(places, kpi.decimals))


def target_text(kpi: Kpi, value: Decimal | None) -> str:
    return "—" if value is None else f"{target_number(kpi, value)}{kpi.unit}"


def _has_parts(kpi: Kpi, actual: KpiActual) -> bool:
    return kpi.kind == ValueKind.RATIO and actual.numerator is not None and actual.denominator is not None


def actual_figures(kpi: Kpi, actual: KpiActual) -> str:
    """「90% (187件/207件)」 for a ratio with its parts, else the value: 「21.5時間減」."""
    text = value_text(kpi, actual.value)
    if _has_parts(kpi, actual):
        unit = kpi.count_unit
        return f"{text} ({number(actual.numerator)}{unit}/{number(actual.denominator)}{unit})"
    return text


def achievement_text(kpi: Kpi, actual: KpiActual | None, state: str) -> str:
    """The seed's 達成状況 cell: 「達成 90% (187件/207件)」, 「未達成 (21.5時間減)」, and without a
    target only the figures (「30%減」)."""
    if actual is None:
        return STATUS_LABELS[NO_DATA]
    figures = actual_figures(kpi, actual)
    if state == NO_DATA:
        return figures
    label = STATUS_LABELS[state]
    return f"{label} {figures}" if _has_parts(kpi, actual) else f"{label} ({figures})"


def _newest(actuals) -> dict[tuple[int, int], KpiActual]:
    """The status-bearing actual per (KPI, year): the newest date, and for one date the row
    recorded last (a correction)."""
    newest: dict[tuple[int, int], KpiActual] = {}
    for actual in actuals:
        key = (actual.kpi_id, actual.fiscal_year)
        held = newest.get(key)
        if held is None or (actual.as_of, actual.recorded_at, actual.pk) > (held.as_of, held.recorded_at, held.pk):
            newest[key] = actual
    return newest


@dataclass
class Row:
    kpi: Kpi
    target: KpiTarget | None
    next_target: KpiTarget | None
    actual: KpiActual | None
    status: str

    @property
    def target_text(self) -> str:
        return target_text(self.kpi, self.target.value if self.target else None)

    @property
    def next_target_text(self) -> str:
        return target_text(self.kpi, self.next_target.value if self.next_target else None)

    @property
    def achievement(self) -> str:
        return achievement_text(self.kpi, self.actual, self.status)

    @property
    def status_label(self) -> str:
        if self.status == NO_DATA and self.actual is not None:
            return "目標値なし"
        return STATUS_LABELS[self.status]

    @property
    def as_of_label(self) -> str:
        return fiscal.as_of_label(self.actual.as_of) if self.actual else ""


def kpis() -> list[Kpi]:
    return list(Kpi.objects.filter(active=True).order_by("display_order", "pk"))


def table(fy: int) -> list[Row]:
    """One row per active KPI for a fiscal year: its target, the next year's, the newest actual
    and the status (three queries)."""
    items = kpis()
    targets = {(t.kpi_id, t.fiscal_year): t
               for t in KpiTarget.objects.filter(kpi__in=items, fiscal_year__in=(fy, fy + 1))}
    newest = _newest(KpiActual.objects.filter(kpi__in=items, fiscal_year=fy))
    rows = []
    for kpi in items:
        target, actual = targets.get((kpi.pk, fy)), newest.get((kpi.pk, fy))
        rows.append(Row(kpi=kpi, target=target, next_target=targets.get((kpi.pk, fy + 1)),
                        actual=actual,
                        status=status(kpi, target.value if target else None,
                                      actual.value if actual else None)))
    return rows


def by_area(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    """The rows grouped by area, the areas in the order of their first KPI (the seed's two tables)."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.kpi.area, []).append(row)
    return list(groups.items())


def as_of_common(rows: list[Row]) -> dt.date | None:
    """The date most of the year's actuals were taken (the seed's header 「達成状況 (R4.3時点)」)."""
    dates = [r.actual.as_of for r in rows if r.actual]
    return max(set(dates), key=lambda d: (dates.count(d), d)) if dates else None


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def api_rows(fy: int) -> list[dict]:
    """GET /api/v1/dx/kpis: exactly code, name, area, unit, target, actual, as_of, status."""
    return [{"code": r.kpi.code, "name": r.kpi.name, "area": r.kpi.area, "unit": r.kpi.unit,
             "target": _float(r.target.value if r.target else None),
             "actual": _float(r.actual.value if r.actual else None),
             "as_of": r.actual.as_of.isoformat() if r.actual else None,
             "status": r.status} for r in table(fy)]


@dataclass(frozen=True)
class TrendPoint:
    fy: int
    target: Decimal | None
    actual: Decimal | None
    as_of: dt.date | None
    status: str
    target_text: str = ""   # as the table shows it: 「1,500」, 「62.5」
    actual_text: str = ""


def trends(items: list[Kpi]) -> dict[int, list[TrendPoint]]:
    """Per KPI, every fiscal year from its first target or actual to its last (two queries)."""
    targets = {(t.kpi_id, t.fiscal_year): t.value for t in KpiTarget.objects.filter(kpi__in=items)}
    newest = _newest(KpiActual.objects.filter(kpi__in=items))
    years: dict[int, set[int]] = defaultdict(set)
    for kpi_id, fy in [*targets, *newest]:
        years[kpi_id].add(fy)
    out: dict[int, list[TrendPoint]] = {}
    for kpi in items:
        if not years[kpi.pk]:
            out[kpi.pk] = []
            continue
        points = []
        for fy in range(min(years[kpi.pk]), max(years[kpi.pk]) + 1):
            target, actual = targets.get((kpi.pk, fy)), newest.get((kpi.pk, fy))
            value = actual.value if actual else None
            points.append(TrendPoint(fy=fy, target=target, actual=value,
                                     as_of=actual.as_of if actual else None,
                                     status=status(kpi, target, value),
                                     target_text=target_number(kpi, target),
                                     actual_text=number(value, kpi.decimals)))
        out[kpi.pk] = points
    return out


def kpi_by_code(code: str) -> Kpi | None:
    return Kpi.objects.filter(code=code).first()


@dataclass(frozen=True)
class HistoryLine:
    actual: KpiActual
    replaces: KpiActual | None  # the row of the same year and date it corrected


def history(kpi: Kpi) -> list[HistoryLine]:
    """Every actual ever recorded, newest first, each with the row it corrected (old → new)."""
    rows = list(KpiActual.objects.filter(kpi=kpi).order_by("recorded_at", "pk"))
    before: dict[tuple[int, dt.date], KpiActual] = {}
    lines = []
    for row in rows:
        key = (row.fiscal_year, row.as_of)
        lines.append(HistoryLine(actual=row, replaces=before.get(key)))
        before[key] = row
    return lines[::-1]


def target_history(kpi: Kpi) -> list[AuditLog]:
    """Who set or changed the KPI's targets, old → new (the audit log's rows)."""
    return list(AuditLog.objects.filter(action="dx.kpi_target_set", target=kpi.code).order_by("-at", "-pk"))


def latest_computed(kpi: Kpi, fy: int) -> KpiActual | None:
    return (KpiActual.objects.filter(kpi=kpi, fiscal_year=fy, source=KpiActual.Source.COMPUTED)
            .order_by("-as_of", "-recorded_at", "-pk").first())


def years_with_data() -> list[int]:
    """Fiscal years some KPI has a target or an actual for (the dashboard's year picker)."""
    years = set(KpiTarget.objects.values_list("fiscal_year", flat=True).distinct())
    years |= set(KpiActual.objects.values_list("fiscal_year", flat=True).distinct())
    return sorted(years)


def newest_actual(kpi: Kpi, fy: int, as_of: dt.date | None = None) -> KpiActual | None:
    """The row that counts for a year (or for one date of it)."""
    rows = KpiActual.objects.filter(kpi=kpi, fiscal_year=fy)
    if as_of is not None:
        rows = rows.filter(as_of=as_of)
    return rows.order_by("-as_of", "-recorded_at", "-pk").first()
