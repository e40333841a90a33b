"""The wait estimate as the screens pay for it: per board refresh and per change of the queue.

    .venv/bin/python bench/estimate_refresh.py [--waiting 200] [--n 50]

A scratch SQLite file with the demo office (migrated, ``load_demo_data``), a morning's worth of
finished services (history for every category) and ``--waiting`` waiting tickets spread over the
categories, three counters busy. Times, median and p99 of ``--n``:

* *refresh*: ``queueing.estimates.office_waits`` when the queue has not changed since the last
  read — what every viewer's board or ticket page costs (one query: the office's version);
* *change*: the same right after a change (the cache dropped): the engine reads the office
  (queries) and estimates every waiting ticket and a new ticket of each category, once;
* *board*: the whole ``board_snapshot`` on a refresh (its own three queries plus the above).

Nothing asserts (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import scratch_sqlite_django


def stats(values: list[float]) -> str:
    p99 = sorted(values)[min(len(values) - 1, int(0.99 * len(values)))]
    return f"median {statistics.median(values):.2f} ms, p99 {p99:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=200)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    scratch_sqlite_django("estimate-refresh-")
    from madoguchi.core.actors import SYSTEM
    from madoguchi.forecasting.simulate import OFFICE_CATEGORIES
    from madoguchi.queueing import estimates, selectors, services
    from madoguchi.queueing.demo import load_demo_data
    from madoguchi.queueing.models import Counter, Ticket, TicketState

    office = load_demo_data()
    counters = list(Counter.objects.filter(office=office).order_by("number"))
    codes = [code for code, _, _, _ in OFFICE_CATEGORIES]
    for _round in range(20):  # services finished today: every category has history
        for code in codes:
            services.ticket_issue(actor=SYSTEM, office_code=office.code, category_code=code)
        for counter in counters:
            current = Ticket.objects.filter(counter=counter, state=TicketState.CALLED).first()
            services.ticket_call_next(actor=SYSTEM, counter_id=counter.pk,
                                      finish_current=current.public_id if current else None)
    for counter in counters:  # the rest of the morning's leftovers finished; three counters busy
        current = Ticket.objects.filter(counter=counter, state=TicketState.CALLED).first()
        if current:
            services.ticket_finish(actor=SYSTEM, counter_id=counter.pk)
    Ticket.objects.filter(office=office, state=TicketState.WAITING).update(state=TicketState.CANCELLED)
    for i in range(args.waiting):
        services.ticket_issue(actor=SYSTEM, office_code=office.code, category_code=codes[i % len(codes)])
    for counter in counters[:3]:
        services.ticket_call_next(actor=SYSTEM, counter_id=counter.pk)
    waiting = Ticket.objects.filter(office=office, state=TicketState.WAITING).count()

    refresh, change, board = [], [], []
    estimates.office_waits(office.pk)
    for _ in range(args.n):
        t0 = time.perf_counter()
        estimates.office_waits(office.pk)
        refresh.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        selectors.board_snapshot(office)
        board.append((time.perf_counter() - t0) * 1000)
        estimates.forget(type("Event", (), {"office_id": office.pk}))  # as a queue change does
        t0 = time.perf_counter()
        estimates.office_waits(office.pk)
        change.append((time.perf_counter() - t0) * 1000)
    print(f"{waiting} waiting, {args.n} times each (wall):")
    print(f"  refresh (same queue): {stats(refresh)}")
    print(f"  change (estimated once): {stats(change)}")
    print(f"  whole board on a refresh: {stats(board)}")


if __name__ == "__main__":
    main()
