"""Open data: hourly statistics per category, computed from the ticket event log.

Counting rules (the operator-facing version is docs/opendata.ja.md; keep both
in step):

* Hours are Asia/Tokyo clock hours of the event's ``at``. An event recorded
  after midnight for the previous business date (a ticket finished very late)
  counts in hour 23, so a day's rows never wrap round to hour 0.
* ``issued``: one per ``issued`` event, in the hour and category it was issued.
* ``served``: one per ``done`` event, in the hour it was finished and the
  category it was served in (for a transferred ticket, the category it was
  transferred to, not the one it was issued in).
* ``no_show``: one per ``no_show`` event, in that hour and category.
* Wait (``wait_mean_min`` / ``wait_p90_min``): minutes from the ticket's issue
  to its *first* call, one sample per ticket, counted in the hour and category
  of that first call. Recalls, calls after a hold and calls after a transfer
  are not new samples: the figure answers "how long did a visitor wait before
  a counter first called them". The 90th percentile is the nearest-rank one
  (the smallest wait that at least 90 % of the samples do not exceed), so it is
  always a wait someone actually had. Both are rounded half-up to one decimal;
  null when nobody was first called in that hour and category.
* Tickets still waiting (or held, or cancelled) at closing count in
  ``issued`` only: they have no wait sample and are neither served nor no-show.
* Rows: every hour from the day's first to its last event (a quiet hour in
  between, e.g. lunch, is a row of zeros rather than a gap) times every
  category that had any event that day; no rows for a day without events.
  Sorted by hour, then by the category's display order.

Two queries whatever the number of tickets: the day's events and the
office's categories.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from madoguchi.core.errors import NotFound
from madoguchi.core.timeutil import JST, now
from madoguchi.queueing.models import Category, EventKind, Office, TicketEvent

from .models import PublishedStats

COLUMNS = ("date", "hour", "category", "issued", "served", "no_show", "wait_mean_min", "wait_p90_min")

_COUNTED = {EventKind.ISSUED: "issued", EventKind.DONE: "served", EventKind.NO_SHOW: "no_show"}
_ONE_DECIMAL = Decimal("0.1")
_MICROSECONDS_PER_MINUTE = 60_000_000


@dataclass(frozen=True)
class StatsTable:
    """One office's rows for one date, and when they were computed (None: nothing published)."""

    office_code: str
    date: dt.date
    rows: list[dict]
    computed_at: dt.datetime | None


def _hour(at: dt.datetime, day: dt.date) -> int:
    local = at.astimezone(JST)
    if local.date() > day:
        return 23
    if local.date() < day:
        return 0
    return local.hour


def _minutes(total_microseconds: int, samples: int = 1) -> float:
    value = Decimal(total_microseconds) / (_MICROSECONDS_PER_MINUTE * samples)
    return float(value.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP))


def _p90(waits_us: list[int]) -> int:
    ordered = sorted(waits_us)
    rank = (9 * len(ordered) + 9) // 10  # ceil(0.9 n), without floating point
    return ordered[rank - 1]


def stats_compute(office: Office, date: dt.date) -> list[dict]:
    """The open-data rows for one office and business date (see the module docstring)."""
    events = (TicketEvent.objects.filter(office=office, business_date=date)
              .order_by("at", "id").values_list("ticket_id", "kind", "at", "category_id"))
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(
        lambda: {"issued": 0, "served": 0, "no_show": 0})
    issued_at: dict[int, dt.datetime] = {}
    first_call: dict[int, tuple[dt.datetime, int]] = {}
    hours: set[int] = set()
    category_ids: set[int] = set()
    for ticket_id, kind, at, category_id in events.iterator(chunk_size=2000):
        hour = _hour(at, date)
        hours.add(hour)
        category_ids.add(category_id)
        field = _COUNTED.get(kind)
        if field:
            counts[(hour, category_id)][field] += 1
        if kind == EventKind.ISSUED:
            issued_at.setdefault(ticket_id, at)
        elif kind == EventKind.CALLED and ticket_id not in first_call:
            first_call[ticket_id] = (at, category_id)
    if not hours:
        return []

    waits: dict[tuple[int, int], list[int]] = defaultdict(list)
    for ticket_id, (called_at, category_id) in first_call.items():
        if ticket_id in issued_at:  # always, for tickets issued through the services
            waits[(_hour(called_at, date), category_id)].append(
                (called_at - issued_at[ticket_id]) // dt.timedelta(microseconds=1))

    categories = list(Category.objects.filter(pk__in=category_ids)
                      .order_by("display_order", "range_start", "pk").values_list("pk", "code"))
    rows = []
    for hour in range(min(hours), max(hours) + 1):
        for category_id, code in categories:
            count = counts.get((hour, category_id), {"issued": 0, "served": 0, "no_show": 0})
            samples = waits.get((hour, category_id), [])
            rows.append({
                "date": date.isoformat(),
                "hour": hour,
                "category": code,
                "issued": count["issued"],
                "served": count["served"],
                "no_show": count["no_show"],
                "wait_mean_min": _minutes(sum(samples), len(samples)) if samples else None,
                "wait_p90_min": _minutes(_p90(samples)) if samples else None,
            })
    return rows


def _office_not_found() -> NotFound:
    return NotFound(_("指定された庁舎・拠点が見つかりません。"), code="office_not_found")


def stats_table(*, office_code: str, date: dt.date) -> StatsTable:
    """The rows the open-data endpoints serve, by zone.

    ``public``: what the internal side last published (the public side has no
    queue tables); an office is known if it is in the office master or has
    ever been published. ``all`` / ``internal``: computed from the event log
    now. The endpoints themselves refuse to serve on ``internal``.
    """
    if settings.ROLE == "public":
        published = PublishedStats.objects.filter(office_code=office_code, date=date).first()
        if published is not None:
            return StatsTable(office_code, date, list(published.rows), published.computed_at)
        known = (Office.objects.filter(code=office_code).exists()
                 or PublishedStats.objects.filter(office_code=office_code).exists())
        if not known:
            raise _office_not_found()
        return StatsTable(office_code, date, [], None)
    office = Office.objects.filter(code=office_code).first()
    if office is None:
        raise _office_not_found()
    return StatsTable(office_code, date, stats_compute(office, date), now())
