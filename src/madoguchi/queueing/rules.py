"""The queue's rules, written once: call order, active states, expiry, people ahead, the wait.

Every place that orders, counts or estimates reads them from here: the
call-next service, the counter screen, the board (its SQL too), the ticket
page, the notices' statuses, the kiosk ticket and the API. A test
(tests/queueing/test_rules.py) checks that they agree for every waiting ticket.

**Call order.** Among waiting tickets: fast-lane tickets first, then the
earliest *original* issue time (a transfer keeps its place), then the lower
internal id. A counter calls across all the categories it serves by this one
order (``CounterCategory.position`` is only the order they are listed in).

**Active states.** waiting, called, held. A held ticket is set aside: nobody
calls it by call-next, so it is never counted ahead of anyone.

**Expiry.** An active ticket of a past business day is *expired*: its page
says so and every action on it is refused (409 ``ticket_expired``).

**People ahead** of a waiting ticket T in category C: the waiting tickets that
the counters able to serve C would call before T — the waiting tickets of
every category those counters serve (C's *reach*: C itself and every category
shared with a counter that serves C) that come before T in the call order.
The reach follows the counters' configuration, not which of them are open
right now: a clerk's break makes the wait longer, it does not reorder the
queue.

**Wait.** What ``estimates.office_waits`` answers: the estimator registered there (the
forecasting app's Monte-Carlo P50/P80) for every waiting ticket, computed once per change of
the office. Without one, the formula here: the service minutes of the people ahead (each at
their category's recent mean, ``mean_service_minutes``) divided by the open counters that
serve C (``estimates.estimate_wait_minutes``). The board's 待ち時間 of a category is the wait a
ticket issued now in that category would see.

This module imports no model at load time (models.py reads the states from it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .estimates import estimate_wait_minutes

WAITING, CALLED, HELD = "waiting", "called", "held"
DONE, NO_SHOW, CANCELLED = "done", "no_show", "cancelled"
EXPIRED = "expired"  # not stored: how an active ticket of a past day reads
ACTIVE_STATES = (WAITING, CALLED, HELD)
ENDED_STATES = (DONE, NO_SHOW, CANCELLED, EXPIRED)

# The call order as ORM ordering, and as SQL for a table alias (the board's statement).
CALL_ORDER = ("-is_fast_lane", "issued_at", "id")


def call_order_sql(alias: str) -> str:
    return f"{alias}.is_fast_lane DESC, {alias}.issued_at, {alias}.id"


def call_key(*, is_fast_lane: bool, issued_at: dt.datetime, id: int) -> tuple:  # noqa: A002
    """Sort key of the call order: smaller is called first."""
    return (not is_fast_lane, issued_at, id)


# Recent service times decide the estimate; older ones describe another part of the day.
SERVICE_WINDOW = dt.timedelta(minutes=90)
MIN_SAMPLES = 3


def mean_service_minutes(*, mean_seconds, samples: int, prior_minutes: float) -> float:
    """A category's mean service time: measured once ``MIN_SAMPLES`` services of the last
    ``SERVICE_WINDOW`` exist, else the category's prior (標準処理時間)."""
    if samples and samples >= MIN_SAMPLES and mean_seconds is not None:
        return float(mean_seconds) / 60
    return float(prior_minutes)


def is_expired(state: str, day: dt.date, today: dt.date) -> bool:
    return state in ACTIVE_STATES and day < today


def public_state(state: str, day: dt.date, today: dt.date) -> str:
    """The state a citizen sees: ``expired`` for an active ticket of a past day."""
    return EXPIRED if is_expired(state, day, today) else state


@dataclass
class Serving:
    """Which counters serve which categories, and which counters are open (one office)."""

    categories_of: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    counters_of: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    open_counters: set[int] = field(default_factory=set)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int, bool]]) -> Serving:
        """From ``(counter_id, category_id, counter_is_open)`` rows."""
        serving = cls()
        for counter_id, category_id, is_open in rows:
            serving.categories_of[counter_id].add(category_id)
            serving.counters_of[category_id].add(counter_id)
            if is_open:
                serving.open_counters.add(counter_id)
        return serving

    def reach(self, category_id: int) -> set[int]:
        """C and every category a counter serving C also serves."""
        out = {category_id}
        for counter_id in self.counters_of.get(category_id, ()):
            out |= self.categories_of[counter_id]
        return out

    def open_count(self, category_id: int) -> int:
        return len(self.counters_of.get(category_id, set()) & self.open_counters)


def estimate(category_id: int, ahead_by_category: Mapping[int, int], serving: Serving,
             mean_minutes: Mapping[int, float]) -> tuple[int, int]:
    """(people ahead, wait minutes) of a ticket of ``category_id``, given how many waiting
    tickets of each category come before it in the call order."""
    ahead = work = 0
    for category in serving.reach(category_id):
        n = ahead_by_category.get(category, 0)
        if n:
            ahead += n
            work += n * mean_minutes.get(category, 0.0)
    mean = work / ahead if ahead else mean_minutes.get(category_id, 0.0)
    return ahead, estimate_wait_minutes(people_ahead=ahead, mean_service_minutes=mean,
                                        open_counters=serving.open_count(category_id))


def queue_positions(waiting: Iterable, serving: Serving,
                    mean_minutes: Mapping[int, float]) -> dict[int, tuple[int, int]]:
    """(people ahead, wait minutes) of every waiting ticket of one office and day, by ticket pk.

    ``waiting``: objects with ``pk``, ``category_id``, ``is_fast_lane``, ``issued_at``.
    One pass in the call order, counting the tickets seen so far per category.
    """
    seen: dict[int, int] = defaultdict(int)
    out = {}
    for t in sorted(waiting, key=lambda t: call_key(is_fast_lane=t.is_fast_lane, issued_at=t.issued_at,
                                                      id=t.pk)):
        out[t.pk] = estimate(t.category_id, seen, serving, mean_minutes)
        seen[t.category_id] += 1
    return out


def ahead_sql(alias: str, *, fast_lane: bool) -> str:
    """SQL condition: a waiting row of ``alias`` comes before a ticket in the call order (the
    ticket's ``%(issued_at)s`` and ``%(id)s``; ``%(true)s`` is True). ``ahead_filter`` as SQL."""
    earlier = (f"({alias}.issued_at < %(issued_at)s"
               f" OR ({alias}.issued_at = %(issued_at)s AND {alias}.id < %(id)s))")
    if fast_lane:
        return f"({alias}.is_fast_lane = %(true)s AND {earlier})"
    return f"({alias}.is_fast_lane = %(true)s OR {earlier})"


def ahead_filter(ticket):
    """ORM filter of the waiting tickets ahead of ``ticket`` (the same rule as ``queue_positions``,
    in one query for the issuing path)."""
    from django.db.models import Q

    from .models import CounterCategory

    serving_counters = CounterCategory.objects.filter(category_id=ticket.category_id).values("counter_id")
    reach = CounterCategory.objects.filter(counter_id__in=serving_counters).values("category_id")
    if ticket.is_fast_lane:
        before = Q(is_fast_lane=True) & (Q(issued_at__lt=ticket.issued_at)
                                         | Q(issued_at=ticket.issued_at, id__lt=ticket.pk))
    else:
        before = Q(is_fast_lane=True) | Q(issued_at__lt=ticket.issued_at) | Q(
            issued_at=ticket.issued_at, id__lt=ticket.pk)
    return (Q(office_id=ticket.office_id, business_date=ticket.business_date, state=WAITING)
            & (Q(category_id=ticket.category_id) | Q(category_id__in=reach)) & before)
