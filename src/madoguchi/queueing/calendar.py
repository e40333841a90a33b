"""Office calendar rules (開庁日・受付時間): when an office is open and a category issues tickets.

A day's reception ranges, in order of precedence:

1. an office that does not enforce hours (``Office.hours_enforced`` off) is open all day;
2. 休日開庁・特別開庁 rows of that date: exactly their ranges (even on a holiday);
3. a 臨時閉庁日 row of that date: closed;
4. 年末年始 (12/29–1/3), when the office closes then: closed;
5. a national holiday (jpholiday), when the office closes then: closed;
6. otherwise the weekday's ranges (none: closed).

Ranges are half-open: 8:45–17:30 issues from 8:45:00 up to 17:29:59. A
category's cut-off (``Category.reception_until``, e.g. 転入 16:30) ends its
day the same way: at 16:29:59 it still issues, from 16:30:00 it does not.
All dates and times are Japanese (Asia/Tokyo).

The rows of an office are read once per process and kept until the office's
``calendar_stamp`` changes (any edit of its rows or of a category's cut-off
changes it), so the kiosk and the board pay no query for the calendar.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass

import jpholiday
from django.db.models.signals import post_delete, post_save

from madoguchi.core.errors import Conflict
from madoguchi.core.timeutil import JST, business_date

DAY_SECONDS = 24 * 3600
# How far ahead a next opening is looked for (a closed office says 「未定」 beyond this).
HORIZON_DAYS = 400
MAX_CALENDAR_DAYS = 92
# Days the internal side sends to the public side (from today): any ``from`` within the
# next 92 days can be answered there for up to 92 days.
PUBLIC_CALENDAR_DAYS = 2 * MAX_CALENDAR_DAYS
WEEKDAYS_JA = "月火水木金土日"

Range = tuple[int, int]  # seconds since midnight (JST), [start, end); end may be 24:00


@dataclass(frozen=True)
class CalendarRows:
    """What the database says about one office; flags are read from the office itself."""

    weekly: dict[int, tuple[Range, ...]]
    closures: dict[dt.date, str]
    specials: dict[dt.date, tuple[tuple[Range, ...], str]]
    cutoffs: dict[str, int | None]  # category code → cut-off in seconds
    loaded_from: dt.date


@dataclass(frozen=True)
class Calendar:
    enforced: bool
    closed_on_holidays: bool
    closed_year_end: bool
    rows: CalendarRows


@dataclass(frozen=True)
class Day:
    date: dt.date
    ranges: tuple[Range, ...]
    note: str | None

    @property
    def open(self) -> bool:
        return bool(self.ranges)


@dataclass(frozen=True)
class Reception:
    """Whether a category issues tickets at a moment, and what to tell the visitor."""

    accepting: bool
    reason: str | None  # office_closed | reception_closed | category_closed
    until: dt.datetime | None  # accepting: when it stops (end of range or cut-off)
    next_opening: dt.datetime | None  # not accepting: when it issues again
    cutoff: dt.time | None
    over_for_today: bool  # not accepting and nothing more today: 「本日の受付は終了しました」
    closed_day: bool = False  # the office does not open at all today: 「本日は閉庁日です」


# ------------------------------------------------------------------ loading (cached per stamp)

_cache: dict[int, tuple[str, CalendarRows]] = {}
_cache_lock = threading.Lock()


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _load_rows(office, since: dt.date) -> CalendarRows:
    from .models import Category, OfficeClosure, OfficeHours, SpecialOpening

    weekly: dict[int, list[Range]] = {}
    for weekday, opens, closes in (OfficeHours.objects.filter(office_id=office.pk)
                                   .values_list("weekday", "opens", "closes")):
        weekly.setdefault(weekday, []).append((_seconds(opens), _seconds(closes)))
    specials: dict[dt.date, tuple[list[Range], str]] = {}
    for date, opens, closes, note in (SpecialOpening.objects.filter(office_id=office.pk, date__gte=since)
                                      .values_list("date", "opens", "closes", "note")):
        specials.setdefault(date, ([], note))[0].append((_seconds(opens), _seconds(closes)))
    closures = dict(OfficeClosure.objects.filter(office_id=office.pk, date__gte=since)
                    .values_list("date", "note"))
    cutoffs = {code: (_seconds(t) if t is not None else None) for code, t in
               Category.objects.filter(office_id=office.pk).values_list("code", "reception_until")}
    return CalendarRows(
        weekly={k: tuple(sorted(v)) for k, v in weekly.items()},
        closures=closures,
        specials={d: (tuple(sorted(r)), note) for d, (r, note) in specials.items()},
        cutoffs=cutoffs, loaded_from=since)


def office_calendar(office, *, since: dt.date | dt.datetime | None = None) -> Calendar:
    """The office's calendar: its flags as given, its rows from the per-process cache
    (dated rows from ``since``, a day earlier by default, on)."""
    if isinstance(since, dt.datetime):
        since = since.astimezone(JST).date()
    since = (since or business_date()) - dt.timedelta(days=1)
    stamp = office.calendar_stamp
    with _cache_lock:
        cached = _cache.get(office.pk)
    if cached is not None and cached[0] == stamp and cached[1].loaded_from <= since:
        rows = cached[1]
    else:
        rows = _load_rows(office, since)
        with _cache_lock:
            _cache[office.pk] = (stamp, rows)
    return Calendar(enforced=office.hours_enforced, closed_on_holidays=office.closed_on_holidays,
                    closed_year_end=office.closed_year_end, rows=rows)


def calendar_changed(office_id: int, office=None) -> None:
    """A calendar row or a cut-off changed: every process reloads this office's rows, and the
    live screens get a fresh board after the commit (its 受付中/受付終了 and next opening)."""
    from .live import board_changed_id
    from .models import Office, new_stamp

    stamp = new_stamp()
    Office.objects.filter(pk=office_id).update(calendar_stamp=stamp)
    if office is not None:
        office.calendar_stamp = stamp
    board_changed_id(office_id)


def _row_changed(sender, instance, **kwargs) -> None:
    office = instance._state.fields_cache.get("office")
    calendar_changed(instance.office_id, office)


def connect_signals() -> None:
    from .models import Category, OfficeClosure, OfficeHours, SpecialOpening

    for model in (OfficeHours, OfficeClosure, SpecialOpening, Category):
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"calendar-{model.__name__}-save")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"calendar-{model.__name__}-delete")


# ------------------------------------------------------------------ pure rules


@functools.lru_cache(maxsize=32)
def _holidays(year: int) -> dict[dt.date, str]:
    """A year's national holidays, computed once (jpholiday takes ~80 µs a lookup; a next
    opening may look at hundreds of days for every row of every board)."""
    return {day: name for day, name in jpholiday.year_holidays(year)}


def holiday_name(date: dt.date) -> str | None:
    return _holidays(date.year).get(date)


def is_year_end(date: dt.date) -> bool:
    return (date.month == 12 and date.day >= 29) or (date.month == 1 and date.day <= 3)


def day_of(cal: Calendar, date: dt.date) -> Day:
    """The reception ranges and the note of one date (see the module's precedence)."""
    if not cal.enforced:
        return Day(date, ((0, DAY_SECONDS),), None)
    special = cal.rows.specials.get(date)
    if special is not None:
        return Day(date, special[0], special[1])
    if date in cal.rows.closures:
        return Day(date, (), cal.rows.closures[date])
    if cal.closed_year_end and is_year_end(date):
        return Day(date, (), "年末年始")
    if cal.closed_on_holidays:
        name = holiday_name(date)
        if name:
            return Day(date, (), f"祝日（{name}）")
    return Day(date, cal.rows.weekly.get(date.weekday(), ()), None)


def _clip(ranges: tuple[Range, ...], cutoff: int | None) -> tuple[Range, ...]:
    if cutoff is None:
        return ranges
    return tuple((s, min(e, cutoff)) for s, e in ranges if s < cutoff)


def reception_hours(cal: Calendar, date: dt.date, category_code: str | None = None) -> frozenset[int]:
    """The clock hours (0–23) of ``date`` in which the office (or the category, with its
    cut-off) receives visitors for at least a moment: 8:45–17:30 gives 8 … 17."""
    cutoff = cal.rows.cutoffs.get(category_code) if category_code else None
    return frozenset(h for s, e in _clip(day_of(cal, date).ranges, cutoff)
                     for h in range(s // 3600, min(24, -(-e // 3600))))


def _local(at: dt.datetime) -> tuple[dt.date, float]:
    local = at.astimezone(JST)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local.date(), (local - midnight).total_seconds()


def _at(date: dt.date, seconds: int) -> dt.datetime:
    # Japan has no daylight saving time: a day is always 24 hours.
    return dt.datetime.combine(date, dt.time(), tzinfo=JST) + dt.timedelta(seconds=seconds)


def _range_at(cal: Calendar, at: dt.datetime, cutoff: int | None) -> Range | None:
    date, secs = _local(at)
    for s, e in _clip(day_of(cal, date).ranges, cutoff):
        if s <= secs < e:
            return s, e
    return None


def _next_start(cal: Calendar, after: dt.datetime, cutoff: int | None) -> dt.datetime | None:
    """The first range start at or after ``after`` (cut-off applied), within the horizon."""
    date, secs = _local(after)
    if cal.enforced and not cal.rows.weekly and not any(d >= date for d in cal.rows.specials):
        return None  # no hours at all (yet): no need to look through the horizon
    for offset in range(HORIZON_DAYS):
        day = date + dt.timedelta(days=offset)
        for s, _e in _clip(day_of(cal, day).ranges, cutoff):
            if offset or s >= secs:
                return _at(day, s)
    return None


def _until(cal: Calendar, date: dt.date, end: int, cutoff: int | None) -> dt.datetime | None:
    """When reception stops, following a range that runs into the next day's (an office open
    around the clock never stops: None)."""
    for _ in range(3):
        if end < DAY_SECONDS:
            return _at(date, end)
        date = date + dt.timedelta(days=1)
        ranges = _clip(day_of(cal, date).ranges, cutoff)
        if not ranges or ranges[0][0] != 0:
            return _at(date, 0)
        end = ranges[0][1]
    return None


def _reception(cal: Calendar, at: dt.datetime, *, cutoff: int | None, active: bool) -> Reception:
    cutoff_time = (dt.time(cutoff // 3600, cutoff // 60 % 60) if cutoff is not None and cutoff < DAY_SECONDS
                   else None)
    if not active:
        return Reception(False, "category_closed", None, None, cutoff_time, False)
    current = _range_at(cal, at, cutoff)
    if current is not None:
        date, _secs = _local(at)
        return Reception(True, None, _until(cal, date, current[1], cutoff), None, cutoff_time, False)
    date, _secs = _local(at)
    # The office still receives others: only this category's day is over (its cut-off).
    reason = "reception_closed" if _range_at(cal, at, None) is not None else "office_closed"
    following = _next_start(cal, at, cutoff)
    over = following is None or following.astimezone(JST).date() != date
    return Reception(False, reason, None, following, cutoff_time, over, not day_of(cal, date).open)


# ------------------------------------------------------------------ the questions others ask


def is_open(office, at: dt.datetime) -> bool:
    """Whether the office receives visitors at ``at`` (ignoring categories' cut-offs)."""
    return _range_at(office_calendar(office, since=at), at, None) is not None


def next_opening(office, after: dt.datetime) -> dt.datetime | None:
    """When the office next opens at or after ``after`` (None: not within the horizon)."""
    return _next_start(office_calendar(office, since=after), after, None)


def reception(category, at: dt.datetime) -> Reception:
    cutoff = _seconds(category.reception_until) if category.reception_until is not None else None
    return _reception(office_calendar(category.office, since=at), at, cutoff=cutoff,
                      active=category.is_active)


def reception_open(category, at: dt.datetime) -> bool:
    """Whether this category issues tickets at ``at``: office open and before its cut-off."""
    cutoff = _seconds(category.reception_until) if category.reception_until is not None else None
    return _range_at(office_calendar(category.office, since=at), at, cutoff) is not None


def office_reception(office, at: dt.datetime) -> Reception:
    """The office as a whole (the kiosk's 「受付時間外」 screen): no category cut-off."""
    return _reception(office_calendar(office, since=at), at, cutoff=None, active=True)


def category_receptions(office, at: dt.datetime, codes_active: dict[str, bool]) -> dict[str, Reception]:
    """Reception of several categories of one office at once (the board, the kiosk)."""
    cal = office_calendar(office, since=at)
    # Categories sharing a cut-off share the answer: work it out once per cut-off (the board
    # asks this for every category after every burst of changes).
    by_cutoff: dict[tuple[int | None, bool], Reception] = {}
    out = {}
    for code, active in codes_active.items():
        key = (cal.rows.cutoffs.get(code), bool(active))
        if key not in by_cutoff:
            by_cutoff[key] = _reception(cal, at, cutoff=key[0], active=key[1])
        out[code] = by_cutoff[key]
    return out


def _iso(at: dt.datetime | None) -> str | None:
    return at.astimezone(JST).isoformat(timespec="seconds") if at is not None else None


def add_reception(office, rows: list[dict], active: dict[str, bool], at: dt.datetime) -> None:
    """Board rows gain whether their category issues now (受付終了 otherwise) and why:
    ``accepting``, ``closed_reason`` (office_closed | reception_closed | category_closed),
    ``reception_until`` (the cut-off, "16:30"), ``accepting_until`` (when it stops today)
    and ``next_opening``; screens flip a row at those times without a new snapshot."""
    states = category_receptions(office, at, {row["category"]: bool(active.get(row["category"]))
                                              for row in rows})
    for row in rows:
        state = states[row["category"]]
        row.update(accepting=state.accepting, closed_reason=state.reason,
                   reception_until=state.cutoff.strftime("%H:%M") if state.cutoff else None,
                   accepting_until=_iso(state.until),
                   next_opening=_iso(state.next_opening))


def next_change(states) -> dt.datetime | None:
    """The earliest moment one of these receptions changes (a kiosk reloads then)."""
    moments = [s.until if s.accepting else s.next_opening for s in states]
    moments = [m for m in moments if m is not None]
    return min(moments) if moments else None


def calendar_days(office, start: dt.date, days: int) -> list[dict]:
    """The public calendar: ``[{"date", "open", "hours": [["HH:MM", "HH:MM"], …], "note"}]``."""
    cal = office_calendar(office, since=start)
    out = []
    for offset in range(days):
        day = day_of(cal, start + dt.timedelta(days=offset))
        out.append({"date": day.date.isoformat(), "open": day.open,
                    "hours": [[hhmm(s), hhmm(e)] for s, e in day.ranges], "note": day.note})
    return out


# ------------------------------------------------------------------ words


def hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


def when_ja(at: dt.datetime) -> str:
    """「11月30日（月）8:45」: the next opening in Japanese, whatever the active language."""
    local = at.astimezone(JST)
    return f"{local.month}月{local.day}日（{WEEKDAYS_JA[local.weekday()]}）{local.hour}:{local.minute:02d}"


def refusal(category, state: Reception) -> Conflict:
    """The 409 for issuing outside reception (the API, the kiosk and the counter say the same)."""
    nxt = f"次の受付は{when_ja(state.next_opening)}からです。" if state.next_opening else "次の受付日は未定です。"
    detail = {"next_opening": state.next_opening.astimezone(JST).isoformat(timespec="seconds")
              if state.next_opening else None,
              "reception_until": state.cutoff.strftime("%H:%M") if state.cutoff else None}
    if state.reason == "reception_closed":
        until = f"{state.cutoff.hour}:{state.cutoff.minute:02d}で" if state.cutoff else ""
        return Conflict(f"「{category.name}」の本日の受付は{until}終了しました。{nxt}",
                        code="reception_closed", detail=detail)
    lead = ("本日は閉庁日です。" if state.closed_day else
            "本日の受付は終了しました。" if state.over_for_today else "ただいま受付時間外です。")
    return Conflict(f"{lead}{nxt}", code="office_closed", detail=detail)


def require_reception(category, at: dt.datetime) -> None:
    """Refuse issuing (409 ``office_closed`` / ``reception_closed``) outside reception."""
    state = reception(category, at)
    if not state.accepting and state.reason != "category_closed":
        raise refusal(category, state)
