"""Wait estimates: the one place the board, the ticket page, the kiosk, the API and the notices
read the wait from.

**Who estimates.** The queue imports no capability app. The forecasting app registers its
engine (Monte-Carlo P50/P80 learned from the event log, forecasting/estimate.py) from its
``AppConfig.ready()``::

    from madoguchi.queueing import estimates
    estimates.register_estimator(office_waits_from_the_engine)

With nothing registered (or when the estimator fails) the screens fall back to today's formula
(``estimate_wait_minutes``: people ahead × recent mean service ÷ open counters), whose P80 is its
P50.

**When.** An estimate describes the office at one moment, so it is computed once per change of
the office (its latest ticket event and counter event: the *version*) and kept, here, in the
process: every viewer's refresh after that is one small query (the version) and a dict lookup.
It is recomputed in each new ``REFRESH`` window even without a change, because time passing moves the waits
too (a clerk who has served for long is nearer the end). Changes with no event row (what a
counter serves, a category's settings) drop the office's entry through the queue's hooks.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

REFRESH = dt.timedelta(seconds=60)


def estimate_wait_minutes(*, people_ahead: int, mean_service_minutes: float, open_counters: int) -> int:
    """People ahead × recent mean service time ÷ counters open for the category.

    At least one minute while anyone is ahead. With no open counter we still divide by one: the figure then reads as
    "at least", which is more useful to a citizen than a blank.
    """
    if people_ahead <= 0:
        return 0
    # Never promise "0 minutes" while someone is ahead: a few services closed
    # within seconds (a clerk pressing 次を呼出 twice) can make the mean ~0.
    return max(1, math.ceil(people_ahead * mean_service_minutes / max(open_counters, 1)))


@dataclass(frozen=True)
class Wait:
    """Whole minutes: about ``p50`` (約), ``p80`` at the latest for four in five (遅くとも)."""

    p50: int
    p80: int

    @classmethod
    def of(cls, p50: float, p80: float) -> Wait:
        """Minutes rounded up, so a floor (people ahead × a minimum) survives the rounding."""
        low = max(0, math.ceil(p50 - 1e-9))
        return cls(low, max(low, math.ceil(p80 - 1e-9)))


@dataclass(frozen=True)
class OfficeWaits:
    """An office's estimates at one moment."""

    tickets: Mapping[int, Wait]  # waiting ticket pk → its wait
    new_ticket: Mapping[int, Wait]  # category pk → the wait of a ticket issued now (the board)
    at: dt.datetime | None = None
    version: tuple = field(default=(), compare=False)


Estimator = Callable[[int, dt.datetime], OfficeWaits]
"""``estimator(office_id, at)``: the waits of the office's waiting tickets at ``at``."""

_estimator: Estimator | None = None
_cache: dict[int, OfficeWaits] = {}
_lock = threading.Lock()


_clearers: list[Callable[[], None]] = []


def register_estimator(fn: Estimator | None) -> None:
    """Estimate waits with ``fn`` (None: back to the formula)."""
    global _estimator
    _estimator = fn
    with _lock:
        _cache.clear()


def registered() -> Estimator | None:
    return _estimator


def also_clear(fn: Callable[[], None]) -> None:
    """``clear_cache`` also calls ``fn``: an estimator's own copies of the office (e.g. the
    history kept between changes) go with the estimates, as in a new process."""
    if fn not in _clearers:
        _clearers.append(fn)


def clear_cache() -> None:
    """Forget every estimate kept in this process (and what ``also_clear`` registered): what
    a new process knows."""
    with _lock:
        _cache.clear()
    for fn in _clearers:
        fn()


def forget(event) -> None:
    """Queue hook (every kind): the office changed; its next read recomputes."""
    _cache.pop(getattr(event, "office_id", None), None)


def _version(office_id: int) -> tuple[tuple, dt.datetime | None]:
    """The office's latest ticket event and counter event of today (one query): the version,
    and the time of the latest of them."""
    from django.db import connection

    from madoguchi.core.timeutil import business_date, from_db

    from .models import CounterEvent, TicketEvent

    q = connection.ops.quote_name
    where = "WHERE office_id = %(office)s AND business_date = %(today)s"
    sql = (f"SELECT t.i, t.a, c.i, c.a FROM"  # noqa: S608 (model tables)
           f" (SELECT MAX(id) AS i, MAX(at) AS a FROM {q(TicketEvent._meta.db_table)} {where}) t,"
           f" (SELECT MAX(id) AS i, MAX(at) AS a FROM {q(CounterEvent._meta.db_table)} {where}) c")
    today = business_date()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"office": office_id, "today": connection.ops.adapt_datefield_value(today)})
        ticket_event, ticket_at, counter_event, counter_at = cursor.fetchone()
    latest = [t for t in (from_db(ticket_at), from_db(counter_at)) if t is not None]
    return (today, ticket_event or 0, counter_event or 0), max(latest, default=None)


def _moment(at: dt.datetime, latest_event: dt.datetime | None) -> dt.datetime:
    """The moment an estimate describes: ``at`` floored to its ``REFRESH`` window (since the
    epoch), never before the office's latest event. Every server process of an office therefore
    computes the same numbers for the same state and minute (the engine is seeded), instead of
    each its own at the instant a viewer happened to ask."""
    step = REFRESH.total_seconds()
    floored = dt.datetime.fromtimestamp(at.timestamp() // step * step, tz=dt.UTC)
    return max(floored, latest_event) if latest_event is not None else floored


def office_waits(office_id: int) -> OfficeWaits | None:
    """The registered estimator's waits for the office now (cached per version), or None: use
    the formula (nothing registered, or the estimator failed — logged, never raised into a page)."""
    fn = _estimator
    if fn is None:
        return None
    from madoguchi.core.timeutil import now

    version, latest_event = _version(office_id)
    at = _moment(now(), latest_event)
    cached = _cache.get(office_id)
    if cached is not None and cached.version == version and cached.at == at:
        return cached
    with _lock:  # one computation per change, however many viewers refresh at once
        cached = _cache.get(office_id)
        if cached is not None and cached.version == version and cached.at == at:
            return cached
        try:
            waits = fn(office_id, at)
        except Exception:
            log.exception("wait estimator failed for office %s; the formula answers", office_id)
            return None
        waits = OfficeWaits(waits.tickets, waits.new_ticket, at=at, version=version)
        _cache[office_id] = waits
        return waits
