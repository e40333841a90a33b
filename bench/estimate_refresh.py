"""The wait estimate as the screens pay for it: per board refresh and per change of the queue.

    .venv/bin/python bench/estimate_refresh.py [--waiting 200] [--n 50] [--history-days 365] \
        [--db FILE] [--against OLD_SELECTORS.py]

A SQLite file with the demo office (migrated, ``load_demo_data``), ``--history-days`` of the
demo's simulated past before today (``forecasting.demo_history.seed_history``: the year the demo
starts with), a morning's worth of services today and ``--waiting`` waiting tickets spread over
the categories, three counters busy. ``--db FILE`` keeps that file and reuses it on the next run
(setting it up takes a minute or two with a year of history). Then ``--n`` rounds, each:

* *change*: one real change of the queue (a ticket issued, or a counter calling the next one and
  finishing its current: a new service), then ``queueing.estimates.office_waits`` once — what the
  live board pays on every change: the office's reads and the engine (40 runs, every waiting
  ticket and a new ticket of each category). Split into the *engine* (``estimate_office``) and
  the *reads* (the rest: the version query, the office's queries, building the engine's input);
* *refresh*: ``office_waits`` again, the queue unchanged — what every viewer's board or ticket
  page costs (one query: the office's version);
* *board*: the whole ``board_snapshot`` on such a refresh.

Wall and thread CPU time (SQLite runs in this thread, so its work counts), median and p99.

``--against OLD_SELECTORS.py``: another version of forecasting/selectors.py (``git show
REV:src/madoguchi/forecasting/selectors.py > /tmp/old_selectors.py``) estimates the same state
right after this one in each round; prints both and the ratio of medians, and how many rounds
gave identical estimates (they should all: the same state, moment and seed).

Nothing asserts (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

from _common import scratch_sqlite_django, uptime_load


def stats(values: list[float]) -> str:
    p99 = sorted(values)[min(len(values) - 1, int(0.99 * len(values)))]
    return f"median {statistics.median(values):6.2f} ms, p99 {p99:6.2f} ms"


def setup_django(db: str | None) -> bool:
    """Django on ``db`` (or a scratch file); True when the file was already set up."""
    if not db:
        scratch_sqlite_django("estimate-refresh-")
        return False
    path = Path(db).resolve()
    ready = path.exists()
    os.environ.update(MADOGUCHI_SQLITE_PATH=str(path), MADOGUCHI_DATABASE_URL="",
                      DJANGO_SETTINGS_MODULE="madoguchi.settings.base")
    os.environ.setdefault("MADOGUCHI_SECRET_KEY", "bench-only-" + "x" * 40)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return ready


def prepare(args) -> None:
    from madoguchi.core.actors import SYSTEM
    from madoguchi.forecasting.demo_history import seed_history
    from madoguchi.queueing import services
    from madoguchi.queueing.demo import load_demo_data
    from madoguchi.queueing.models import Category, Counter, Ticket, TicketState

    office = load_demo_data()
    if args.history_days:
        started = time.perf_counter()
        result = seed_history(office, days=args.history_days)
        print(f"history: {result.days} days, {result.tickets} tickets, {result.events} events "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    counters = list(Counter.objects.filter(office=office).order_by("number"))
    codes = list(Category.objects.filter(office=office).order_by("display_order").values_list("code", flat=True))
    for _round in range(3):  # services finished today
        for code in codes:
            services.ticket_issue(actor=SYSTEM, office_code=office.code, category_code=code)
        for counter in counters:
            current = Ticket.objects.filter(counter=counter, state=TicketState.CALLED).first()
            services.ticket_call_next(actor=SYSTEM, counter_id=counter.pk,
                                      finish_current=current.public_id if current else None)
    for counter in counters:  # the morning's leftovers finished
        if Ticket.objects.filter(counter=counter, state=TicketState.CALLED).exists():
            services.ticket_finish(actor=SYSTEM, counter_id=counter.pk)
    for ticket in Ticket.objects.filter(office=office, state=TicketState.WAITING):
        services.ticket_cancel(actor=SYSTEM, ticket_id=ticket.public_id)
    for i in range(args.waiting):
        services.ticket_issue(actor=SYSTEM, office_code=office.code, category_code=codes[i % len(codes)])
    for counter in counters[:3]:
        services.ticket_call_next(actor=SYSTEM, counter_id=counter.pk)


def load_against(path: str):
    """Another selectors.py as a module of the forecasting package (its relative imports work)."""
    name = "madoguchi.forecasting.selectors_against"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Timed:
    """A selectors module's ``estimate_office`` timed (wall, CPU) on each call."""

    def __init__(self, module):
        self.module, self.inner = module, module.estimate_office
        self.last = (0.0, 0.0)
        module.estimate_office = self

    def __call__(self, **kwargs):
        w0, c0 = time.perf_counter(), time.thread_time()
        try:
            return self.inner(**kwargs)
        finally:
            self.last = ((time.perf_counter() - w0) * 1000, (time.thread_time() - c0) * 1000)


def timed(fn):
    w0, c0 = time.perf_counter(), time.thread_time()
    value = fn()
    return value, (time.perf_counter() - w0) * 1000, (time.thread_time() - c0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=200)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--history-days", type=int, default=365)
    parser.add_argument("--db", help="a SQLite file to keep and reuse (set up when missing)")
    parser.add_argument("--against", help="another forecasting/selectors.py, timed on the same states")
    args = parser.parse_args()
    if not setup_django(args.db):
        prepare(args)
    from madoguchi.core.actors import SYSTEM
    from madoguchi.forecasting import selectors as current
    from madoguchi.queueing import estimates, selectors, services
    from madoguchi.queueing.demo import DEMO_OFFICE
    from madoguchi.queueing.models import Category, Counter, Office, Ticket, TicketState

    office = Office.objects.get(code=DEMO_OFFICE)
    counters = list(Counter.objects.filter(office=office).order_by("number"))
    codes = list(Category.objects.filter(office=office).order_by("display_order").values_list("code", flat=True))
    modules = {"this": current}
    if args.against:
        modules["against"] = load_against(args.against)
    engines = {name: Timed(module) for name, module in modules.items()}
    change = {name: {k: [] for k in ("wall", "cpu", "engine", "reads")} for name in modules}
    refresh, board, same = [], [], 0
    estimates.register_estimator(current.office_waits)
    estimates.office_waits(office.pk)  # warm: the process's first estimate of the office
    for i in range(args.n):
        if i % 2 == 0:
            services.ticket_issue(actor=SYSTEM, office_code=office.code, category_code=codes[i // 2 % len(codes)])
        else:
            counter = counters[i // 2 % len(counters)]
            current_ticket = Ticket.objects.filter(counter=counter, state=TicketState.CALLED).first()
            services.ticket_call_next(actor=SYSTEM, counter_id=counter.pk,
                                      finish_current=current_ticket.public_id if current_ticket else None)
        results = {}
        for name, module in modules.items():
            estimates.register_estimator(module.office_waits)  # and the cache of estimates dropped
            results[name], wall, cpu = timed(lambda: estimates.office_waits(office.pk))
            engine_wall, engine_cpu = engines[name].last
            for key, value in (("wall", wall), ("cpu", cpu), ("engine", engine_cpu), ("reads", cpu - engine_cpu)):
                change[name][key].append(value)
        if len(results) == 2:
            same += results["this"] == results["against"]
        estimates.register_estimator(current.office_waits)
        estimates.office_waits(office.pk)
        refresh.append(timed(lambda: estimates.office_waits(office.pk))[1])
        board.append(timed(lambda: selectors.board_snapshot(office))[1])
    waiting = Ticket.objects.filter(office=office, state=TicketState.WAITING).count()
    history = Ticket.objects.filter(office=office, state=TicketState.DONE).count()
    print(f"{waiting} waiting (at the end), {history} services in the office's history, {args.n} rounds; "
          f"load {uptime_load()}")
    for name in modules:
        c = change[name]
        print(f"  [{name}] change: wall {stats(c['wall'])}; CPU {stats(c['cpu'])}")
        print(f"  [{name}]   of which reads (CPU): {stats(c['reads'])}; engine (CPU): {stats(c['engine'])}")
    print(f"  refresh (same queue, wall): {stats(refresh)}")
    print(f"  whole board on a refresh (wall): {stats(board)}")
    if args.against:
        t, a = change["this"], change["against"]
        ratio = {k: statistics.median(a[k]) / statistics.median(t[k]) for k in ("cpu", "reads", "engine")}
        print(f"  against/this (CPU medians): change {ratio['cpu']:.1f}x, reads {ratio['reads']:.1f}x, "
              f"engine {ratio['engine']:.1f}x; identical estimates in {same}/{args.n} rounds")


if __name__ == "__main__":
    main()
