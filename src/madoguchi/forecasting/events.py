"""The event log as the EVENTS.csv and OFFICE.json of ``madoguchi estimate backtest``.

Ticket events map one to one, except 完了 (``done`` → ``finished``) and 不在から復帰
(``reinstated`` → ``resumed``: back in the queue in its original place). Counter events map
``opened`` → ``counter_opened`` and ``paused`` → ``counter_paused``; a change of the categories a
counter serves is not in the contract and is left out (OFFICE.json is the configuration now).
Tickets are named by their internal id: no number a citizen holds, no link token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from madoguchi.queueing.models import (
    Category,
    Counter,
    CounterCategory,
    CounterEvent,
    Office,
    TicketEvent,
)

TICKET_KINDS = {"issued": "issued", "called": "called", "recalled": "recalled", "held": "held",
                "resumed": "resumed", "transferred": "transferred", "done": "finished",
                "no_show": "no_show", "reinstated": "resumed", "cancelled": "cancelled"}
COUNTER_KINDS = {"opened": "counter_opened", "paused": "counter_paused"}


def office_json(office: Office) -> dict:
    counters = []
    for counter in Counter.objects.filter(office=office).order_by("number"):
        codes = list(CounterCategory.objects.filter(counter=counter).order_by("position", "id")
                     .values_list("category__code", flat=True))
        counters.append({"id": str(counter.number), "categories": codes})
    return {"categories": [{"code": c.code, "fast_lane": c.is_fast_lane,
                            "prior_service_minutes": float(c.prior_service_minutes)}
                           for c in Category.objects.filter(office=office).order_by("display_order", "pk")],
            "counters": counters}


def event_rows(office: Office, *, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[dict]:
    """EVENTS.csv rows of ``office`` (business dates ``since``..``until``), in time order."""
    tickets = TicketEvent.objects.filter(office=office, kind__in=TICKET_KINDS)
    counters = CounterEvent.objects.filter(office=office, kind__in=COUNTER_KINDS)
    if since:
        tickets, counters = tickets.filter(business_date__gte=since), counters.filter(business_date__gte=since)
    if until:
        tickets, counters = tickets.filter(business_date__lte=until), counters.filter(business_date__lte=until)
    rows = [(e.at, 0, e.id, {"ticket": str(e.ticket_id), "kind": TICKET_KINDS[e.kind],
                             "category": e.category.code, "counter": str(e.counter.number) if e.counter else ""})
            for e in tickets.select_related("category", "counter")]
    rows += [(e.at, 1, e.id, {"ticket": "", "kind": COUNTER_KINDS[e.kind], "category": "",
                              "counter": str(e.counter.number)})
             for e in counters.select_related("counter")]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    for at, _, _, row in rows:
        yield {"at": timezone.localtime(at).isoformat(), **row}
