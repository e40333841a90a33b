"""Writes of the KPI table: definitions, targets, actuals entered by staff, and the refresh of
the KPIs the system computes. Every change is audited (who, when, old → new); actuals are
appended, never changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from madoguchi.core.actors import Actor
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import Forbidden, ServiceError
from madoguchi.core.permissions import DX_ONLY
from madoguchi.core.timeutil import business_date

from . import fiscal, kpi_compute, kpi_selectors
from .kpi_models import Kpi, KpiActual, KpiTarget, ValueKind


class InvalidKpiInput(ServiceError):
    status = 422
    code = "invalid_kpi_input"


def _require_dx(actor: Actor) -> None:
    if actor.kind != "system" and not actor.dx:
        raise Forbidden(DX_ONLY, code="forbidden_role")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


DEFINITION_FIELDS = ("name", "description", "area", "unit", "count_unit", "direction", "kind",
                     "decimals", "computed", "baseline_fy", "display_order", "source", "active")


@transaction.atomic
def kpi_define(*, actor: Actor, code: str, **fields) -> Kpi:
    """Add a KPI or change its definition (name, area, unit, direction …)."""
    _require_dx(actor)
    unknown = set(fields) - set(DEFINITION_FIELDS)
    if unknown:
        raise ValueError(f"unknown KPI fields: {sorted(unknown)}")
    kpi = Kpi.objects.select_for_update().filter(code=code).first()
    old = {name: getattr(kpi, name) for name in fields} if kpi else None
    if kpi is None:
        kpi = Kpi(code=code)
    for name, value in fields.items():
        setattr(kpi, name, value)
    kpi.full_clean()
    kpi.save()
    new = {name: getattr(kpi, name) for name in fields}
    if old != new:
        audit_record(actor=actor, action="dx.kpi_define", target=code,
                     detail={"old": old, "new": new})
    return kpi


@transaction.atomic
def kpi_target_set(*, actor: Actor, kpi: Kpi, fiscal_year: int, value: Decimal,
                   note: str = "") -> KpiTarget:
    """Set the target of a fiscal year (目標値 YYYY年度末); the audit log keeps the old value."""
    _require_dx(actor)
    if not 2000 <= fiscal_year <= 2100:
        raise InvalidKpiInput("年度は西暦で入力してください（例: 2022）。", detail={"field": "fiscal_year"})
    target = KpiTarget.objects.select_for_update().filter(kpi=kpi, fiscal_year=fiscal_year).first()
    old = {"value": _text(target.value), "note": target.note} if target else None
    if target is None:
        target = KpiTarget(kpi=kpi, fiscal_year=fiscal_year)
    target.value, target.note = value, note
    target.set_by, target.set_at = actor.label, timezone.now()
    target.save()
    new = {"value": _text(value), "note": note}
    if old != new:
        audit_record(actor=actor, action="dx.kpi_target_set", target=kpi.code,
                     detail={"fiscal_year": fiscal_year, "old": old, "new": new})
    return target


def _ratio_value(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or denominator is None:
        return None
    if denominator <= 0:
        raise InvalidKpiInput("分母は0より大きい数を入力してください。", detail={"field": "denominator"})
    return (numerator / denominator * 100).quantize(Decimal("0.0001"))


@transaction.atomic
def kpi_actual_record(*, actor: Actor, kpi: Kpi, fiscal_year: int, as_of: dt.date,
                      value: Decimal | None = None, numerator: Decimal | None = None,
                      denominator: Decimal | None = None, note: str = "",
                      source: str = KpiActual.Source.MANUAL) -> KpiActual:
    """Append one dated actual. A ratio may be given by its parts (187件/207件 → 90.3%); a row for a
    date that already has one corrects it (both stay, the newer counts)."""
    _require_dx(actor)
    first, _last = fiscal.bounds(fiscal_year)
    if as_of < first:
        raise InvalidKpiInput(f"時点は{fiscal.label(fiscal_year)}の開始（{first:%Y年%-m月%-d日}）以降の日付にしてください。",
                              detail={"field": "as_of"})
    if source == KpiActual.Source.MANUAL and as_of > business_date():
        raise InvalidKpiInput("時点に未来の日付は入力できません。", detail={"field": "as_of"})
    if (numerator is None) != (denominator is None):
        raise InvalidKpiInput("分子と分母は両方入力するか、両方空欄にしてください。",
                              detail={"field": "numerator" if numerator is None else "denominator"})
    from_parts = _ratio_value(numerator, denominator) if kpi.kind == ValueKind.RATIO else None
    if value is None:
        value = from_parts
    if value is None:
        raise InvalidKpiInput("実績値を入力してください（割合は分子と分母でも入力できます）。",
                              detail={"field": "value"})
    previous = kpi_selectors.newest_actual(kpi, fiscal_year, as_of)
    actual = KpiActual.objects.create(
        kpi=kpi, fiscal_year=fiscal_year, as_of=as_of, value=value, numerator=numerator,
        denominator=denominator, note=note, source=source, recorded_by=actor.label,
        recorded_at=timezone.now())

    def snapshot(row: KpiActual | None) -> dict | None:
        return None if row is None else {
            "value": _text(row.value), "numerator": _text(row.numerator),
            "denominator": _text(row.denominator), "note": row.note, "recorded_by": row.recorded_by}

    audit_record(actor=actor, action=f"dx.kpi_actual_{source}", target=kpi.code,
                 detail={"fiscal_year": fiscal_year, "as_of": as_of.isoformat(),
                         "old": snapshot(previous), "new": snapshot(actual)})
    return actual


@dataclass
class RefreshSummary:
    written: int = 0
    unchanged: int = 0
    nothing: int = 0  # nothing to measure yet (no tickets, no readings, no baseline)
    fresh: int = 0    # computed recently enough, not read again


def kpis_refresh(*, actor: Actor, fiscal_years: list[int] | None = None, today: dt.date | None = None,
                 max_age: dt.timedelta | None = None) -> RefreshSummary:
    """Compute the system's KPIs for the given fiscal years (default: this one) and store each
    result as a dated actual when it differs from the last one stored: the history shows how
    the year went. ``max_age``: skip a KPI computed that recently (a page load)."""
    _require_dx(actor)
    today = today or business_date()
    summary = RefreshSummary()
    years = fiscal_years or [fiscal.fiscal_year_of(today)]
    computed = [k for k in kpi_selectors.kpis() if k.computed]
    for fy in years:
        if fy > fiscal.fiscal_year_of(today):
            continue
        period = kpi_compute.Period(fy=fy, today=today)
        for kpi in computed:
            last = kpi_selectors.latest_computed(kpi, fy)
            if (max_age is not None and last is not None
                    and timezone.now() - last.recorded_at < max_age):
                summary.fresh += 1
                continue
            result = kpi_compute.compute(kpi, period)
            if result is None:
                summary.nothing += 1
                continue
            if _computed_record(actor=actor, kpi=kpi, fy=fy, result=result):
                summary.written += 1
            else:
                summary.unchanged += 1
    return summary


def _same(row: KpiActual | None, result: kpi_compute.Result) -> bool:
    return row is not None and (row.as_of, row.value, row.numerator, row.denominator) == (
        result.as_of, result.value, result.numerator, result.denominator)


@transaction.atomic
def _computed_record(*, actor: Actor, kpi: Kpi, fy: int, result: kpi_compute.Result) -> KpiActual | None:
    """Store a computed result unless the last one stored says the same; two page loads refreshing
    at once write it once (the KPI row is locked while comparing)."""
    Kpi.objects.select_for_update().filter(pk=kpi.pk).first()
    if _same(kpi_selectors.latest_computed(kpi, fy), result):
        return None
    return kpi_actual_record(actor=actor, kpi=kpi, fiscal_year=fy, as_of=result.as_of,
                             value=result.value, numerator=result.numerator,
                             denominator=result.denominator, note=result.note,
                             source=KpiActual.Source.COMPUTED)


