"""A city-hall day simulator: seeded, pure Python, no database.

A small discrete-event simulation (not ``ciw``: ciw's servers take customers by class priority
and queue discipline, not by the project's one call rule across shared multi-skill counters,
which is what decides a wait here). It follows ``queueing/rules.py``: a counter that becomes
free calls, among the waiting tickets of the categories it serves, the first by ``call_key``
(fast lane first, then the original issue time, so a transferred or resumed ticket keeps its
place). Over a day: arrivals by hour (a morning peak, a lunch dip), a March–April peak, half
of the counters paused for lunch in two shifts, no-shows (called, recalled, then 不在),
holds (set aside, resumed later), transfers, cancellations, and clerks of different speed.

Output: the rows of the EVENTS.csv contract (``at,ticket,kind,category,counter``) and the
OFFICE.json of ``madoguchi estimate backtest`` (see docs/estimates.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import heapq
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

JST = dt.timezone(dt.timedelta(hours=9))

# The demo office's 市民課 (queueing/demo.py): code, fast lane, prior minutes, arrival weight.
OFFICE_CATEGORIES = [
    ("moving", False, 12, 5), ("fastlane", True, 6, 1), ("family-register", False, 15, 1.6),
    ("address", False, 10, 0.8), ("certificates", False, 5, 6), ("seal", False, 8, 2),
]
OFFICE_COUNTERS = {
    1: ["moving"], 2: ["moving"], 3: ["moving", "address"], 4: ["fastlane", "moving"],
    5: ["family-register"], 6: ["certificates"], 7: ["certificates", "seal"], 8: ["seal", "address"],
}
# How fast each counter's clerk works (service time multiplier).
CLERK_SPEED = {1: 1.0, 2: 1.15, 3: 0.9, 4: 1.0, 5: 1.05, 6: 1.2, 7: 0.9, 8: 1.0}
# Lunch: two shifts, each pausing half of the counters for an hour.
LUNCH = {1: (11.75, 12.75), 3: (11.75, 12.75), 6: (11.75, 12.75), 8: (11.75, 12.75),
         2: (12.75, 13.75), 4: (12.75, 13.75), 7: (12.75, 13.75), 5: (12.0, 12.75)}
OPEN_AT, RECEPTION_UNTIL = 8.5, 17.0  # hours
# Arrivals per hour of the day (relative), hour -> factor.
HOUR_PROFILE = {8: 1.0, 9: 1.35, 10: 1.3, 11: 1.1, 12: 0.75, 13: 1.0, 14: 0.95, 15: 0.85, 16: 0.6}
WEEKDAY_FACTOR = {0: 1.2, 1: 1.0, 2: 0.95, 3: 0.95, 4: 1.05}
# The categories the March–April moving season (引越しシーズン) brings more of.
PEAK_CODES = frozenset({"moving", "address", "certificates", "fastlane"})


@dataclass(frozen=True)
class Layout:
    """An office to simulate: categories ``(code, fast lane, prior minutes, arrival weight)``,
    counters (number → codes served, in order), each clerk's speed, the lunch rota (number →
    (start, end) in hours), reception hours and the arrival profile by hour."""

    categories: tuple
    counters: dict
    speed: dict
    lunch: dict
    open_at: float = OPEN_AT
    reception_until: float = RECEPTION_UNTIL
    hour_profile: dict = field(default_factory=lambda: dict(HOUR_PROFILE))
    peak_codes: frozenset = PEAK_CODES
    cutoffs: dict = field(default_factory=dict)  # code -> hour its reception ends (受付終了時刻)


CITY_HALL = Layout(tuple(OFFICE_CATEGORIES), OFFICE_COUNTERS, CLERK_SPEED, LUNCH)
"""The demo office's 市民課, as in the backtests of docs/estimates.md."""


def office_json() -> dict:
    """OFFICE.json of the simulated office."""
    return {
        "categories": [{"code": code, "fast_lane": fast, "prior_service_minutes": float(minutes)}
                       for code, fast, minutes, _ in OFFICE_CATEGORIES],
        "counters": [{"id": str(number), "categories": codes} for number, codes in OFFICE_COUNTERS.items()],
    }


@dataclass
class Scenario:
    name: str
    start: dt.date
    days: int = 5
    arrivals_per_hour: float = 26.0  # the whole office, at an hour factor of 1
    peak: float = 1.0  # the March–April moving season multiplies moving/address/certificates
    no_show: float = 0.05
    hold: float = 0.03
    transfer: float = 0.04  # of moving tickets, to certificates after their service
    cancel: float = 0.02
    service_cv: float = 0.5
    factor: float = 1.0  # every category's arrivals (月初・月末, the day after a holiday)
    layout: Layout = CITY_HALL


SCENARIOS = {
    "ordinary": Scenario("ordinary", dt.date(2025, 11, 10), arrivals_per_hour=30.0),
    "march-peak": Scenario("march-peak", dt.date(2026, 3, 23), arrivals_per_hour=30.0, peak=1.6),
}


def business_days(start: dt.date, count: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


class _Day:
    """One simulated business day. Times are hours of the day (floats)."""

    def __init__(self, day: dt.date, scenario: Scenario, rng: random.Random, first_ticket: int):
        self.day, self.sc, self.rng = day, scenario, rng
        self.layout = layout = scenario.layout
        self.fast = {code: fast for code, fast, _, _ in layout.categories}
        self.prior = {code: minutes for code, _, minutes, _ in layout.categories}
        # (at, seq, kind, data): plain tuples, ordered by time then by when they were pushed
        # (a dataclass with order=True cost a sixth of a simulated year in its __lt__).
        self.heap: list[tuple] = []
        self.numbers = sorted(layout.counters)
        self.seq = 0
        self.rows: list[tuple[float, int | str, str, str, str]] = []
        self.next_ticket = first_ticket
        self.waiting: dict[int, tuple] = {}  # ticket -> call key
        self.category: dict[int, str] = {}
        self.open: set[int] = set()
        self.busy: dict[int, int | None] = {n: None for n in layout.counters}
        self.ever_called: set[int] = set()
        self.lunch_pending: dict[int, float] = {}

    def push(self, at, kind, *data):
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, data))

    def log(self, at, ticket, kind, category="", counter=""):
        self.rows.append((at, ticket, kind, category, str(counter) if counter != "" else ""))

    def arrivals(self):
        sc, rng = self.sc, self.rng
        layout = self.layout
        weights = {code: w for code, _, _, w in layout.categories}
        total = sum(weights.values())
        factor = WEEKDAY_FACTOR.get(self.day.weekday(), 1.0) * sc.factor
        top = max(1.4, *layout.hour_profile.values())
        for code, w in weights.items():
            rate = sc.arrivals_per_hour * w / total * factor * (sc.peak if code in layout.peak_codes else 1.0)
            if rate <= 0:
                continue
            t = layout.open_at
            until = min(layout.reception_until, layout.cutoffs.get(code, layout.reception_until))
            while True:  # thinning of a non-homogeneous Poisson process
                t += rng.expovariate(rate * top)
                if t >= until:
                    break
                if rng.random() < layout.hour_profile.get(int(t), 0.0) / top:
                    self.push(t, "arrive", code)

    def service_hours(self, code, counter):
        mean = self.prior[code] * self.layout.speed.get(counter, 1.0)
        sigma = math.sqrt(math.log(1 + self.sc.service_cv ** 2))
        return self.rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma) / 60

    def call_next(self, at, counter):
        if counter not in self.open or self.busy[counter] is not None:
            return
        serves = set(self.layout.counters[counter])
        candidates = [(key, t) for t, key in self.waiting.items() if self.category[t] in serves]
        if not candidates:
            return
        _, ticket = min(candidates)
        del self.waiting[ticket]
        self.busy[counter] = ticket
        code = self.category[ticket]
        self.log(at, ticket, "called", code, counter)
        first = ticket not in self.ever_called
        self.ever_called.add(ticket)
        rng = self.rng
        if first and rng.random() < self.sc.no_show:
            self.push(at + 1 / 60, "recall", ticket, counter)
            return
        if first and rng.random() < self.sc.hold:
            self.push(at + rng.uniform(1.5, 4) / 60, "hold", ticket, counter)
            return
        self.push(at + self.service_hours(code, counter), "finish", ticket, counter)

    def pause(self, at, counter, hours):
        self.open.discard(counter)
        self.log(at, "", "counter_paused", "", counter)
        self.push(at + hours, "open", counter)

    def free(self, at, counter):
        self.busy[counter] = None
        if counter in self.lunch_pending:
            self.pause(at, counter, self.lunch_pending.pop(counter))
            return
        self.call_next(at, counter)

    def call_all(self, at):
        for counter in self.numbers:
            self.call_next(at, counter)

    def run(self):
        for counter in self.layout.counters:
            self.push(self.layout.open_at - 0.01, "open", counter)
            if counter in self.layout.lunch:
                start, end = self.layout.lunch[counter]
                self.push(start, "lunch", counter, end - start)
        self.arrivals()
        rng = self.rng
        while self.heap:
            at, _seq, kind, data = heapq.heappop(self.heap)
            if kind == "open":
                counter = data[0]
                self.open.add(counter)
                self.log(at, "", "counter_opened", "", counter)
                self.call_next(at, counter)
            elif kind == "lunch":
                counter, hours = data
                if self.busy[counter] is not None:  # the clerk finishes the citizen, calls nobody
                    self.lunch_pending[counter] = hours
                else:
                    self.pause(at, counter, hours)
            elif kind == "arrive":
                code = data[0]
                ticket = self.next_ticket
                self.next_ticket += 1
                self.category[ticket] = code
                self.waiting[ticket] = (not self.fast[code], at, ticket)
                self.log(at, ticket, "issued", code)
                if rng.random() < self.sc.cancel:
                    self.push(at + rng.uniform(5, 40) / 60, "cancel", ticket)
                self.call_all(at)
            elif kind == "cancel":
                ticket = data[0]
                if ticket in self.waiting:
                    del self.waiting[ticket]
                    self.log(at, ticket, "cancelled", self.category[ticket])
            elif kind == "recall":
                ticket, counter = data
                self.log(at, ticket, "recalled", self.category[ticket], counter)
                self.push(at + 1 / 60, "no_show", ticket, counter)
            elif kind == "no_show":
                ticket, counter = data
                self.log(at, ticket, "no_show", self.category[ticket], counter)
                self.free(at, counter)
            elif kind == "hold":
                ticket, counter = data
                self.log(at, ticket, "held", self.category[ticket], counter)
                self.push(at + rng.uniform(10, 25) / 60, "resume", ticket)
                self.free(at, counter)
            elif kind == "resume":
                ticket = data[0]
                code = self.category[ticket]
                self.log(at, ticket, "resumed", code)
                issued = next(r[0] for r in self.rows if r[1] == ticket and r[2] == "issued")
                self.waiting[ticket] = (not self.fast[code], issued, ticket)
                self.call_all(at)
            elif kind == "finish":
                ticket, counter = data
                code = self.category[ticket]
                if code == "moving" and rng.random() < self.sc.transfer:
                    self.category[ticket] = "certificates"
                    issued = next(r[0] for r in self.rows if r[1] == ticket and r[2] == "issued")
                    self.log(at, ticket, "transferred", "certificates", counter)
                    self.waiting[ticket] = (not self.fast["certificates"], issued, ticket)
                    self.free(at, counter)
                    self.call_all(at)
                else:
                    self.log(at, ticket, "finished", code, counter)
                    self.free(at, counter)
        if not self.rows:
            return self.rows
        end = max(r[0] for r in self.rows) + 1 / 60
        for counter in sorted(self.open):
            self.log(end, "", "counter_paused", "", counter)
        return self.rows


def simulate_day(day: dt.date, scenario: Scenario, rng: random.Random, *, first_ticket: int = 1) -> list[tuple]:
    """One business day's events in time order, as ``(hour of day, ticket, kind, category,
    counter)`` tuples (hours as floats; ticket numbered from ``first_ticket``, ``""`` for a
    counter's events; counter numbers as strings)."""
    return sorted(_Day(day, scenario, rng, first_ticket).run(), key=lambda r: r[0])


def simulate(scenario: Scenario, *, seed: int) -> list[dict]:
    """The events of ``scenario.days`` business days, in time order, as EVENTS.csv rows."""
    rng = random.Random(seed)
    out = []
    ticket = 1
    for day in business_days(scenario.start, scenario.days):
        sim = _Day(day, scenario, rng, ticket)
        rows = sim.run()
        ticket = sim.next_ticket
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=JST)
        for at, t, kind, category, counter in sorted(rows, key=lambda r: r[0]):
            stamp = (midnight + dt.timedelta(seconds=round(at * 3600))).isoformat()
            out.append({"at": stamp, "ticket": f"T{t}" if t != "" else "", "kind": kind,
                        "category": category, "counter": counter})
    return out


EVENT_COLUMNS = ["at", "ticket", "kind", "category", "counter"]


def write_events(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=EVENT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def write_office(path: Path) -> None:
    Path(path).write_text(json.dumps(office_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
