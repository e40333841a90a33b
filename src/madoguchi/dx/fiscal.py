"""Fiscal years (年度) as a Japanese city counts them: April to March, named by the April's year.

FY2019 = 令和元年度 = 2019-04-01 … 2020-03-31. Dates are business dates (Asia/Tokyo).
"""

from __future__ import annotations

import datetime as dt

from madoguchi.core.timeutil import business_date

FIRST_MONTH = 4


def fiscal_year(day: dt.date) -> int:
    """The fiscal year a date falls in: 2025-03-31 → 2024, 2025-04-01 → 2025."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def bounds(fy: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of a fiscal year (both included)."""
    return dt.date(fy, FIRST_MONTH, 1), dt.date(fy + 1, FIRST_MONTH, 1) - dt.timedelta(days=1)


def current() -> int:
    return fiscal_year(business_date())


def era(year: int) -> str:
    """The short 和暦 of a (calendar or fiscal) year as the seed writes it: 2021 → R3, 2018 → H30."""
    if year >= 2019:
        return f"R{year - 2018}"
    return f"H{year - 1988}"


def era_long(fy: int) -> str:
    """令和3年度 (令和元年度 for FY2019), 平成30年度."""
    if fy >= 2019:
        n = fy - 2018
        return f"令和{'元' if n == 1 else n}年度"
    return f"平成{fy - 1988}年度"


def as_of_label(day: dt.date) -> str:
    """The seed's 「R4.3時点」 for a date in March 2022."""
    return f"{era(day.year)}.{day.month}時点"
