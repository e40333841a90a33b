"""A place's closing rules (休館日), as museums and gardens publish them.

- regular closed weekdays (「月曜休館」);
- what a closed weekday does when it is a public holiday of the place's country: still closed,
  open, or open and closed the next weekday instead (「月曜休館（祝日の場合は翌平日）」);
- a year-end closure (年末年始, e.g. 12/29–1/3);
- single closed dates (臨時休館: 展示替え, 点検).

Pure functions of the rules and a date, so the refit (which leaves closed days out of the history
and forecasts them as 0), the page and the feed read the same answer. ``reason`` codes are stable
(the JSON feed carries them); their words are in ``REASON_WORDS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

WEEKDAY = "weekday"
"""A regular closed weekday (定休日)."""
HOLIDAY_MOVED = "holiday_moved"
"""The closed weekday fell on a public holiday: the place opened then and closes this day instead."""
YEAR_END = "year_end"
"""The year-end closure (年末年始)."""
CLOSED_DATE = "closed_date"
"""A single closed date (臨時休館)."""

REASON_WORDS = {
    WEEKDAY: pgettext_lazy("closing reason", "定休日"),
    HOLIDAY_MOVED: _("祝日開館の振替"),
    YEAR_END: _("年末年始の休館"),
    CLOSED_DATE: _("臨時休館"),
}

RULE_CLOSED = "closed"
RULE_OPEN = "open"
RULE_NEXT_WEEKDAY = "next_weekday"
LOOK_BACK_DAYS = 14
"""How far back a moved closure is looked for (a run of holidays is at most a week long)."""


@lru_cache(maxsize=32)
def public_holidays(country: str) -> Callable[[dt.date], bool]:
    """Whether a date is a public holiday (祝日・休日) of ``country``: for Japan the national
    holidays with 振替休日 and 国民の休日 (``jpholiday``), without the city halls' 年末年始 that
    ``calendar_model.holiday_calendar`` adds (a place states its own year-end closure)."""
    country = country.upper()
    if country == "JP":
        import jpholiday

        # cached: the moved-closure rule asks about the same days again and again
        return lru_cache(maxsize=4096)(lambda day: bool(jpholiday.is_holiday(day)))
    import holidays

    table = holidays.country_holidays(country)
    return lambda day: day in table


def _month_day(text: str) -> tuple[int, int] | None:
    if not text:
        return None
    month, day = (int(part) for part in text.replace("/", "-").split("-"))
    dt.date(2000, month, day)  # a real day (29 February included)
    return month, day


def parse_month_day(text: str) -> str:
    """``12-29``, ``12/29`` or ``1/3`` → ``MM-DD``; ValueError for anything else."""
    parsed = _month_day(text.strip())
    if parsed is None:
        raise ValueError(text)
    return f"{parsed[0]:02d}-{parsed[1]:02d}"


@dataclass(frozen=True)
class ClosingRules:
    weekdays: frozenset[int] = frozenset()
    on_holiday: str = RULE_CLOSED
    year_end: tuple[tuple[int, int], tuple[int, int]] | None = None
    dates: frozenset[dt.date] = frozenset()
    country: str = "JP"

    @classmethod
    def of(cls, place) -> ClosingRules:
        start, end = _month_day(place.year_end_from), _month_day(place.year_end_until)
        return cls(weekdays=frozenset(place.closed_weekdays or ()),
                   on_holiday=place.closed_weekday_holiday or RULE_CLOSED,
                   year_end=(start, end) if start and end else None,
                   dates=frozenset(dt.date.fromisoformat(d) for d in place.closed_dates or ()),
                   country=place.country)

    def __bool__(self) -> bool:
        return bool(self.weekdays or self.year_end or self.dates)

    def in_year_end(self, day: dt.date) -> bool:
        if self.year_end is None:
            return False
        start, end = self.year_end
        key = (day.month, day.day)
        return start <= key <= end if start <= end else key >= start or key <= end

    def _weekday_closed(self, day: dt.date, is_holiday) -> bool:
        return day.weekday() in self.weekdays and (self.on_holiday == RULE_CLOSED or not is_holiday(day))

    def _closed_before_moves(self, day: dt.date, is_holiday) -> str | None:
        if day in self.dates:
            return CLOSED_DATE
        if self.in_year_end(day):
            return YEAR_END
        if self._weekday_closed(day, is_holiday):
            return WEEKDAY
        return None

    def _moved_to(self, holiday: dt.date, is_holiday) -> dt.date:
        """The weekday a closure falling on ``holiday`` moves to: the next Monday–Friday that is
        not a holiday and not closed anyway (翌平日)."""
        day = holiday + dt.timedelta(days=1)
        while day.weekday() >= 5 or is_holiday(day) or self._closed_before_moves(day, is_holiday):
            day += dt.timedelta(days=1)
        return day

    def reason(self, day: dt.date) -> str | None:
        """Why the place is closed on ``day`` (a reason code above), or None when it is open."""
        if not self:
            return None
        is_holiday = public_holidays(self.country)
        found = self._closed_before_moves(day, is_holiday)
        if found or self.on_holiday != RULE_NEXT_WEEKDAY or day.weekday() >= 5 or is_holiday(day):
            return found
        for back in range(1, LOOK_BACK_DAYS + 1):
            before = day - dt.timedelta(days=back)
            if (before.weekday() in self.weekdays and is_holiday(before)
                    and not self._closed_before_moves(before, is_holiday)  # e.g. in 年末年始
                    and self._moved_to(before, is_holiday) == day):
                return HOLIDAY_MOVED
        return None


def closed_days(rules: ClosingRules, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """The closed days ``first`` … ``last`` with their reason codes."""
    out = {}
    day = first
    while day <= last:
        reason = rules.reason(day)
        if reason:
            out[day] = reason
        day += dt.timedelta(days=1)
    return out
