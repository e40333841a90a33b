"""和暦 (Japanese era) dates, as printed on the city's forms.

An era starts on the day of the accession (改元), not on 1 January: 2019-04-30 is 平成31年,
2019-05-01 is 令和元年. The first year of an era is printed 元年, as every form writes it.
Dates before 大正 (1912-07-30) are not expected on a living resident's form and are refused.
"""

from __future__ import annotations

import datetime as dt
import re

import jaconv

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


# ------------------------------------------------------------------ reading what a clerk types

_ERA_WORDS = {"令和": 0, "r": 0, "平成": 1, "h": 1, "昭和": 2, "s": 2, "大正": 3, "t": 3}
_TYPED = re.compile(r"^(?P<era>令和|平成|昭和|大正|[rhst])?\s*(?P<year>\d{1,4}|元)\s*[年./-]\s*(?P<month>\d{1,2})"
                    r"\s*[月./-]\s*(?P<day>\d{1,2})\s*日?$", re.IGNORECASE)
_COMPACT = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")


def parse(text: str) -> dt.date:
    """A date as a clerk types it: 和暦 (``昭和60年4月2日``, ``S60.4.2``, ``令和元年5月1日``,
    ``R1/5/1``) or 西暦 (``1985-04-02``, ``1985/4/2``, ``1985年4月2日``, ``19850402``); full-width
    digits accepted. Raises ``WarekiError`` with a Japanese message for the clerk."""
    value = jaconv.z2h(str(text or "").strip(), kana=False, ascii=True, digit=True)
    value = value.replace("ー", "-").replace("−", "-")
    if not value:
        raise WarekiError("日付を入力してください。")
    match = _TYPED.match(value) or _COMPACT.match(value)
    if match is None:
        raise WarekiError("日付を読み取れません（例: 昭和60年4月2日、S60.4.2、1985-04-02）。")
    parts = match.groupdict()
    era = parts.get("era")
    year = 1 if parts["year"] == "元" else int(parts["year"])
    if era:
        index = _ERA_WORDS[era.lower()]
        start = ERAS[index][0]
        year += start.year - 1
    elif parts["year"] == "元" or year < 1000:
        raise WarekiError("元号を付けて入力してください（例: 昭和60年4月2日、S60.4.2）。")
    try:
        day = dt.date(year, int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise WarekiError("日付が正しくありません（その月にない日です）。") from None
    if era:
        end = ERAS[index - 1][0] if index else None
        if day < start or (end is not None and day >= end):
            raise WarekiError("この元号にない日付です。元号と年を確かめてください。")
    return day
