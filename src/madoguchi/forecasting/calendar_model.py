"""Hourly congestion forecasts (混雑予想) from hourly counts: a Poisson log-linear model.

Why this model: a city hall's counts are driven by the calendar far more than by anything else
(weekday and hour, national holidays and the day after, 月初・月末, the 年度末・年度初め moving
season), and each of these acts as a multiplier on the hour's usual count. A Poisson regression
with one-hot calendar features captures exactly that, is fitted by iterative proportional fitting
(the maximum-likelihood fit of a log-linear model whose features are all categorical) in pure
Python in well under a second per series, and needs no numerical library: the install stays
light (only ``holidays`` for countries other than Japan, ``jpholiday`` for Japan).

Each feature level's multiplier is shrunk towards 1 by a pseudo-count of about one day's traffic,
so a level seen rarely (a holiday on a Tuesday, last March's peak with one year of history) moves
the forecast only as far as the data supports.

The five levels (1 空いている … 5 大変混雑) come from configurable thresholds on the predicted
count; by default they are fractions of the series' busy-hour count (the 95th percentile of its
training counts), so a small branch office and a main hall both use all five levels.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

LEVEL_FRACTIONS = (0.2, 0.4, 0.6, 0.8)
"""Default level thresholds, as fractions of the busy-hour count (see ``default_thresholds``)."""

RECENT_DAYS = 28
"""Counts this many days before the end of training set the current level (a growing or
shrinking office, a street after a closure): the ``recent`` feature below. Older hours get one
level per 91 days, so a quarter of unusual counts (works, a faulty sensor) does not bend the
calendar multipliers learned from the rest."""


# --- the calendar -------------------------------------------------------------------------


@lru_cache(maxsize=32)
def holiday_calendar(country: str) -> Callable[[dt.date], bool]:
    """Whether a date is a public holiday in ``country`` (ISO 3166 alpha-2).

    Japan uses ``jpholiday`` (the national holidays, 振替休日 and 国民の休日) plus the city halls'
    year-end closure 年末年始 (29 December – 3 January); other countries use ``holidays``.
    """
    country = country.upper()
    if country == "JP":
        import jpholiday

        def is_jp_holiday(day: dt.date) -> bool:
            if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
                return True
            return jpholiday.is_holiday(day)

        return is_jp_holiday
    import holidays

    table = holidays.country_holidays(country)
    return lambda day: day in table


OPENED = "opened"
"""An office-calendar day kind: 休日開庁 — the office opens on a day it is usually closed (a
Sunday in the moving season, a holiday). Such a day has its own hour profile (``SPECIAL_DAY``)."""
CLOSED = "closed"
"""An office-calendar day kind: a working day the office is closed (臨時閉庁, 庁舎点検日). It is
learned and forecast as a holiday, and the next working day as the day after one."""
SPECIAL_DAY = 7
"""The ``weekday`` of an opened day: its own weekday × hour profile. Until the history holds one,
it is forecast as the geometric mean of the Monday–Friday profiles (an ordinary working day)."""

DayKinds = Mapping[dt.date, str]


@dataclass(frozen=True)
class DayFeatures:
    weekday: int          # 0 Monday … 6 Sunday; a holiday counts as a Sunday; 7 an opened day
    holiday: bool
    after_holiday: bool   # the first working day after a holiday (or a run of closed days with one)
    month_edge: str       # "start" (1–5), "end" (the last 5 days), "mid"
    season: str           # 年度末・年度初め: "mar1", "mar2", "apr1", "apr2"; else "none"
    month: int


def day_features(day: dt.date, is_holiday: Callable[[dt.date], bool],
                 kinds: DayKinds | None = None) -> DayFeatures:
    """The calendar features of one local date. ``kinds`` is the office calendar (date →
    ``OPENED`` or ``CLOSED``) where it departs from the week and the national holidays."""
    kinds = kinds or {}
    kind = kinds.get(day)
    holiday = kind == CLOSED or (kind != OPENED and is_holiday(day))
    after = False
    if not holiday and kind is None and day.weekday() < 5:
        back = day - dt.timedelta(days=1)
        # Walk back over the closed run before this day; an opened day ends it (its visitors
        # were served then, there is no backlog from before it).
        while kinds.get(back) != OPENED and (back.weekday() >= 5 or is_holiday(back)
                                             or kinds.get(back) == CLOSED):
            if is_holiday(back) or kinds.get(back) == CLOSED:
                after = True
            back -= dt.timedelta(days=1)
            if (day - back).days > 10:
                break
    last = calendar.monthrange(day.year, day.month)[1]
    edge = "start" if day.day <= 5 else ("end" if day.day > last - 5 else "mid")
    season = "none"
    if day.month in (3, 4):
        season = ("mar" if day.month == 3 else "apr") + ("1" if day.day <= 15 else "2")
    weekday = SPECIAL_DAY if kind == OPENED else (6 if holiday else day.weekday())
    return DayFeatures(weekday=weekday, holiday=holiday,
                       after_holiday=after, month_edge=edge, season=season, month=day.month)


def hour_keys(start: dt.datetime, days: int, tz: dt.tzinfo) -> list[dt.datetime]:
    """Every hour start of ``days`` local days from ``start``'s local date, aware, in ``tz``."""
    first = start.astimezone(tz).date()
    out = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        for hour in range(24):
            out.append(dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz))
    return out


# --- the model ----------------------------------------------------------------------------


def _rows_features(hours: Sequence[dt.datetime], is_holiday, train_end: dt.date,
                   event_days: frozenset[dt.date] = frozenset(),
                   kinds: DayKinds | None = None) -> list[tuple]:
    """One tuple of categorical levels per hour (local wall-clock time of each timestamp).

    ``event_days`` (a place's festivals, light-ups …) add one whole-day multiplier, only when
    there are any: a series without events keeps exactly the features above. ``kinds``: the
    office calendar (``OPENED`` / ``CLOSED`` days)."""
    cache: dict[dt.date, DayFeatures] = {}
    rows = []
    for when in hours:
        day = when.date()
        feats = cache.get(day)
        if feats is None:
            feats = cache[day] = day_features(day, is_holiday, kinds)
        age = (train_end - day).days
        recent = "recent" if age < RECENT_DAYS else f"q{(age - RECENT_DAYS) // 91}"
        rows.append((
            ("wh", feats.weekday, when.hour),
            ("hol", feats.holiday, when.hour),
            ("after", feats.after_holiday, when.hour),
            ("edge", feats.month_edge, when.hour),
            ("season", feats.season),
            # no month-of-year factor: with a year or two of history it is confounded with the
            # recent level and the fit drifts between the two; the season covers 3月・4月.
            ("recent", recent),
        ) + ((("event", day in event_days),) if event_days else ()))
    return rows


@dataclass
class SeriesModel:
    """A fitted model of one series: ``base`` × the multiplier of each feature level."""

    country: str
    train_end: dt.date
    base: float
    factors: dict[tuple, float] = field(default_factory=dict)
    busy_hour: float = 0.0
    event_days: frozenset[dt.date] = frozenset()

    def predict(self, hours: Sequence[dt.datetime], kinds: DayKinds | None = None) -> list[float]:
        """The expected count of each hour; ``kinds`` the office calendar of those days."""
        is_holiday = holiday_calendar(self.country)
        out = []
        for levels in _rows_features(hours, is_holiday, self.train_end, self.event_days, kinds):
            value = self.base
            for level in levels:
                if level[0] == "recent":
                    level = ("recent", "recent")  # a forecast continues the current level
                factor = self.factors.get(level)
                if factor is None and level[0] == "wh" and level[1] == SPECIAL_DAY:
                    factor = self._working_day_factor(level[2])
                value *= 1.0 if factor is None else factor
            out.append(value)
        return out

    def _working_day_factor(self, hour: int) -> float:
        """An opened day never seen in training: the geometric mean of Monday–Friday at ``hour``."""
        logs = [math.log(max(self.factors.get(("wh", d, hour), 1.0), 1e-12)) for d in range(5)]
        return math.exp(sum(logs) / len(logs))


def fit_series(hours: Sequence[dt.datetime], counts: Sequence[float], *, country: str = "JP",
               iterations: int = 40, prior_hours: float = 24.0,
               event_days: Iterable[dt.date] = (), kinds: DayKinds | None = None) -> SeriesModel:
    """Fit one series' hourly counts (``hours`` aware, in the place's local time).

    ``prior_hours`` is the shrinkage: each level's multiplier is estimated as if that many extra
    hours of mean traffic had been seen exactly at the current fit. ``event_days``: local dates
    with an event (past ones teach the effect, future ones receive it). ``kinds``: the office
    calendar of the training days (休日開庁 and 臨時閉庁 days), see ``OPENED`` and ``CLOSED``.
    """
    if not hours:
        raise ValueError("no training counts")
    is_holiday = holiday_calendar(country)
    train_end = max(h.date() for h in hours)
    events = frozenset(event_days)
    rows = _rows_features(hours, is_holiday, train_end, events, kinds)
    n = len(counts)
    mean = sum(counts) / n
    base = max(mean, 1e-9)
    prior = prior_hours * base
    factors: dict[tuple, float] = {}
    fitted = [base] * n
    n_features = len(rows[0])
    for _ in range(iterations):
        largest_step = 0.0
        for f in range(n_features):
            sum_y: dict[tuple, float] = {}
            sum_mu: dict[tuple, float] = {}
            for i in range(n):
                level = rows[i][f]
                sum_y[level] = sum_y.get(level, 0.0) + counts[i]
                sum_mu[level] = sum_mu.get(level, 0.0) + fitted[i]
            step = {}
            for level, observed in sum_y.items():
                ratio = (observed + prior) / (sum_mu[level] + prior)
                step[level] = ratio
                factors[level] = factors.get(level, 1.0) * ratio
                largest_step = max(largest_step, abs(math.log(ratio)))
            for i in range(n):
                fitted[i] *= step[rows[i][f]]
        if largest_step < 1e-4:
            break
    positive = sorted(c for c in counts if c > 0)
    busy = positive[min(len(positive) - 1, int(0.95 * len(positive)))] if positive else 0.0
    return SeriesModel(country=country.upper(), train_end=train_end, base=base,
                       factors=factors, busy_hour=float(busy), event_days=events)


# --- levels -------------------------------------------------------------------------------


def default_thresholds(busy_hour: float, fractions: Iterable[float] = LEVEL_FRACTIONS) -> tuple:
    return tuple(busy_hour * f for f in fractions)


def level_for(value: float, thresholds: Sequence[float]) -> int:
    """1 (空いている) … 5 (大変混雑): one more than the number of thresholds ``value`` reaches."""
    if len(thresholds) != 4 or list(thresholds) != sorted(thresholds):
        raise ValueError("four increasing thresholds are needed for five levels")
    return 1 + sum(1 for t in thresholds if value >= t)


# --- the baseline and the score -----------------------------------------------------------


def seasonal_naive(history: dict[dt.datetime, float], hours: Sequence[dt.datetime],
                   train_end_hour: dt.datetime) -> list[float | None]:
    """The weekly seasonal-naive forecast: the same hour of the last training week (UTC hours:
    a week is 168 hours), repeated; None where that week has no count."""
    week = dt.timedelta(hours=168)
    out: list[float | None] = []
    for when in hours:
        back = when
        while back > train_end_hour:
            back -= week
        value = history.get(back)
        if value is None:  # a gap: the week before
            value = history.get(back - week)
        out.append(value)
    return out


def mase_scale(history: dict[dt.datetime, float]) -> float:
    """Mean absolute error of the in-sample lag-168-hour naive forecast (the MASE denominator)."""
    week = dt.timedelta(hours=168)
    errors = [abs(value - history[when - week]) for when, value in history.items()
              if when - week in history]
    return sum(errors) / len(errors) if errors else float("nan")
