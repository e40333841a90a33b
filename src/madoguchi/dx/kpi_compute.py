"""The KPIs the system fills itself, from the other apps' selectors (never their managers).

* コピー用紙使用量（2019年度比較）: ``dx.selectors.paper_pages`` of the year and of the KPI's
  baseline year, month for month: only the months the year has readings for are compared with
  the same months of the baseline year, so a year in progress is not "less paper" for being short.
* 窓口での対応時間の削減: (baseline year's service time per visit − this year's) × this year's
  visits served, in hours: the time saved at the counters, whatever the number of visitors
  (``queueing.selectors.service_totals``: last call → done).
* 平均待ち時間: issue → first call, minutes, the mean over the year's tickets.
* 予約して来庁した割合: bookings checked in ÷ tickets issued (the reservations app, if installed).
* 事前に準備して来庁した割合: cases opened from a hand-over QR ÷ tickets issued (the cases app).

A year in progress is measured up to today (its ``as_of``); a past year is final at 31 March.
Nothing to measure (no tickets, no readings, no baseline) is ``None``: no actual is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps

from . import fiscal
from .kpi_models import Computed, Kpi


@dataclass(frozen=True)
class Result:
    value: Decimal
    as_of: dt.date
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    note: str = ""


def _dec(x: float) -> Decimal:
    return Decimal(str(round(x, 4)))


@dataclass
class Period:
    """A fiscal year up to ``today`` (a past year: whole), with the figures read once per refresh."""

    fy: int
    today: dt.date
    _cache: dict = field(default_factory=dict)

    @property
    def first(self) -> dt.date:
        return fiscal.bounds(self.fy)[0]

    @property
    def last(self) -> dt.date:
        return min(fiscal.bounds(self.fy)[1], self.today)

    def cached(self, key, read):
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def service(self, fy: int | None = None) -> dict:
        from madoguchi.queueing import selectors as queue

        fy = self.fy if fy is None else fy
        first, last = fiscal.bounds(fy)
        last = min(last, self.today)
        return self.cached(("service", fy), lambda: queue.service_totals(first, last))


def _paper_use(kpi: Kpi, period: Period) -> Result | None:
    from . import selectors

    paper_pages = getattr(selectors, "paper_pages", None)  # the paper report's selector
    if paper_pages is None or kpi.baseline_fy is None or period.fy <= kpi.baseline_fy:
        return None
    year = period.cached(("paper", period.fy), lambda: paper_pages(period.fy))
    base = period.cached(("paper", kpi.baseline_fy), lambda: paper_pages(kpi.baseline_fy))

    def month_totals(report) -> list[int | None]:
        months = len(report.get("months") or [])
        totals: list[int | None] = [None] * months
        for section in report.get("sections") or []:
            for i, pages in enumerate(section.get("pages") or []):
                if pages is not None and i < months:
                    totals[i] = (totals[i] or 0) + pages
        return totals

    this, then = month_totals(year), month_totals(base)
    both = [i for i in range(min(len(this), len(then))) if this[i] is not None and then[i] is not None]
    if not both:
        return None
    pages, baseline = sum(this[i] for i in both), sum(then[i] for i in both)
    if baseline <= 0:
        return None
    months = year["months"]
    span = (f"{int(months[both[0]][5:])}月～{int(months[both[-1]][5:])}月"
            if len(both) < 12 else "年間")
    reduced = baseline - pages
    note = (f"{reduced:,}枚減（{span}: {pages:,}枚、{kpi.baseline_fy}年度の同じ月 {baseline:,}枚）"
            if reduced >= 0 else
            f"{-reduced:,}枚増（{span}: {pages:,}枚、{kpi.baseline_fy}年度の同じ月 {baseline:,}枚）")
    return Result(value=_dec(reduced / baseline * 100), as_of=period.last,
                  numerator=Decimal(pages), denominator=Decimal(baseline), note=note)


def _counter_time(kpi: Kpi, period: Period) -> Result | None:
    if kpi.baseline_fy is None or period.fy <= kpi.baseline_fy:
        return None
    year, base = period.service(), period.service(kpi.baseline_fy)
    if not year["served"] or not base["served"]:
        return None
    per_visit, base_per_visit = (year["service_seconds"] / year["served"],
                                 base["service_seconds"] / base["served"])
    hours = (base_per_visit - per_visit) * year["served"] / 3600
    note = (f"1件あたり {base_per_visit / 60:.2f}分（{kpi.baseline_fy}年度）→ {per_visit / 60:.2f}分、"
            f"{year['served']:,}件")
    # numerator: this year's hours at the counters; denominator: the same visits at the baseline's pace
    return Result(value=_dec(hours), as_of=period.last, numerator=_dec(year["service_seconds"] / 3600),
                  denominator=_dec(base_per_visit * year["served"] / 3600), note=note)


def _wait(kpi: Kpi, period: Period) -> Result | None:
    year = period.service()
    if not year["waited"]:
        return None
    return Result(value=_dec(year["wait_seconds"] / year["waited"] / 60), as_of=period.last,
                  note=f"{year['waited']:,}件の平均（発券から最初の呼出まで）")


def _share(numerator: int, period: Period) -> Result | None:
    visits = period.service()["visits"]
    if not visits:
        return None
    return Result(value=_dec(numerator / visits * 100), as_of=period.last,
                  numerator=Decimal(numerator), denominator=Decimal(visits))


def _booked(kpi: Kpi, period: Period) -> Result | None:
    if not apps.is_installed("madoguchi.reservations"):
        return None
    from madoguchi.reservations.selectors import checked_in_count

    return _share(checked_in_count(period.first, period.last), period)


def _prepared(kpi: Kpi, period: Period) -> Result | None:
    if not apps.is_installed("madoguchi.cases"):
        return None
    from madoguchi.cases.selectors import cases_opened_count

    return _share(cases_opened_count(period.first, period.last, source="handover"), period)


COMPUTERS = {
    Computed.PAPER_USE: _paper_use,
    Computed.COUNTER_TIME: _counter_time,
    Computed.WAIT: _wait,
    Computed.BOOKED: _booked,
    Computed.PREPARED: _prepared,
}


def compute(kpi: Kpi, period: Period) -> Result | None:
    computer = COMPUTERS.get(kpi.computed)
    return computer(kpi, period) if computer else None
