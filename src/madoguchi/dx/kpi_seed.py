"""Loads the seed's KPI table (data/kpis_seed.yaml) through the services: the demo's KPIs.

Idempotent: a definition is updated in place, a target set again is no change, and an actual
already recorded (same year, date and value) is not appended twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import yaml

from madoguchi.core.actors import Actor

from . import fiscal, kpi_selectors, kpi_services
from .kpi_models import Kpi

SEED_FILE = Path(__file__).parent / "data" / "kpis_seed.yaml"
_DEFINITION = set(kpi_services.DEFINITION_FIELDS)


def read(path: Path = SEED_FILE) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _define(actor: Actor, entry: dict, order: int, source: str) -> Kpi:
    fields = {k: v for k, v in entry.items() if k in _DEFINITION}
    fields.setdefault("description", "")
    fields.setdefault("source", source)
    return kpi_services.kpi_define(actor=actor, code=entry["code"], display_order=order, **fields)


def _record_actual(actor: Actor, kpi: Kpi, row: dict) -> None:
    value = _dec(row.get("value"))
    held = kpi_selectors.newest_actual(kpi, row["fy"], row["as_of"])
    if held is not None and held.value == value and held.note == row.get("note", ""):
        return
    kpi_services.kpi_actual_record(actor=actor, kpi=kpi, fiscal_year=row["fy"], as_of=row["as_of"],
                                   value=value, numerator=_dec(row.get("numerator")),
                                   denominator=_dec(row.get("denominator")), note=row.get("note", ""))


def load_seed(*, actor: Actor, path: Path = SEED_FILE) -> list[Kpi]:
    """The seed's KPIs with their targets and the 令和4年3月 actuals (and the by-year tables)."""
    data = read(path)
    out = []
    for i, entry in enumerate(data["kpis"]):
        kpi = _define(actor, entry, (i + 1) * 10, data["source"])
        notes = entry.get("target_notes") or {}
        for fy, value in (entry.get("targets") or {}).items():
            kpi_services.kpi_target_set(actor=actor, kpi=kpi, fiscal_year=int(fy), value=_dec(value),
                                        note=notes.get(fy, ""))
        for row in entry.get("actuals") or []:
            _record_actual(actor, kpi, row)
        out.append(kpi)
    return out


def load_system(*, actor: Actor, path: Path = SEED_FILE, demo_today: dt.date | None = None) -> list[Kpi]:
    """The KPIs the system computes from its own records (listed after the seed's 市民サービスの向上
    rows, display order 51…); with ``demo_today`` also the demo's
    targets for its own years and the baseline of 窓口での対応時間 (the demo history's first year)."""
    data = read(path)
    out = []
    for i, entry in enumerate(data.get("system") or []):
        kpi = _define(actor, {k: v for k, v in entry.items() if k != "demo_targets"},
                      50 + i + 1, "Madoguchi（整理券・来庁予約・来庁案件の記録）")
        if demo_today is not None:
            _demo_targets(actor, kpi, entry.get("demo_targets") or {}, demo_today)
        out.append(kpi)
    if demo_today is not None:
        for code, settings in (data.get("demo") or {}).items():
            kpi = kpi_selectors.kpi_by_code(code)
            if kpi is None:
                continue
            if settings.get("baseline") == "history_start":
                kpi = kpi_services.kpi_define(
                    actor=actor, code=code,
                    baseline_fy=fiscal.fiscal_year_of(demo_today - dt.timedelta(days=365)))
            _demo_targets(actor, kpi, settings.get("targets") or {}, demo_today)
    return out


def _demo_targets(actor: Actor, kpi: Kpi, targets: dict, today: dt.date) -> None:
    this_year = fiscal.fiscal_year_of(today)
    years = {"this_year": this_year, "next_year": this_year + 1}
    for key, value in targets.items():
        kpi_services.kpi_target_set(actor=actor, kpi=kpi, fiscal_year=years[key], value=_dec(value),
                                    note="デモ用の目標値")
