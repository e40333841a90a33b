"""The congestion forecast model: the calendar a Japanese city hall lives by, and its levels."""

import datetime as dt
import random

import pytest

from madoguchi.forecasting.calendar_model import (
    day_features,
    default_thresholds,
    fit_series,
    holiday_calendar,
    hour_keys,
    level_for,
    mase_scale,
    seasonal_naive,
)

JST = dt.timezone(dt.timedelta(hours=9))
JP = holiday_calendar("JP")


def test_the_japanese_calendar():
    assert day_features(dt.date(2025, 5, 5), JP).holiday  # こどもの日
    assert day_features(dt.date(2025, 5, 6), JP).holiday  # 振替休日
    after_golden_week = day_features(dt.date(2025, 5, 7), JP)
    assert after_golden_week.after_holiday and not after_golden_week.holiday
    assert day_features(dt.date(2025, 1, 14), JP).after_holiday  # 成人の日 Monday → Tuesday
    assert not day_features(dt.date(2025, 1, 15), JP).after_holiday
    assert not day_features(dt.date(2025, 6, 9), JP).after_holiday  # an ordinary Monday
    assert day_features(dt.date(2024, 12, 30), JP).holiday  # 年末年始: the city hall is closed
    assert day_features(dt.date(2025, 1, 6), JP).after_holiday
    assert day_features(dt.date(2025, 3, 31), JP).month_edge == "end"
    assert day_features(dt.date(2025, 4, 1), JP).month_edge == "start"
    assert day_features(dt.date(2025, 3, 25), JP).season == "mar2"
    assert day_features(dt.date(2025, 4, 3), JP).season == "apr1"
    assert day_features(dt.date(2025, 6, 3), JP).season == "none"
    assert day_features(dt.date(2025, 5, 5), JP).weekday == 6  # a holiday behaves as a Sunday


def test_other_countries_use_their_own_holidays():
    nz = holiday_calendar("NZ")
    assert nz(dt.date(2025, 2, 6))  # Waitangi Day
    assert not JP(dt.date(2025, 2, 6))
    assert not nz(dt.date(2025, 5, 5))


def simulated_office(days: int, start: dt.date, seed: int = 7):
    """A small city hall: open 9–17 on working days, a Monday rush, closed on holidays, the
    年度末・年度初め doubling the crowd; Poisson-like noise from a seeded generator."""
    rng = random.Random(seed)
    hours, counts = [], []
    for when in hour_keys(dt.datetime(start.year, start.month, start.day, tzinfo=JST), days, JST):
        feats = day_features(when.date(), JP)
        rate = 0.0
        if feats.weekday < 5 and 9 <= when.hour < 17:
            rate = 10.0 * (1.5 if feats.weekday == 0 else 1.0)
            rate *= 2.0 if feats.season in ("mar2", "apr1") else 1.0  # the moving season
        hours.append(when)
        counts.append(float(sum(1 for _ in range(int(rate * 3)) if rng.random() < 1 / 3)))
    return hours, counts


def test_the_model_learns_weekday_hours_holidays_and_the_moving_season():
    hours, counts = simulated_office(days=420, start=dt.date(2024, 1, 4))  # to 2025-02-26
    model = fit_series(hours, counts, country="JP")

    def at(day, hour):
        return model.predict([dt.datetime(day.year, day.month, day.day, hour, tzinfo=JST)])[0]

    june_tuesday = at(dt.date(2025, 6, 10), 10)
    assert 8 < june_tuesday < 12
    assert at(dt.date(2025, 6, 9), 10) > 1.3 * june_tuesday  # Monday
    assert at(dt.date(2025, 6, 10), 20) < 0.5  # after closing time
    assert at(dt.date(2025, 7, 21), 10) < 0.5  # 海の日: closed
    assert at(dt.date(2025, 3, 25), 10) > 1.6 * june_tuesday  # 年度末, learned from March 2024
    assert at(dt.date(2025, 3, 4), 10) < 1.3 * june_tuesday  # early March is still quiet


def test_the_seasonal_naive_baseline_repeats_the_last_week_and_scales_the_mase():
    utc = dt.UTC
    start = dt.datetime(2025, 1, 6, tzinfo=utc)
    history = {start + dt.timedelta(hours=h): float(h % 168 + 1000 * (h // 168)) for h in range(336)}
    end = max(history)
    target = [end + dt.timedelta(hours=1), end + dt.timedelta(hours=170)]
    assert seasonal_naive(history, target, end) == [1000.0, 1001.0]  # week 2's hours 0 and 1
    history.pop(start + dt.timedelta(hours=168))
    assert seasonal_naive(history, target[:1], end) == [0.0]  # a gap: the week before
    assert mase_scale(history) == 1000.0


def test_levels_are_five_and_configurable():
    cuts = default_thresholds(100.0)
    assert cuts == (20.0, 40.0, 60.0, 80.0)
    assert [level_for(v, cuts) for v in (0, 19.9, 20, 59, 60, 80, 500)] == [1, 1, 2, 3, 4, 5, 5]
    assert level_for(5, (1, 2, 3, 4)) == 5
    with pytest.raises(ValueError):
        level_for(5, (4, 3, 2, 1))


def test_a_faulty_quarter_does_not_bend_the_season_or_the_level():
    """A sensor (or a ticket machine) counting triple for four months long ago: the forecast
    keeps today's level and the moving season learned from the ordinary months around it."""
    hours, counts = simulated_office(days=420, start=dt.date(2024, 1, 4))
    counts = [c * 3 if dt.date(2024, 6, 1) <= h.date() <= dt.date(2024, 9, 30) else c
              for h, c in zip(hours, counts, strict=True)]
    model = fit_series(hours, counts, country="JP")

    def at(day, hour):
        return model.predict([dt.datetime(day.year, day.month, day.day, hour, tzinfo=JST)])[0]

    assert 8 < at(dt.date(2025, 6, 10), 10) < 12
    assert 16 < at(dt.date(2025, 3, 25), 10) < 24


# --- the office calendar: 休日開庁 and 臨時閉庁 ---------------------------------------------------

def test_the_office_calendar_opens_and_closes_days():
    from madoguchi.forecasting.calendar_model import CLOSED, OPENED, SPECIAL_DAY

    moving_sunday, spring_equinox = dt.date(2026, 3, 29), dt.date(2026, 3, 20)  # 春分の日 (Fri)
    april_sunday, inspection = dt.date(2026, 4, 5), dt.date(2026, 6, 17)  # a Wednesday
    kinds = {moving_sunday: OPENED, spring_equinox: OPENED, april_sunday: OPENED, inspection: CLOSED}
    opened = day_features(moving_sunday, JP, kinds)
    assert opened.weekday == SPECIAL_DAY and not opened.holiday and opened.season == "mar2"
    assert opened.month_edge == "end"
    april = day_features(april_sunday, JP, kinds)  # across the April boundary: 年度初め, 月初
    assert april.weekday == SPECIAL_DAY and april.season == "apr1" and april.month_edge == "start"
    # A holiday the office opens is no holiday for the model, and no backlog follows it.
    assert not day_features(spring_equinox, JP, kinds).holiday
    assert day_features(dt.date(2026, 3, 23), JP).after_holiday
    assert not day_features(dt.date(2026, 3, 23), JP, kinds).after_holiday
    assert not day_features(dt.date(2026, 3, 30), JP, kinds).after_holiday  # after 休日開庁
    # A closed working day is learned as a holiday and the next day as the day after one.
    closed = day_features(inspection, JP, kinds)
    assert closed.holiday and closed.weekday == 6
    assert day_features(dt.date(2026, 6, 18), JP, kinds).after_holiday
    assert not day_features(dt.date(2026, 6, 18), JP).after_holiday
    # 振替休日 (5/6) after Golden Week: the 7th is still the day after, whatever the kinds.
    assert day_features(dt.date(2026, 5, 7), JP, kinds).after_holiday


def _at(model, day, hour, kinds=None):
    return model.predict([dt.datetime(day.year, day.month, day.day, hour, tzinfo=JST)], kinds)[0]


def test_an_opened_sunday_is_forecast_like_a_working_day_until_one_is_seen():
    from madoguchi.forecasting.calendar_model import OPENED

    hours, counts = simulated_office(days=420, start=dt.date(2024, 1, 4))
    model = fit_series(hours, counts, country="JP")
    sunday = dt.date(2025, 6, 15)
    assert _at(model, sunday, 10) < 0.5  # an ordinary Sunday: closed
    opened = _at(model, sunday, 10, {sunday: OPENED})
    assert 7 < opened < 13  # like a working day's 10 o'clock (≈ 10)
    assert _at(model, sunday, 20, {sunday: OPENED}) < 0.5  # still no one at night


def test_opened_sundays_in_the_history_teach_their_own_profile():
    """Two 休日開庁 Sundays a spring with a morning crowd three times a weekday's: the forecast of
    next spring's opened Sunday morning is far above a working day's."""
    from madoguchi.forecasting.calendar_model import OPENED

    hours, counts = simulated_office(days=420, start=dt.date(2024, 1, 4))
    opened = {dt.date(2024, 3, 24), dt.date(2024, 3, 31), dt.date(2024, 6, 16), dt.date(2024, 10, 20)}
    rng = random.Random(3)
    counts = [float(sum(rng.random() < 0.5 for _ in range(60))) if h.date() in opened and 9 <= h.hour < 12
              else c for h, c in zip(hours, counts, strict=True)]
    kinds = dict.fromkeys(opened, OPENED)
    model = fit_series(hours, counts, country="JP", kinds=kinds)
    sunday = dt.date(2025, 6, 15)
    assert _at(model, sunday, 10, {sunday: OPENED}) > 20  # learned: ≈ 30 an hour
    assert _at(model, sunday, 14, {sunday: OPENED}) < 1  # open only in the morning
    assert _at(model, sunday, 10) < 0.5  # an ordinary Sunday stays closed
