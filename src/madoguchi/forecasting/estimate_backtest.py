"""``madoguchi estimate backtest``: replay an event log, predict each ticket's wait at its issue.

Replays EVENTS.csv in time order and, at each ``issued``, predicts from the past only: the engine
(``forecasting/estimate.py``) and two baselines,

- **today**: today's formula (``queueing/rules.estimate``): people ahead under the call rule ×
  their categories' mean service time of the last 90 minutes (the prior with fewer than 3) ÷ the
  open counters serving the category;
- **zms**: the ZMS-style formula (Munich's ZMS): people waiting in the same category × the
  category's fixed service time (the prior) ÷ the open counters serving it.

The real wait of a ticket is from ``issued`` to its first ``called``. Tickets never called
(cancelled, or the log ends) have no real wait and are not scored.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

from madoguchi.queueing import rules

from .estimate import CounterState, History, WaitingTicket, estimate_queue, rota_today

KINDS = {"issued", "called", "recalled", "held", "resumed", "transferred", "finished", "no_show",
         "cancelled", "counter_opened", "counter_paused"}
ENDS_SERVICE = {"held", "transferred", "finished", "no_show"}
FAST_LANE_WINDOW = 60.0  # minutes: the fast-lane tickets issued in the last hour give their rate


@dataclass
class Office:
    fast: dict[str, bool]
    prior: dict[str, float]
    counters: dict[str, list[str]]

    @classmethod
    def load(cls, data: dict) -> Office:
        return cls(fast={c["code"]: bool(c.get("fast_lane", False)) for c in data["categories"]},
                   prior={c["code"]: float(c.get("prior_service_minutes", 5)) for c in data["categories"]},
                   counters={str(c["id"]): list(c["categories"]) for c in data["counters"]})


@dataclass
class Prediction:
    ticket: str
    issued_at: dt.datetime
    p50: float
    p80: float
    today: float
    zms: float
    actual: float | None = None


@dataclass
class _Ticket:
    category: str
    issued: float
    key: tuple
    samples: list | None = None
    prediction: Prediction | None = None


@dataclass
class Replay:
    office: Office
    runs: int = 120
    seed: int = 0
    history: History = field(default_factory=History)
    predictions: list[Prediction] = field(default_factory=list)

    def __post_init__(self):
        self.day = None
        self.rota: dict[str, list[tuple[float, float]]] = {}  # counter -> pauses of the last day
        self.recent: dict[str, deque] = defaultdict(deque)  # category -> (end minute, service minutes)
        self.fast_issued: dict[str, deque] = defaultdict(deque)  # fast-lane category -> issue minutes
        self._reset_day()

    def _reset_day(self):
        today = {cid: pauses for cid, pauses in getattr(self, "pauses_today", {}).items() if pauses}
        if today:
            self.rota = today
        self.pauses_today: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.midnight = None
        self.tickets: dict[str, _Ticket] = {}
        self.waiting: set[str] = set()
        self.counters = {cid: CounterState(cid, frozenset(cats), is_open=False)
                         for cid, cats in self.office.counters.items()}
        self.serving: dict[str, tuple[str, float]] = {}  # counter -> (ticket, called minute)
        for q in (*self.recent.values(), *self.fast_issued.values()):
            q.clear()

    def _mean_minutes(self, now: float) -> dict[str, float]:
        out = {}
        for category, prior in self.office.prior.items():
            q = self.recent[category]
            while q and q[0][0] < now - rules.SERVICE_WINDOW.total_seconds() / 60:
                q.popleft()
            mean_seconds = sum(m for _, m in q) * 60 / len(q) if q else None
            out[category] = rules.mean_service_minutes(mean_seconds=mean_seconds, samples=len(q),
                                                       prior_minutes=prior)
        return out

    def _baselines(self, ticket: _Ticket, now: float) -> tuple[float, float]:
        serving = rules.Serving()
        for cid, cats in self.office.counters.items():
            for category in cats:
                serving.categories_of[cid].add(category)
                serving.counters_of[category].add(cid)
            if self.counters[cid].is_open:
                serving.open_counters.add(cid)
        ahead_by: dict[str, int] = defaultdict(int)
        for other in self.waiting:
            t = self.tickets[other]
            if t.key < ticket.key:
                ahead_by[t.category] += 1
        _, today = rules.estimate(ticket.category, ahead_by, serving, self._mean_minutes(now))
        zms = rules.estimate_wait_minutes(people_ahead=ahead_by.get(ticket.category, 0),
                                          mean_service_minutes=self.office.prior[ticket.category],
                                          open_counters=serving.open_count(ticket.category))
        return float(today), float(zms)

    def _end_service(self, counter: str, now: float):
        ticket, since = self.serving.pop(counter, (None, None))
        state = self.counters[counter]
        if ticket is not None:
            category = state.busy_category or self.tickets[ticket].category
            self.history.add_service(category, now - since, counter)
            self.recent[category].append((now, now - since))
        state.busy_category = state.busy_since = None

    def event(self, at: dt.datetime, ticket: str, kind: str, category: str, counter: str):
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        day = at.date()
        if day != self.day:
            self.day = day
            self._reset_day()
            self.midnight = dt.datetime.combine(day, dt.time(), tzinfo=at.tzinfo).timestamp() / 60
            for cid, state in self.counters.items():
                state.planned_pauses = tuple((self.midnight + a, self.midnight + b)
                                             for a, b in self.rota.get(cid, ()))
        now = at.timestamp() / 60
        if kind == "counter_opened":
            state = self.counters[counter]
            if state.paused_since is not None and not state.is_open:
                self.history.add_pause(now - state.paused_since)
                if now - state.paused_since <= 180:
                    self.pauses_today[counter].append((state.paused_since - self.midnight,
                                                       now - self.midnight))
            state.is_open, state.paused_since = True, None
        elif kind == "counter_paused":
            state = self.counters[counter]
            state.is_open, state.paused_since, state.paused_today = False, now, True
            state.planned_pauses = rota_today(state.planned_pauses, [now])
        elif kind == "issued":
            t = _Ticket(category, now, rules.call_key(is_fast_lane=self.office.fast.get(category, False),
                                                     issued_at=at, id=len(self.tickets)))
            self.tickets[ticket] = t
            self.waiting.add(ticket)
            if self.office.fast.get(category, False):
                self.fast_issued[category].append(now)
            self._predict(ticket, at, now)
        elif kind == "called":
            t = self.tickets.get(ticket)
            if t is None:
                return
            self.waiting.discard(ticket)
            if counter in self.serving:
                self._end_service(counter, now)
            state = self.counters[counter]
            state.busy_category, state.busy_since = t.category, now
            self.serving[counter] = (ticket, now)
            if t.prediction is not None and t.prediction.actual is None:
                t.prediction.actual = now - t.issued
                self.history.add_outcome(t.samples or [], now - t.issued)
        elif kind in ENDS_SERVICE:
            # The counter that was calling the ticket (a transfer from elsewhere names none).
            at_counter = next((c for c, (t, _) in self.serving.items() if t == ticket), None)
            if at_counter is not None:
                self.history.add_call(self.counters[at_counter].busy_category or self.tickets[ticket].category,
                                      held=kind == "held")
                self._end_service(at_counter, now)
            t = self.tickets.get(ticket)
            if t is not None and kind == "transferred":
                t.category = category
                self.waiting.add(ticket)
        elif kind == "resumed":
            if ticket in self.tickets:
                self.waiting.add(ticket)
        elif kind == "cancelled":
            self.waiting.discard(ticket)

    def _fast_lane_rates(self, now: float) -> dict[str, float]:
        """Tickets a minute issued today in each fast-lane category over the last hour."""
        rates = {}
        for category, issued in self.fast_issued.items():
            while issued and issued[0] < now - FAST_LANE_WINDOW:
                issued.popleft()
            rates[category] = len(issued) / FAST_LANE_WINDOW
        return rates

    def _predict(self, ticket_id: str, at: dt.datetime, now: float):
        ticket = self.tickets[ticket_id]
        queue_ids = [tid for tid in self.waiting if self.tickets[tid].key <= ticket.key]
        queue = [WaitingTicket(self.tickets[tid].key, self.tickets[tid].category) for tid in queue_ids]
        estimates = estimate_queue(now=now, queue=queue, counters=list(self.counters.values()),
                                   history=self.history, priors=self.office.prior, runs=self.runs,
                                   seed=self.seed + len(self.predictions),
                                   fast_lane_rates=self._fast_lane_rates(now))
        mine = estimates[queue_ids.index(ticket_id)]
        today, zms = self._baselines(ticket, now)
        ticket.samples = mine.samples
        ticket.prediction = Prediction(ticket_id, at, mine.p50, mine.p80, today, zms)
        self.predictions.append(ticket.prediction)


def read_events(path) -> list[tuple[dt.datetime, str, str, str, str]]:
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            at = dt.datetime.fromisoformat(row["at"])
            if at.tzinfo is None:
                raise ValueError(f"row {n + 2}: `at` needs an offset (ISO-8601), got {row['at']!r}")
            rows.append((at, n, row["ticket"], row["kind"], row["category"] or "", row["counter"] or ""))
    rows.sort(key=lambda r: (r[0], r[1]))  # time order; the file's order among equal times
    return [(at, ticket, kind, category, counter) for at, _, ticket, kind, category, counter in rows]


@dataclass
class Scores:
    scored: int
    mae: dict[str, float]
    p80_coverage: float | None


def score(predictions: list[Prediction]) -> Scores:
    done = [p for p in predictions if p.actual is not None]
    if not done:
        return Scores(0, {}, None)
    mae = {name: sum(abs(getattr(p, attr) - p.actual) for p in done) / len(done)
           for name, attr in (("estimate", "p50"), ("today", "today"), ("zms", "zms"))}
    coverage = sum(p.actual <= p.p80 for p in done) / len(done)
    return Scores(len(done), mae, coverage)


def backtest(office: dict, events, *, runs: int = 120, seed: int = 0) -> tuple[list[Prediction], Scores]:
    replay = Replay(Office.load(office), runs=runs, seed=seed)
    for row in events:
        replay.event(*row)
    return replay.predictions, score(replay.predictions)


def write_predictions(predictions: list[Prediction], path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ticket", "issued_at", "p50_minutes", "p80_minutes"])
        for p in predictions:
            writer.writerow([p.ticket, p.issued_at.isoformat(), f"{p.p50:.2f}", f"{p.p80:.2f}"])


def format_scores(scores: Scores) -> str:
    if not scores.scored:
        return "実績の待ち時間がありません (no actual waits in the events: nothing to score)"
    est, today, zms = scores.mae["estimate"], scores.mae["today"], scores.mae["zms"]
    return "\n".join([
        f"scored tickets: {scores.scored}",
        f"MAE estimate (P50): {est:.2f} min",
        f"MAE today's formula: {today:.2f} min ({(1 - est / today) * 100 if today else 0:+.1f}% better)",
        f"MAE ZMS-style formula: {zms:.2f} min ({(1 - est / zms) * 100 if zms else 0:+.1f}% better)",
        f"P80 coverage: {scores.p80_coverage * 100:.1f}% (target 77–83%)",
    ])


def run_cli(office_path, events_path, out_path, *, runs: int = 120, seed: int = 0) -> int:
    office = json.loads(Path(office_path).read_text(encoding="utf-8"))
    predictions, scores = backtest(office, read_events(events_path), runs=runs, seed=seed)
    write_predictions(predictions, out_path)
    print(f"{len(predictions)} predictions -> {out_path}")
    print(format_scores(scores))
    return 0
