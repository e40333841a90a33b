"""和暦 (Japanese era) dates, as printed on the city's forms.

An era starts on the day of the accession (改元), not on 1 January: 2019-04-30 is 平成31年,
2019-05-01 is 令和元年. The first year of an era is printed 元年, as every form writes it.
Dates before 大正 (1912-07-30) are not expected on a living resident's form and are refused.
"""

from __future__ import annotations

import datetime as dt

# (first day, name, initial) newest first.
ERAS: tuple[tuple[dt.date, str, str], ...] = (
    (dt.date(2019, 5, 1), "令和", "R"),
    (dt.date(1989, 1, 8), "平成", "H"),
    (dt.date(1926, 12, 25), "昭和", "S"),
    (dt.date(1912, 7, 30), "大正", "T"),
)


class WarekiError(ValueError):
    """A date this module cannot print as 和暦 (before 大正)."""


def era_of(day: dt.date) -> tuple[str, int]:
    """The era's name and the year within it (1 for 元年)."""
    for start, name, _initial in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise WarekiError(f"{day.isoformat()} は大正より前の日付のため和暦にできません。")


def year_label(year: int) -> str:
    return "元" if year == 1 else str(year)


def wareki(day: dt.date | str) -> str:
    """``令和7年4月1日``; ``令和元年5月1日`` for the era's first year."""
    day = as_date(day)
    name, year = era_of(day)
    return f"{name}{year_label(year)}年{day.month}月{day.day}日"


def wareki_parts(day: dt.date | str) -> dict[str, str]:
    """The parts a form with pre-printed 「年 月 日」 boxes needs: era, year, month, day."""
    day = as_date(day)
    name, year = era_of(day)
    return {"era": name, "year": year_label(year), "month": str(day.month), "day": str(day.day)}


def seireki(day: dt.date | str) -> str:
    """``2025年4月1日`` (a form that asks for the Western year)."""
    day = as_date(day)
    return f"{day.year}年{day.month}月{day.day}日"


def as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
