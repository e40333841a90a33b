"""A year of simulated history for an office: the demo starts with one, so the wait estimate
has service times to learn from and the 混雑予想 calendar has a year to fit.

Each business day of the office (its calendar: weekends, national holidays, 年末年始, or its
opening hours where it enforces them) is one day of ``simulate.py``'s city hall, laid out as the
office is: its categories and counters (multi-skill, in serving order), clerks of different
speed, half of the counters at lunch in each of two shifts, no-shows, holds, transfers and
cancellations. Arrivals follow the hour of the day, the weekday, 月初・月末, the first day after a
holiday (連休明け) and the March–April moving season (引越しシーズン). Each category's arrival rate
is a share of what its counters can serve (``UTILISATION``), so waits stay those of a real
office: short most of the year, long in late March.

Deterministic: a day's events depend only on the seed, the office code and the date, so a
demo restarted a week later adds the missing days exactly as a fresh run would have made them.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from dataclasses import dataclass

from madoguchi.core.actors import Actor
from madoguchi.core.timeutil import JST, business_date
from madoguchi.queueing import services as queue_services
from madoguchi.queueing.models import CounterCategory, Office, Ticket

from .calendar_model import holiday_calendar
from .simulate import HOUR_PROFILE, PEAK_CODES, Layout, Scenario, simulate_day

HISTORY_DAYS = 365
HISTORY_SEED = 2026
CHUNK_DAYS = 31
UTILISATION = 0.4
"""Arrivals at an hour factor of 1 as a share of what the counters serve: the morning peak
(×1.35, ×1.6 on a Monday) nears what they can do, the moving season (×1.7) exceeds it."""
SPEEDS = (1.0, 1.15, 0.9, 1.0, 1.05, 1.2, 0.9, 1.0)  # clerks' service-time multipliers, in turn
LUNCH_SHIFTS = ((11.75, 12.75), (12.75, 13.75))
HISTORY_PEAK_CODES = PEAK_CODES | {"school"}  # 転入学 comes with the move
ACTOR = Actor(kind="system", label="模擬履歴（デモ）")


@dataclass(frozen=True)
class HistoryResult:
    days: int
    tickets: int
    events: int
    seconds: float


def moving_season(day: dt.date) -> float:
    """The moving-season multiplier: 年度末 rises from early March, peaks from mid-March into
    early April (転入・転出), and ebbs through April."""
    if day.month == 3:
        return 1.3 if day.day <= 15 else 1.7
    if day.month == 4:
        return 1.7 if day.day <= 10 else 1.25
    return 1.0


def _open_days(office: Office, first: dt.date, last: dt.date) -> list[tuple[dt.date, float, float]]:
    """(date, opening hour, closing hour) of every day the office opened in ``first``..``last``."""
    from madoguchi.queueing.calendar import day_of, is_year_end, office_calendar

    holiday = holiday_calendar("JP")
    cal = office_calendar(office, since=first) if office.hours_enforced else None
    out, day = [], first
    while day <= last:
        if cal is not None:
            ranges = day_of(cal, day).ranges
            if ranges:
                out.append((day, ranges[0][0] / 3600, ranges[-1][1] / 3600))
        elif (day.weekday() < 5 and not (office.closed_year_end and is_year_end(day))
              and not (office.closed_on_holidays and holiday(day))):
            out.append((day, 8.5, 17.0))
        day += dt.timedelta(days=1)
    return out


def _day_factor(day: dt.date, previous_open: dt.date | None, holiday) -> float:
    factor = 1.0
    last_of_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    if day.day <= 5 or (last_of_month - day).days < 5:
        factor *= 1.1  # 月初・月末
    if previous_open is not None:
        gap = [previous_open + dt.timedelta(days=i) for i in range(1, (day - previous_open).days)]
        if any(holiday(d) for d in gap):
            factor *= 1.25  # 連休明け
    return factor


def office_layout(office: Office, *, open_at: float = 8.5, close: float = 17.0) -> Layout:
    """The office as the simulator sees it: its active categories and the counters serving them."""
    categories = list(office.categories.filter(is_active=True).order_by("display_order", "pk"))
    serves: dict[int, list[str]] = {}
    for number, code in (CounterCategory.objects.filter(counter__office=office, category__is_active=True)
                         .order_by("counter__number", "position", "id")
                         .values_list("counter__number", "category__code")):
        serves.setdefault(number, []).append(code)
    prior = {c.code: max(1, c.prior_service_minutes) for c in categories}
    # What each category's counters can serve in an hour (a shared counter splits its hour).
    capacity = dict.fromkeys(prior, 0.0)
    for codes in serves.values():
        for code in codes:
            capacity[code] += 60 / prior[code] / len(codes)
    numbers = sorted(serves)
    profile = dict(HOUR_PROFILE)
    for hour in range(int(open_at), math.ceil(close)):
        profile.setdefault(hour, 0.6)
    cutoffs = {c.code: c.reception_until.hour + c.reception_until.minute / 60
               for c in categories if c.reception_until}
    return Layout(
        categories=tuple((c.code, c.is_fast_lane, prior[c.code], capacity[c.code]) for c in categories),
        counters=serves,
        speed={n: SPEEDS[i % len(SPEEDS)] for i, n in enumerate(numbers)},
        lunch={n: LUNCH_SHIFTS[i % 2] for i, n in enumerate(numbers)} if len(numbers) > 1 else {},
        open_at=open_at, reception_until=close, hour_profile=profile,
        peak_codes=HISTORY_PEAK_CODES, cutoffs=cutoffs)


def simulated_days(office: Office, first: dt.date, last: dt.date, *, seed: int = HISTORY_SEED):
    """``(date, rows)`` of every open day, rows ``(at, ticket, kind, category, counter)`` as
    ``queueing.services.history_append`` takes them."""
    holiday = holiday_calendar("JP")
    layouts: dict[tuple[float, float], Layout] = {}
    out, previous = [], None
    for day, open_at, close in _open_days(office, first - dt.timedelta(days=10), last):
        if day >= first:
            layout = layouts.get((open_at, close))
            if layout is None:
                layout = layouts[(open_at, close)] = office_layout(office, open_at=open_at, close=close)
            total = sum(w for *_rest, w in layout.categories)
            if total > 0:
                scenario = Scenario("history", day, days=1, arrivals_per_hour=UTILISATION * total,
                                    peak=moving_season(day), factor=_day_factor(day, previous, holiday),
                                    layout=layout)
                rng = random.Random(f"{seed}:{office.code}:{day.isoformat()}")
                midnight = dt.datetime(day.year, day.month, day.day, tzinfo=JST)
                rows = [(midnight + dt.timedelta(seconds=round(at * 3600)), str(ticket), kind, category, counter)
                        for at, ticket, kind, category, counter in simulate_day(day, scenario, rng)]
                out.append((day, rows))
        previous = day
    return out


def seed_history(office: Office, *, days: int = HISTORY_DAYS, seed: int = HISTORY_SEED,
                 today: dt.date | None = None) -> HistoryResult:
    """Fill the office's last ``days`` days before today with simulated history, from the day
    after its newest past ticket (nothing when the history is already there)."""
    started = time.perf_counter()
    today = today or business_date()
    first, last = today - dt.timedelta(days=days), today - dt.timedelta(days=1)
    newest = (Ticket.objects.filter(office=office, business_date__lt=today)
              .order_by("-business_date").values_list("business_date", flat=True).first())
    if newest is not None:
        first = max(first, newest + dt.timedelta(days=1))
    if first > last:
        return HistoryResult(0, 0, 0, time.perf_counter() - started)
    days_done = tickets = events = 0
    while first <= last:  # a month per transaction: a server running meanwhile waits ~1 s, not 10
        until = min(last, first + dt.timedelta(days=CHUNK_DAYS - 1))
        simulated = simulated_days(office, first, until, seed=seed)
        added = queue_services.history_append(actor=ACTOR, office_code=office.code, days=simulated)
        days_done, tickets, events = days_done + len(simulated), tickets + added[0], events + added[1]
        first = until + dt.timedelta(days=1)
    return HistoryResult(days_done, tickets, events, time.perf_counter() - started)


def history_line(results: list[HistoryResult], *, days: int = HISTORY_DAYS) -> str | None:
    """The demo's one line about its history (None when nothing was added)."""
    added = [r for r in results if r.days]
    if not added:
        return None
    tickets = sum(r.tickets for r in added)
    seconds = sum(r.seconds for r in added)
    span, span_en = ("1年", "year") if days >= 365 else (f"{days}日", f"{days} days")
    return (f"過去{span}分の模擬履歴を生成しました（整理券 {tickets:,}件・履歴 {sum(r.events for r in added):,}件, "
            f"{seconds:.1f}秒）/ simulated history of the past {span_en}: {tickets:,} tickets")


def stale_offices(offices: list[Office]) -> list[Office]:
    """The offices whose stored 混雑予想 is not from today (the demo refits those at start; the
    nightly ``forecast_refit`` does it in production)."""
    from .models import HourForecast

    today = business_date()
    out = []
    for office in offices:
        latest = (HourForecast.objects.filter(office_code=office.code).order_by("-computed_at")
                  .values_list("computed_at", flat=True).first())
        if latest is None or business_date(latest) != today:
            out.append(office)
    return out


def refit_stale(offices: list[Office]) -> list[str]:
    """Refit the stale ones among ``offices``; returns their codes."""
    from .services import forecast_refit, wait_calibration_refit

    done = []
    for office in stale_offices(offices):
        forecast_refit(office=office)
        wait_calibration_refit(office=office)  # the wait estimate's levels from the simulated days
        done.append(office.code)
    return done
