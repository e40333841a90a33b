"""Fiscal years (年度, April–March) and the month a reading's pages belong to.

A reading's ``pages`` are what the device printed since its previous reading, so they belong to
the working day that ended before the reading: a reading taken before ``DX_DAY_START`` (JST,
default 08:30, before the office opens) counts for the previous day. The daily poll at 06:15 on
1 May therefore counts for 30 April, and a reading at 1 May 10:00 counts for May. A month's pages
are the sum of the pages of the readings counted in it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from madoguchi.core.timeutil import JST, business_date


def day_start() -> dt.timedelta:
    hours, _sep, minutes = settings.DX_DAY_START.partition(":")
    return dt.timedelta(hours=int(hours), minutes=int(minutes or 0))


def counted_date(read_at: dt.datetime) -> dt.date:
    """The day a reading's pages were printed (its JST date, or the day before if early)."""
    return (read_at.astimezone(JST) - day_start()).date()


def fiscal_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def current_fiscal_year(today: dt.date | None = None) -> int:
    return fiscal_year_of(today or business_date())


def fiscal_months(fiscal_year: int) -> list[dt.date]:
    """The first days of April … March of a fiscal year."""
    return [dt.date(fiscal_year + (m < 4), m, 1) for m in (*range(4, 13), 1, 2, 3)]


def month_start(day: dt.date) -> dt.datetime:
    """When readings start to count for the month of ``day`` (aware)."""
    return dt.datetime(day.year, day.month, 1, tzinfo=JST) + day_start()


def month_index(fiscal_year: int, day: dt.date) -> int:
    """0 for April … 11 for March; -1 for the March before the fiscal year."""
    return (day.year - fiscal_year) * 12 + day.month - 4


def label(fiscal_year: int) -> str:
    """和暦の年度名: 2019 → 令和元年度, 2024 → 令和6年度, 2018 → 平成30年度."""
    if fiscal_year >= 2019:
        n = fiscal_year - 2018
        return f"令和{'元' if n == 1 else n}年度"
    n = fiscal_year - 1988
    return f"平成{'元' if n == 1 else n}年度"


def bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of a fiscal year (both included): 2024 → 2024-04-01, 2025-03-31."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


def era(year: int) -> str:
    """The short 和暦 of a year as the seed's KPI table writes it: 2021 → R3, 2018 → H30."""
    return f"R{year - 2018}" if year >= 2019 else f"H{year - 1988}"


def as_of_label(day: dt.date) -> str:
    """The seed's 「R4.3時点」 for a date in March 2022."""
    return f"{era(day.year)}.{day.month}時点"
