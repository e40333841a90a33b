"""The engine's view of an office from the database.

``hourly_issued`` and ``office_forecast`` (混雑予想): the counts the nightly refit learns from,
and the stored forecasts the feed serves.

``wait_estimates(office)``: P50/P80 of every waiting ticket of today, from today's queue, the
counters (open, busy since the call, paused since their last 受付休止), the last
``SERVICE_SAMPLES`` services of each category (``service_seconds`` of finished tickets, any day,
with the counter that served them for its pace), and the pauses of the last business day with
counter events (the lunch rota) — those two kept in the process between changes of the queue
(``office_history.py``: the past read once a business day, today's services as they finish).
The P50 and P80 are read at the levels the office's nightly
calibration learned from its own log (``WaitCalibration``, ``services.wait_calibration_refit``),
0.5 and 0.8 until then.

``office_waits(office_id, at)``: the same, plus the wait of a ticket issued now in each category,
rounded to whole minutes: what the board, the ticket page, the kiosk and the notices show. It is
registered with ``queueing.estimates`` in ``ForecastingConfig.ready`` (the queue never imports
this app), which computes it once per change of the office.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter as Tally
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import connection

from madoguchi.core.timeutil import JST, business_date, from_db, now
from madoguchi.queueing import estimates, rules
from madoguchi.queueing.models import (
    Category,
    Counter,
    CounterCategory,
    CounterEvent,
    CounterEventKind,
    EventKind,
    Office,
    Ticket,
    TicketEvent,
    TicketState,
)

from . import closing
from .estimate import (
    HISTORY_SIZE,
    RUNS,
    CounterState,
    Estimate,
    WaitingTicket,
    estimate_office,
    rota_today,
)
from .models import (
    HourForecast,
    Place,
    PlaceCount,
    PlaceEventDay,
    PlaceHourForecast,
    WaitCalibration,
)
from .office_history import calls_before_today, office_history

SERVICE_SAMPLES = HISTORY_SIZE
# The screens' runs: computed on every change of an office's queue, so a third of the backtest's
# 120 (docs/estimates.md: the backtest at 40 runs scores within a few percent of 120;
# docs/benchmarks.md: the cost of one estimate of 200 waiting tickets).
SCREEN_RUNS = 40
FAST_LANE_WINDOW = dt.timedelta(minutes=60)  # as the backtest's replay: the last hour's fast-lane tickets
HOLD_DAYS = 7  # the share of calls that ended in a hold, over the office's last week


def _minutes(at: dt.datetime) -> float:
    return at.timestamp() / 60


def wait_estimates(office: Office, *, at: dt.datetime | None = None, runs: int = RUNS) -> dict[int, Estimate]:
    """Estimates of today's waiting tickets of ``office``, by ticket pk."""
    return _estimates(office.pk, at=at or now(), runs=runs, new_tickets=False)[0]


def office_waits(office_id: int, at: dt.datetime) -> estimates.OfficeWaits:
    """What the queue's screens show (registered with ``queueing.estimates`` in apps.ready):
    the P50/P80 of every waiting ticket and of a ticket issued now in each category."""
    tickets, new = _estimates(office_id, at=at, runs=SCREEN_RUNS, new_tickets=True)
    return estimates.OfficeWaits(
        tickets={pk: estimates.Wait.of(e.p50, e.p80) for pk, e in tickets.items()},
        new_ticket={pk: estimates.Wait.of(e.p50, e.p80) for pk, e in new.items()})


_SQL: dict[str, dict[str, str]] = {}


def _sql() -> dict[str, str]:
    """The reads of one estimate as plain SQL (built once per database vendor): the ORM spent
    more building seven small queries than the database answering them (docs/benchmarks.md)."""
    vendor = connection.vendor
    if vendor not in _SQL:
        q = connection.ops.quote_name

        def table(model) -> str:
            return q(model._meta.db_table)

        ticket, category, counter = table(Ticket), table(Category), table(Counter)
        today = "office_id = %(office)s AND business_date = %(today)s"
        _SQL[vendor] = {  # noqa: S608 (model tables)
            "waiting": f"SELECT id, category_id, is_fast_lane, issued_at FROM {ticket}"
                       f" WHERE {today} AND state = %(waiting)s",
            # In the ORM's order (Category.Meta: display order, range start): the probes' order.
            "categories": f"SELECT id, is_fast_lane, prior_service_minutes FROM {category}"
                          f" WHERE office_id = %(office)s ORDER BY display_order, range_start, id",
            "stamp": f"SELECT o.history_stamp, w.level50, w.level80 FROM {table(Office)} o"
                     f" LEFT JOIN {table(WaitCalibration)} w ON w.office_code = o.code WHERE o.id = %(office)s",
            "serves": f"SELECT s.counter_id, s.category_id FROM {table(CounterCategory)} s"
                      f" JOIN {counter} c ON c.id = s.counter_id WHERE c.office_id = %(office)s",
            "called": f"SELECT counter_id, category_id, called_at FROM {ticket} WHERE {today} AND state = %(called)s",
            "pauses": f"SELECT counter_id, kind, at FROM {table(CounterEvent)}"
                      f" WHERE {today} AND kind IN (%(opened)s, %(paused)s) ORDER BY at, id",
            # In the ORM's order (Counter.Meta: number): the engine breaks ties by it.
            "counters": f"SELECT id, is_open FROM {counter} WHERE office_id = %(office)s ORDER BY number, id",
            # The share of each category's calls that ended in a hold (保留), over the last week.
            # Today's calls and holds (the days before: office_history.calls_before_today, kept).
            "holds": f"SELECT category_id, kind, COUNT(*) FROM {table(TicketEvent)} WHERE office_id = %(office)s"
                     f" AND business_date >= %(today)s AND kind IN (%(call)s, %(hold)s) GROUP BY category_id, kind",
            # The fast-lane tickets issued in the last hour (new ones go ahead of everyone).
            "fast": f"SELECT category_id, COUNT(*) FROM {ticket} WHERE {today} AND is_fast_lane = %(yes)s"
                    f" AND issued_at > %(hour_ago)s AND issued_at <= %(at)s GROUP BY category_id",
        }
    return _SQL[vendor]


def _estimates(office_id: int, *, at: dt.datetime, runs: int,
               new_tickets: bool) -> tuple[dict[int, Estimate], dict[int, Estimate]]:
    today = business_date(at)
    sql = _sql()
    params = {"office": office_id, "today": connection.ops.adapt_datefield_value(today),
              "waiting": TicketState.WAITING.value, "called": TicketState.CALLED.value,
              "opened": CounterEventKind.OPENED.value, "paused": CounterEventKind.PAUSED.value,
              "call": EventKind.CALLED.value, "hold": EventKind.HELD.value, "yes": True,
              "hour_ago": connection.ops.adapt_datetimefield_value(at - FAST_LANE_WINDOW),
              "at": connection.ops.adapt_datetimefield_value(at)}
    with connection.cursor() as cursor:
        def rows(name: str) -> list[tuple]:
            cursor.execute(sql[name], params)
            return cursor.fetchall()

        waiting = [(pk, category_id, fast, from_db(issued)) for pk, category_id, fast, issued in rows("waiting")]
        categories = rows("categories") if new_tickets or waiting else []
        office = rows("stamp") if categories else []
        if not office:
            return {}, {}
        (stamp, level50, level80), = office
        # The services of each category and the rota: kept between changes (office_history.py).
        history, rota = office_history(office_id, today=today, stamp=stamp,
                                       categories=[pk for pk, *_ in categories],
                                       calibrated=None if level50 is None else (level50, level80))
        serves: dict[int, set[int]] = defaultdict(set)
        for counter_id, category_id in rows("serves"):
            serves[counter_id].add(category_id)
        called = {counter_id: (category_id, from_db(called_at))
                  for counter_id, category_id, called_at in rows("called")}
        paused_today = [(c, from_db(a)) for c, kind, a in rows("pauses") if kind == CounterEventKind.PAUSED]
        last_paused = dict(paused_today)
        paused_at: dict[int, list[float]] = defaultdict(list)  # the pauses taken today
        for c, a in paused_today:
            paused_at[c].append(_minutes(a))
        counters = []
        for pk, is_open in rows("counters"):
            category_id, called_at = called.get(pk, (None, None))
            counters.append(CounterState(
                pk, frozenset(serves.get(pk, ())), is_open=bool(is_open),
                busy_category=category_id if is_open and called_at else None,
                busy_since=_minutes(called_at) if called_at else None,
                paused_since=_minutes(last_paused[pk]) if not is_open and pk in last_paused else None,
                planned_pauses=rota_today(rota.get(pk, ()), paused_at.get(pk, ())),
                paused_today=pk in paused_at))
        calls: dict[int, dict[str, int]] = defaultdict(dict)
        for (category_id, kind), n in calls_before_today(
                office_id, today=today, stamp=stamp, since=today - dt.timedelta(days=HOLD_DAYS),
                kinds=(EventKind.CALLED.value, EventKind.HELD.value)).items():
            calls[category_id][kind] = n
        for category_id, kind, n in rows("holds"):
            calls[category_id][kind] = calls[category_id].get(kind, 0) + n
        fast = [pk for pk, is_fast, _prior in categories if is_fast]
        fast_issued = dict(rows("fast")) if fast else {}
    # The shared History's services and paces are only read; the holds are this estimate's.
    for category_id, counts in calls.items():
        called, held = counts.get(EventKind.CALLED.value, 0), counts.get(EventKind.HELD.value, 0)
        if called:  # the same share of holds over at most the engine's window of calls
            n = min(called, HISTORY_SIZE)
            k = round(n * min(held, called) / called)
            # What n calls of ``history.add_call(category_id, held=i < k)`` leave, at once.
            history.holds[category_id].extend([True] * k + [False] * (n - k))
    fast_lane_rates = {pk: fast_issued.get(pk, 0) / (FAST_LANE_WINDOW.total_seconds() / 60) for pk in fast}
    priors = {pk: prior for pk, _fast, prior in categories}
    queue = [WaitingTicket(rules.call_key(is_fast_lane=bool(fast), issued_at=issued, id=pk), category_id)
             for pk, category_id, fast, issued in waiting]
    # A ticket issued now comes after every waiting ticket (a fast-lane one after the fast lane).
    probes = ([WaitingTicket((not fast, at, math.inf), pk) for pk, fast, _prior in categories]
              if new_tickets else [])
    tickets, probed = estimate_office(now=_minutes(at), queue=queue, counters=counters, history=history,
                                      priors={k: float(v) for k, v in priors.items()}, runs=runs,
                                      probes=probes, fast_lane_rates=fast_lane_rates)
    return ({row[0]: e for row, e in zip(waiting, tickets, strict=True)},
            {probe.category: e for probe, e in zip(probes, probed, strict=True)})


OFFICE_TOTAL = ""
"""The category code of an office's total (every category together)."""


def hourly_issued(office: Office, *, first: dt.date, last: dt.date) -> dict[str, list[tuple]]:
    """Category code (and ``OFFICE_TOTAL``) → (hour, tickets issued) for every hour of the days
    ``first`` … ``last`` (Japan time), closed hours and days counting 0: the model learns the
    opening hours and holidays from those zeros."""
    since = dt.datetime.combine(first, dt.time(), tzinfo=JST)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=JST)
    issued = (TicketEvent.objects.filter(office=office, kind=EventKind.ISSUED, at__gte=since, at__lt=until)
              .values_list("category__code", "at"))
    counts: Tally = Tally()
    for code, at in issued:
        hour = at.astimezone(JST).replace(minute=0, second=0, microsecond=0)
        counts[(code, hour)] += 1
        counts[(OFFICE_TOTAL, hour)] += 1
    codes = {OFFICE_TOTAL, *office.categories.values_list("code", flat=True)}
    hours = []
    day = first
    while day <= last:
        hours.extend(dt.datetime(day.year, day.month, day.day, h, tzinfo=JST) for h in range(24))
        day += dt.timedelta(days=1)
    return {code: [(h, counts[(code, h)]) for h in hours] for code in sorted(codes)}


def office_forecast(office_code: str, *, category_code: str | None = None) -> list[HourForecast]:
    rows = HourForecast.objects.filter(office_code=office_code)
    if category_code is not None:
        rows = rows.filter(category_code=category_code)
    return list(rows.order_by("category_code", "hour"))


ALL_DAY = [["00:00", "24:00"]]
BUSY_SHARE = 0.1
"""An office open around the clock (no enforced hours) shows the hours whose busiest forecast
reaches this share of the busiest hour of the eight weeks: its counter hours, not the night; a
day none of whose hours reaches it is shown closed (its history has nobody on such days)."""


def forecast_days(office_code: str, *, category_code: str = OFFICE_TOTAL, start: dt.date, days: int,
                  calendar: list[dict] | None = None) -> list[dict]:
    """The calendar page's days: ``[{"date", "open", "note", "level", "hours": [(hour, level,
    predicted)]}]`` from ``start``, ``days`` long.

    ``calendar`` is the office calendar of those days (``public_state.get_calendar``): a day it
    closes is closed (閉庁) whatever the forecast; its note (休日開庁, 祝日…) is shown. The hours
    are those the office receives (stored level ≥ 1); a day's level is the mean of its hours'
    levels, rounded half up. A day without a stored forecast has ``level`` None."""
    since = dt.datetime.combine(start, dt.time(), tzinfo=JST)
    until = since + dt.timedelta(days=days)
    rows = list(HourForecast.objects.filter(office_code=office_code, category_code=category_code,
                                            hour__gte=since, hour__lt=until)
                .order_by("hour").values_list("hour", "level", "predicted"))
    by_day: dict[dt.date, list[tuple[int, int, float]]] = defaultdict(list)
    busiest: dict[int, float] = defaultdict(float)
    for hour, level, predicted in rows:
        local = hour.astimezone(JST)
        by_day[local.date()].append((local.hour, level, predicted))
        busiest[local.hour] = max(busiest[local.hour], predicted)
    peak = max(busiest.values(), default=0.0)
    busy_hours = {h for h, value in busiest.items() if value >= BUSY_SHARE * peak and value > 0}
    office_days = {d["date"]: d for d in calendar or []}
    out = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        known = office_days.get(day.isoformat())
        around_the_clock = known is None or known["hours"] == ALL_DAY
        forecast = by_day.get(day, [])
        hours = [(h, level, predicted) for h, level, predicted in forecast
                 if level > 0 and (not around_the_clock or h in busy_hours)]
        if around_the_clock and hours and max(p for _, _, p in hours) < BUSY_SHARE * peak:
            hours = []  # nobody expected all day (its history's weekends, holidays): closed
        if (known is not None and not known["open"]) or (forecast and not hours):
            is_open, level, hours = False, 0, []
        elif not forecast:
            is_open, level = (known["open"] if known else None), None
        else:
            is_open, level = True, int(sum(lv for _, lv, _ in hours) / len(hours) + 0.5)
        out.append({"date": day, "open": is_open, "note": known["note"] if known else None,
                    "level": level, "hours": hours})
    return out


def forecast_categories(office_code: str) -> list[str]:
    """The category codes with a stored forecast (``OFFICE_TOTAL`` first)."""
    return sorted(set(HourForecast.objects.filter(office_code=office_code)
                      .values_list("category_code", flat=True).distinct()))


# --- places (観光地) ---------------------------------------------------------------------------


def public_places() -> list[Place]:
    return list(Place.objects.filter(is_public=True).order_by("code"))


def public_place(code: str) -> Place | None:
    return Place.objects.filter(code=code, is_public=True).first()


def place_hour_in_opening(place: Place, hour: dt.datetime) -> bool:
    """Whether the local hour starting at ``hour`` overlaps the place's opening hours on a day it
    opens (a place without hours is open around the clock). Closed days are ``closing.py``'s."""
    local = hour.astimezone(ZoneInfo(place.time_zone))
    if place.opens_at is None or place.closes_at is None:
        return True
    start = local.hour * 60
    opens = place.opens_at.hour * 60 + place.opens_at.minute
    closes = place.closes_at.hour * 60 + place.closes_at.minute
    return start + 60 > opens and start < closes


def place_closed_days(place: Place, *, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """The place's closed days ``first`` … ``last`` by its current closing rules, with their
    reason codes (``closing.WEEKDAY`` …): read at page time, so a rule changed today shows at
    once, before the night's refit."""
    return closing.closed_days(closing.ClosingRules.of(place), first, last)


def place_hourly_counts(place: Place, *, first: dt.date, last: dt.date) -> list[tuple[dt.datetime, float]]:
    """(local hour, count) of the stored counts of local dates ``first`` … ``last``; hours
    without a count are gaps (the model is fitted on the hours a counter reported)."""
    tz = ZoneInfo(place.time_zone)
    since = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    rows = PlaceCount.objects.filter(place=place, hour__gte=since, hour__lt=until).order_by("hour")
    return [(hour.astimezone(tz), count) for hour, count in rows.values_list("hour", "count")]


def place_event_dates(place: Place) -> frozenset[dt.date]:
    return frozenset(PlaceEventDay.objects.filter(place=place).values_list("date", flat=True))


def place_event_days(place: Place, *, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    return dict(PlaceEventDay.objects.filter(place=place, date__gte=first, date__lte=last)
                .values_list("date", "name"))


def place_forecast(place: Place, *, first: dt.date | None = None, days: int | None = None) -> list[PlaceHourForecast]:
    """The stored forecast of ``place`` (from its local date ``first``, ``days`` days), by hour."""
    rows = PlaceHourForecast.objects.filter(place=place)
    tz = ZoneInfo(place.time_zone)
    if first is not None:
        rows = rows.filter(hour__gte=dt.datetime.combine(first, dt.time(), tzinfo=tz))
        if days is not None:
            rows = rows.filter(hour__lt=dt.datetime.combine(first + dt.timedelta(days=days), dt.time(), tzinfo=tz))
    return list(rows.order_by("hour"))
