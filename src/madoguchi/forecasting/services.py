"""Writes for forecasting: the nightly refit of an office's 混雑予想; places (観光地): their master
data, the import of their counts and event days, and their refit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from madoguchi.core import timeutil
from madoguchi.core.actors import Actor
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import JST
from madoguchi.queueing import calendar as office_calendar
from madoguchi.queueing.models import Office

from . import closing, place_csv, selectors
from .calendar_model import (
    CLOSED,
    OPENED,
    default_thresholds,
    fit_series,
    holiday_calendar,
    hour_keys,
    level_for,
)
from .models import (
    HolidayOnClosedWeekday,
    HourForecast,
    Place,
    PlaceCount,
    PlaceEventDay,
    PlaceHourForecast,
    PlaceKind,
    WaitCalibration,
)

FORECAST_DAYS = 56
"""Eight weeks ahead, as the issue asks (高山市 forecasts two months)."""
HISTORY_DAYS = 730
CLOSED_LEVEL = 0
"""The stored level of an hour the office (or the category, after its cut-off) does not receive:
閉庁 on the calendar page and in the feed."""


def day_kinds(cal: office_calendar.Calendar, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """The office calendar as the model's day kinds, ``first`` … ``last``: ``OPENED`` where the
    office opens on a day the model would take for a closed one (休日開庁 on a Sunday or a
    holiday, an office that opens on holidays), ``CLOSED`` where it is closed on a working day
    (臨時閉庁). An office that does not enforce its hours has none."""
    if not cal.enforced:
        return {}
    is_holiday = holiday_calendar("JP")
    kinds = {}
    day = first
    while day <= last:
        working = bool(cal.rows.weekly.get(day.weekday())) and not is_holiday(day)
        is_open = office_calendar.day_of(cal, day).open
        if is_open and not working:
            kinds[day] = OPENED
        elif working and not is_open:
            kinds[day] = CLOSED
        day += dt.timedelta(days=1)
    return kinds


def forecast_refit(*, office: Office, days: int = FORECAST_DAYS, history_days: int = HISTORY_DAYS,
                   thresholds: tuple[float, ...] | None = None) -> int:
    """Fit every category of ``office`` (and the office total) on its issued tickets up to
    yesterday and replace its stored forecast of the next ``days`` days, from today. Returns
    the number of hours stored. Idempotent: running it twice replaces the same rows."""
    today = timeutil.business_date()
    last = today - dt.timedelta(days=1)
    first = today - dt.timedelta(days=history_days)
    series = selectors.hourly_issued(office, first=first, last=last)
    computed_at = timeutil.now()
    start = dt.datetime(today.year, today.month, today.day, tzinfo=JST)
    hours = hour_keys(start, days, JST)
    cal = office_calendar.office_calendar(office, since=first)
    kinds = day_kinds(cal, first, today + dt.timedelta(days=days))
    # Which hours each series receives visitors (the office's hours, a category's cut-off):
    # the others are stored as closed whatever the model says.
    receives: dict[tuple[str, dt.date], frozenset[int]] = {}
    rows = []
    for code, counts in series.items():
        # Days before the office's first ticket are not closed days: they are before its time.
        first_seen = next((i for i, (_, c) in enumerate(counts) if c), None)
        if first_seen is None:
            continue
        counts = counts[first_seen - first_seen % 24:]
        model = fit_series([h for h, _ in counts], [c for _, c in counts], country="JP", kinds=kinds)
        cuts = thresholds or default_thresholds(model.busy_hour)
        for hour, value in zip(hours, model.predict(hours, kinds), strict=True):
            key = (code, hour.date())
            if key not in receives:
                receives[key] = office_calendar.reception_hours(cal, hour.date(), code)
            if hour.hour in receives[key]:
                predicted, level = round(value, 3), level_for(value, cuts)
            else:
                predicted, level = 0.0, CLOSED_LEVEL
            rows.append(HourForecast(office_code=office.code, category_code=code, hour=hour,
                                     predicted=predicted, level=level, computed_at=computed_at))
    with transaction.atomic():
        HourForecast.objects.filter(office_code=office.code).delete()
        HourForecast.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


CALIBRATION_DAYS = 5
"""The office's last business days replayed by the nightly calibration of its wait estimate."""


def wait_calibration_refit(*, office: Office, days: int = CALIBRATION_DAYS,
                           runs: int | None = None) -> WaitCalibration | None:
    """Learn the levels at which the office's P50 and P80 are read (docs/estimates.md,
    "Calibration"): replay its event log of the last ``days`` days before today as the backtest
    does (predicting each ticket from the past only, at the screens' runs) and keep, like the
    engine, where each real wait fell in its predicted distribution. Stored when at least
    ``MIN_CALIBRATION`` tickets were called (else the row is removed: 0.5 and 0.8 again).
    Derived data, not a user's write: run by ``madoguchi manage forecast_refit`` each night."""
    from .estimate import MIN_CALIBRATION
    from .estimate_backtest import Office as Layout
    from .estimate_backtest import Replay, score
    from .events import event_rows, office_json

    today = timeutil.business_date()
    first = today - dt.timedelta(days=days)
    replay = Replay(Layout.load(office_json(office)), runs=runs or selectors.SCREEN_RUNS)
    for row in event_rows(office, since=first, until=today - dt.timedelta(days=1)):
        replay.event(dt.datetime.fromisoformat(row["at"]), row["ticket"], row["kind"], row["category"],
                     row["counter"])
    scores = score(replay.predictions)
    with transaction.atomic():
        WaitCalibration.objects.filter(office_code=office.code).delete()
        if len(replay.history.pits) < MIN_CALIBRATION:
            return None
        level50, level80 = replay.history.levels()
        return WaitCalibration.objects.create(
            office_code=office.code, level50=level50, level80=level80, scored=scores.scored,
            coverage80=scores.p80_coverage or 0.0, days=first, computed_at=timeutil.now())


# --- places (観光地) ---------------------------------------------------------------------------


def place_save(*, actor: Actor, code: str, name: str, name_en: str = "", names: dict | None = None,
               kind: str = PlaceKind.OTHER, country: str = "JP", time_zone: str = "Asia/Tokyo",
               opens_at: dt.time | None = None, closes_at: dt.time | None = None,
               closed_weekdays: list[int] | None = None,
               closed_weekday_holiday: str = HolidayOnClosedWeekday.CLOSED,
               year_end: tuple[str, str] | None = None, closed_dates: list[dt.date | str] | None = None,
               is_public: bool = True) -> Place:
    """Create or update the place ``code`` (its master data; the counts are imported apart).

    Closing rules (docs/forecast.md, 「休館日」): ``closed_weekdays`` (0 Monday … 6 Sunday),
    ``closed_weekday_holiday`` (what such a weekday does on a public holiday: ``closed``, ``open``
    or ``next_weekday``), ``year_end`` (``("12-29", "01-03")``: the year-end closure, both days
    included) and ``closed_dates`` (single closed days)."""
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(f"タイムゾーン {time_zone} がありません（例: Asia/Tokyo）。", code="invalid_time_zone") from None
    country = country.upper()
    if country != "JP":
        import holidays

        if country not in holidays.list_supported_countries():
            raise ServiceError(f"国コード {country} の祝日がわかりません（ISO 3166 の2文字: JP, US, NZ …）。",
                               code="invalid_country")
    if kind not in PlaceKind.values:
        raise ServiceError(f"種類 {kind} はありません（{', '.join(PlaceKind.values)}）。", code="invalid_kind")
    weekdays = sorted(set(closed_weekdays or []))
    if any(day not in range(7) for day in weekdays):
        raise ServiceError("定休日は 0（月曜）… 6（日曜）で指定してください。", code="invalid_weekday")
    if closed_weekday_holiday not in HolidayOnClosedWeekday.values:
        raise ServiceError(f"定休日が祝日のときの扱い {closed_weekday_holiday} はありません"
                           f"（{', '.join(HolidayOnClosedWeekday.values)}）。", code="invalid_holiday_rule")
    year_end_from = year_end_until = ""
    if year_end and any(year_end):
        try:
            year_end_from, year_end_until = (closing.parse_month_day(part) for part in year_end)
        except (TypeError, ValueError):
            raise ServiceError(f"年末年始の休館 {year_end} を読み取れません（例: 12-29 と 01-03）。",
                               code="invalid_year_end") from None
    try:
        dates = sorted({d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d).strip())
                        for d in closed_dates or []})
    except ValueError:
        raise ServiceError("臨時休館日は YYYY-MM-DD の日付で指定してください（例: 2026-02-10）。",
                           code="invalid_closed_date") from None
    with transaction.atomic():
        place, created = Place.objects.update_or_create(code=code, defaults=dict(
            name=name, name_en=name_en, names=names or {}, kind=kind, country=country,
            time_zone=time_zone, opens_at=opens_at, closes_at=closes_at, closed_weekdays=weekdays,
            closed_weekday_holiday=closed_weekday_holiday, year_end_from=year_end_from,
            year_end_until=year_end_until, closed_dates=[d.isoformat() for d in dates],
            is_public=is_public))
        audit_record(actor=actor, action="place_created" if created else "place_updated",
                     target=f"place:{code}", detail={
                         "country": country, "time_zone": time_zone, "closed_weekdays": weekdays,
                         "closed_weekday_holiday": closed_weekday_holiday,
                         "year_end": [year_end_from, year_end_until] if year_end_from else None,
                         "closed_dates": len(dates)})
    return place


def place_counts_import(*, actor: Actor, place: Place, data: bytes, source: str = "",
                        series: str | None = None) -> int:
    """Store the hourly counts of a CSV file (``hour,count`` or ``series,hour,count``; UTF-8,
    UTF-8 with BOM or Shift_JIS). Every row is checked before anything is stored, and a bad row
    raises ``PlaceCsvError`` naming its line: nothing of that file is kept. Re-importing is
    idempotent: an hour already stored is replaced (one row per place and hour). Returns the
    number of hours stored."""
    rows = place_csv.read_counts(data, tz=place.time_zone, series=series)
    imported_at = timeutil.now()
    objects = [PlaceCount(place=place, hour=row.hour, count=row.count, source=source[:200],
                          imported_at=imported_at) for row in rows]
    with transaction.atomic():
        PlaceCount.objects.bulk_create(objects, batch_size=2000, update_conflicts=True,
                                       unique_fields=["place", "hour"],
                                       update_fields=["count", "source", "imported_at"])
        audit_record(actor=actor, action="place_counts_imported", target=f"place:{place.code}",
                     detail={"hours": len(objects), "source": source[:200],
                             "first": min(r.hour for r in rows).isoformat() if rows else None,
                             "last": max(r.hour for r in rows).isoformat() if rows else None})
    return len(objects)


def place_event_days_import(*, actor: Actor, place: Place, data: bytes) -> int:
    """Store the event days of a CSV file (``date,name``), replacing the name of a day already
    there; all rows are checked first (nothing is kept from a file with a bad row)."""
    rows = place_csv.read_event_days(data)
    with transaction.atomic():
        for day, name in rows:
            PlaceEventDay.objects.update_or_create(place=place, date=day, defaults={"name": name})
        audit_record(actor=actor, action="place_event_days_imported", target=f"place:{place.code}",
                     detail={"days": len(rows)})
    return len(rows)


def place_forecast_refit(*, place: Place, days: int = FORECAST_DAYS, history_days: int = HISTORY_DAYS,
                         thresholds: tuple[float, ...] | None = None) -> int:
    """Fit the place's hourly counts up to yesterday (its local date) with its country's holidays
    and its event days, and replace its stored forecast of the opening hours of the next ``days``
    days. Returns the number of hours stored (0 for a place without counts yet).

    Closed days (its closing rules, ``closing.py``) are left out of the history — a counter at a
    closed gate reports zeros, and learned as quiet days they would drag down the open days'
    profile (a moved closure falls on a Tuesday, 年末年始 on the holidays) — and are stored as
    0 at level 0 (休館日) for each opening hour."""
    tz = ZoneInfo(place.time_zone)
    today = timeutil.now().astimezone(tz).date()
    rules = closing.ClosingRules.of(place)
    counts = selectors.place_hourly_counts(place, first=today - dt.timedelta(days=history_days),
                                           last=today - dt.timedelta(days=1))
    if rules and counts:
        shut = closing.closed_days(rules, counts[0][0].date(), counts[-1][0].date())
        counts = [(hour, count) for hour, count in counts if hour.date() not in shut]
    computed_at = timeutil.now()
    rows = []
    if counts:
        model = fit_series([h for h, _ in counts], [c for _, c in counts], country=place.country,
                           event_days=selectors.place_event_dates(place))
        cuts = thresholds or default_thresholds(model.busy_hour)
        shut_ahead = closing.closed_days(rules, today, today + dt.timedelta(days=days))
        seen: set[dt.datetime] = set()
        hours = []
        for hour in hour_keys(dt.datetime(today.year, today.month, today.day, tzinfo=tz), days, tz):
            instant = hour.astimezone(dt.UTC)  # a daylight-saving gap maps two wall hours to one
            if instant not in seen and selectors.place_hour_in_opening(place, hour):
                seen.add(instant)
                hours.append(hour)
        for hour, value in zip(hours, model.predict(hours), strict=True):
            if hour.date() in shut_ahead:
                predicted, level = 0.0, CLOSED_LEVEL
            else:
                predicted, level = round(value, 3), level_for(value, cuts)
            rows.append(PlaceHourForecast(place=place, hour=hour, predicted=predicted, level=level,
                                          computed_at=computed_at))
    with transaction.atomic():
        PlaceHourForecast.objects.filter(place=place).delete()
        PlaceHourForecast.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
