"""The wait estimate engine: P50 and P80 of the wait of every waiting ticket.

From the state of the office — the waiting tickets in the call order of ``queueing/rules.py``,
which counters serve which categories, which are open, busy (and since when) or paused — it
runs ``runs`` Monte-Carlo continuations of the queue. Each run draws the service time of every
ticket ahead from the recent service times of its category (how long a call occupied a
counter: a service, a no-show's recalls, a hold) and the remaining time of every busy counter,
and lets the counters call by the one call rule. The call time of a ticket in a run is its wait;
the runs give its distribution. A counter whose clerk has been slower or faster than the
category's usual takes that much longer or shorter (its pace, learned from its services).

Calling by the rule is done exactly by one pass in the call order: each ticket goes to the
counter, among those serving its category, that becomes free first (every ticket ahead of it in
the order has already taken its counter). A paused counter is expected back after the office's
usual pause length, and a counter with planned pauses (the rota of past days) calls nobody
during them.

**Little history.** With fewer than ``MIN_HISTORY`` service times of a category the runs draw from
a log-normal around the category's prior (標準処理時間) with a coefficient of variation of
``PRIOR_CV``: a multi-server queueing formula with the prior mean, simulated rather than in closed
form because counters are shared.

**Calibration.** The quantiles are read from the runs at levels learned from the past: for each
ticket already called, where its real wait fell in its own predicted distribution (its PIT value).
The P80 is read at the level below which 80% of those fell (so it covers about 80% of real waits)
and the P50 at the level of their median. With fewer than ``MIN_CALIBRATION`` called tickets the
levels are 0.5 and 0.8.

**Guarantees** (tests/forecasting/test_estimate.py): never negative, never below people ahead ×
``MIN_MINUTES_PER_PERSON``, P80 ≥ P50, and monotone in people ahead: in one queue a ticket
further back in a category never gets less than one ahead of it, and one more ticket joining
ahead of a ticket (just before it in the order) never shortens its estimate (the runs share their
random draws ticket by ticket, so that ticket can only delay the counters). A new fast-lane
ticket, which goes to the front, shifts the draws: its effect is right on average only.
"""

from __future__ import annotations

import bisect
import math
import random
import statistics
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MIN_HISTORY = 15
HISTORY_SIZE = 300
PRIOR_CV = 0.6
MIN_CALIBRATION = 40
CALIBRATION_SIZE = 400
MIN_MINUTES_PER_PERSON = 0.25
DEFAULT_PAUSE_MINUTES = 60.0
RUNS = 120
POOL = 4  # a category's pool of draws holds POOL × runs
PACE_PRIOR = 10  # services' worth of weight on a clerk's pace being the usual one
PRIOR_WEIGHT = 30  # services' worth of weight on a category's mean being its 標準処理時間
ROTA_MATCH = 60.0  # minutes: a pause taken today within this of a planned one is that one
MAX_FAST_LANE_LOAD = 0.5  # new fast-lane tickets take at most this share of a counter


# ``rng.randrange(n)`` is ``rng._randbelow_with_getrandbits(n)`` in CPython's Random (3.11–3.13):
# the engine takes its random starts that way, inline, where that holds (identical numbers).
_RANDRANGE_IS_GETRANDBITS = getattr(random.Random, "_randbelow", None) is getattr(
    random.Random, "_randbelow_with_getrandbits", object())


# The loops written out for one, two, three and four counters (below, in ``call_time_runs``);
# tests/forecasting/test_estimate_paths.py turns them off: they must give exactly the numbers
# of the general loops.
_SPECIALISED = True


@dataclass
class CounterState:
    """A counter as the engine sees it. Times are minutes on one clock (any origin)."""

    id: str
    categories: frozenset[str]
    is_open: bool = True
    busy_category: str | None = None  # the category of the ticket it is serving, if any
    busy_since: float | None = None
    paused_since: float | None = None
    # Pauses expected later (e.g. the lunch rota learned from past days): (start, end) minutes.
    # A counter busy at the start finishes its citizen first and then pauses for the whole
    # length; ``rota_today`` drops the ones already taken today.
    planned_pauses: tuple[tuple[float, float], ...] = ()
    # Whether it has paused today already (its break taken or under way).
    paused_today: bool = False


def rota_today(planned: Iterable[tuple[float, float]], taken: Iterable[float]) -> tuple[tuple[float, float], ...]:
    """The planned pauses (``(start, end)`` minutes) still to come, given the minutes at which
    the counter paused today: a pause taken within ``ROTA_MATCH`` minutes of a planned one is
    that one (the clerk went early or late), so it is not expected again."""
    taken = list(taken)
    return tuple((a, b) for a, b in planned
                 if not any(a - ROTA_MATCH <= t < b + ROTA_MATCH for t in taken))


@dataclass
class WaitingTicket:
    """A waiting ticket: ``key`` is its ``rules.call_key`` (smaller is called first)."""

    key: tuple
    category: str


@dataclass
class History:
    """Recent service times per category, pause lengths, and the calibration's PIT values."""

    service: dict[str, deque] = field(default_factory=lambda: defaultdict(lambda: deque(maxlen=HISTORY_SIZE)))
    # per category, the counter of each of those services (None: not known)
    served_by: dict[str, deque] = field(default_factory=lambda: defaultdict(lambda: deque(maxlen=HISTORY_SIZE)))
    pauses: deque = field(default_factory=lambda: deque(maxlen=50))
    # per counter, its services' minutes over their category's mean at the time: the clerk's pace
    pace: dict[str, deque] = field(default_factory=lambda: defaultdict(lambda: deque(maxlen=100)))
    pits: deque = field(default_factory=lambda: deque(maxlen=CALIBRATION_SIZE))
    # per category, whether each of its last calls ended in a hold (保留): the ticket comes back
    # later in its original place and takes a counter again
    holds: dict[str, deque] = field(default_factory=lambda: defaultdict(lambda: deque(maxlen=HISTORY_SIZE)))
    # Levels learned elsewhere (the office's nightly calibration): used instead of ``pits``.
    calibrated: tuple[float, float] | None = None

    def add_service(self, category: str, minutes: float, counter: str | None = None) -> None:
        if minutes < 0:
            return
        samples = self.service[category]
        if counter is not None and len(samples) >= MIN_HISTORY:
            mean = statistics.fmean(samples)
            if mean > 0:
                self.pace[counter].append(minutes / mean)
        samples.append(minutes)
        self.served_by[category].append(counter)

    def usual_pace(self, category: str) -> float:
        """The mean pace of the clerks behind the category's service times (each counter as
        often as it served it): those times already carry it, so a counter's own pace is taken
        against it — a category only one counter serves takes its times as they are."""
        if len(self.service.get(category, ())) < MIN_HISTORY:
            return 1.0  # the prior: the standard time, no clerk's
        times = Counter(self.served_by.get(category, ()))
        times.pop(None, None)
        n = sum(times.values())
        return sum(self.pace_of(c) * k for c, k in times.items()) / n if n else 1.0

    def add_call(self, category: str, *, held: bool) -> None:
        """A call of the category ended (served, not there, transferred or held)."""
        self.holds[category].append(held)

    def returns(self, category: str) -> float:
        """How many more calls a ticket of the category takes on average, coming back from a
        hold (0 with fewer than ``MIN_HISTORY`` calls known)."""
        calls = self.holds.get(category, ())
        return sum(calls) / len(calls) if len(calls) >= MIN_HISTORY else 0.0

    def pace_of(self, counter: str) -> float:
        """How much longer than usual this counter's services take (1.0: as usual), shrunk
        towards 1 with few services."""
        ratios = self.pace.get(counter, ())
        return (sum(ratios) + PACE_PRIOR) / (len(ratios) + PACE_PRIOR)

    def pace_against(self, counter: str, usual: float) -> float:
        """The counter's pace against ``usual`` (``usual_pace`` of a category), shrunk towards 1
        with few services: a counter with none is as usual."""
        ratios = self.pace.get(counter, ())
        return (sum(ratios) / usual + PACE_PRIOR) / (len(ratios) + PACE_PRIOR)

    def add_pause(self, minutes: float) -> None:
        if 0 < minutes <= 180:
            self.pauses.append(minutes)

    def pause_minutes(self) -> float:
        return statistics.median(self.pauses) if self.pauses else DEFAULT_PAUSE_MINUTES

    def add_outcome(self, samples: Sequence[float], actual: float) -> None:
        """Where a real wait fell in its predicted (sorted) samples."""
        if samples:
            below = bisect.bisect_left(samples, actual)
            upto = bisect.bisect_right(samples, actual)
            self.pits.append((below + upto) / 2 / len(samples))

    def levels(self) -> tuple[float, float]:
        if self.calibrated is not None and len(self.pits) < MIN_CALIBRATION:
            return self.calibrated
        if len(self.pits) < MIN_CALIBRATION:
            return 0.5, 0.8
        pits = sorted(self.pits)
        q50 = pits[int(0.5 * (len(pits) - 1))]
        q80 = pits[int(0.8 * (len(pits) - 1))]
        q50 = min(max(q50, 0.05), 0.95)
        return q50, min(max(q80, q50, 0.05), 0.995)


class _Sampler:
    """Service draws, ``runs`` at a time, from a pool per category.

    The pool of a category (``POOL × runs`` draws from its history, or from the prior) is made
    once per estimate with its own seed (the estimate's seed and the category), and each ticket
    takes ``runs`` consecutive draws of it from a random start: one random number per ticket
    instead of one per run (the cost of an estimate is mostly its draws), and every ticket takes
    exactly one, in the call order, whatever its category — so the runs share their draws ticket by
    ticket (common random numbers) and one more ticket ahead can only delay the others."""

    def __init__(self, history: History, priors: Mapping[str, float], rng: random.Random, *,
                 seed: int = 0, runs: int = RUNS):
        self.history, self.priors, self.rng = history, priors, rng
        self.seed, self.runs, self.size = seed, runs, max(POOL * runs, 64)
        self.cache: dict[str, tuple] = {}
        self.mix: dict[str, tuple[float, float, float]] = {}
        self.pools: dict[str, list[float]] = {}

    def _source(self, category):
        """``(kind, source, mean)``: ``("history", sorted service times, mean)`` or ``("prior",
        (mu, sigma) of a log-normal, mean)``. With history, the draws mix in the prior as
        ``PRIOR_WEIGHT`` services' worth (``self.mix``: its share and log-normal): a handful of
        long services early in a log, or a clerk's bad hour, moves the estimate less, and one
        more long service only adds to the long ones."""
        if category not in self.cache:
            samples = sorted(self.history.service.get(category, ()))
            prior = float(self.priors.get(category) or 0.0)
            sigma = math.sqrt(math.log(1 + PRIOR_CV ** 2))
            if len(samples) >= MIN_HISTORY:
                mean = statistics.fmean(samples)
                if prior > 0:
                    share = PRIOR_WEIGHT / (len(samples) + PRIOR_WEIGHT)
                    self.mix[category] = (share, math.log(prior) - sigma * sigma / 2, sigma)
                    mean = (1 - share) * mean + share * prior
                self.cache[category] = ("history", samples, mean)
            else:
                mean = prior or 5.0
                self.cache[category] = ("prior", (math.log(mean) - sigma * sigma / 2, sigma), mean)
        return self.cache[category]

    def _pool(self, category) -> list[float]:
        pool = self.pools.get(category)
        if pool is None:
            kind, source, _ = self._source(category)
            rng = random.Random(f"{self.seed}:{category}")
            if kind == "history" and category in self.mix:
                share, mu, sigma = self.mix[category]
                if _RANDRANGE_IS_GETRANDBITS:  # rng.choice(source), its random index taken inline
                    uniform, getrandbits, lognormal = rng.random, rng.getrandbits, rng.lognormvariate
                    n = len(source)
                    bits = n.bit_length()
                    pool = []
                    for _ in range(self.size):
                        if uniform() < share:
                            pool.append(lognormal(mu, sigma))
                        else:
                            k = getrandbits(bits)
                            while k >= n:
                                k = getrandbits(bits)
                            pool.append(source[k])
                else:
                    pool = [rng.lognormvariate(mu, sigma) if rng.random() < share else rng.choice(source)
                            for _ in range(self.size)]
            elif kind == "history":
                pool = rng.choices(source, k=self.size)
            else:
                mu, sigma = source
                pool = [rng.lognormvariate(mu, sigma) for _ in range(self.size)]
            pool += pool[:self.runs]  # a start near the end wraps round
            self.pools[category] = pool
        return pool

    def draws(self, category: str, n: int) -> list[float]:
        start = self.rng.randrange(self.size)
        if n <= self.runs:
            return self._pool(category)[start:start + n]
        kind, source, _ = self._source(category)  # more than a pool's worth: draw one by one
        if kind == "history":
            return self.rng.choices(source, k=n)
        mu, sigma = source
        return [self.rng.lognormvariate(mu, sigma) for _ in range(n)]

    def remaining(self, category: str, elapsed: float, n: int) -> list[float]:
        """What is left of a service that has lasted ``elapsed`` minutes: drawn from the services
        that lasted longer (the longer a citizen has been at the counter, the longer the usual
        rest), beyond the longest ones an exponential of their mean excess."""
        kind, source, mean = self._source(category)
        rng = self.rng
        if kind == "prior":
            mu, sigma = source
            dist = statistics.NormalDist(mu, sigma)
            done = dist.cdf(math.log(elapsed)) if elapsed > 0 else 0.0
            if done < 0.99:
                return [max(math.exp(dist.inv_cdf(done + (1 - done) * (1 - rng.random()) * 0.999)) - elapsed, 0.0)
                        for _ in range(n)]
            excess = max(0.25 * mean, 0.5)
        else:
            longer = source[bisect.bisect_right(source, elapsed):]
            if len(longer) >= 5:
                return [s - elapsed for s in rng.choices(longer, k=n)]
            top = source[-5:]
            excess = max(statistics.fmean(top) - top[0], 0.25 * mean, 0.5)
        return [rng.expovariate(1 / excess) for _ in range(n)]


def call_time_runs(*, now: float, queue: Sequence[WaitingTicket], counters: Iterable[CounterState],
                   history: History, priors: Mapping[str, float], runs: int = RUNS,
                   seed: int = 0, probes: Sequence[WaitingTicket] = (),
                   probe_out: list | None = None,
                   fast_lane_rates: Mapping[str, float] | None = None) -> list[list[float]] | None:
    """Waits (minutes from ``now``) of every ticket of ``queue`` (in the call order) in each run:
    ``out[i]`` is the sorted list of the ``runs`` waits of ``queue[i]``; ``None`` in place of a
    ticket no counter serves.

    ``probes`` (in the call order): tickets that would join the queue at their key (the board's
    "a ticket issued now"); their waits go to ``probe_out`` without changing the queue's.

    ``fast_lane_rates``: tickets a minute lately issued in each fast-lane category. New ones will
    go ahead of every other ticket at the counters serving them, so those counters take longer
    over the other categories' tickets (by their share of the counter's time, at most
    ``MAX_FAST_LANE_LOAD``)."""
    rng = random.Random(seed)
    sampler = _Sampler(history, priors, rng, seed=seed, runs=runs)
    counters = list(counters)
    pause = history.pause_minutes()
    free = []  # per counter, the minute it is free in each run
    usual: dict[str, float] = {}
    for c in counters:
        if c.is_open and c.busy_category is not None:
            elapsed = max(now - (c.busy_since if c.busy_since is not None else now), 0.0)
            if c.busy_category not in usual:
                usual[c.busy_category] = history.usual_pace(c.busy_category)
            pace = history.pace_against(c.id, usual[c.busy_category])
            free.append([now + r * pace for r in sampler.remaining(c.busy_category, elapsed / pace, runs)])
        elif c.is_open:
            free.append([now] * runs)
        else:
            back = (c.paused_since if c.paused_since is not None else now) + pause
            free.append([max(back, now + 1.0)] * runs)
    paces = [history.pace_of(c.id) for c in counters]
    fast_lane_rates = {k: v for k, v in (fast_lane_rates or {}).items() if v > 0}
    other_paces = paces  # for the tickets of the other categories
    if fast_lane_rates:
        load = [0.0] * len(counters)
        for category, rate in fast_lane_rates.items():
            serving = [i for i, c in enumerate(counters) if category in c.categories and c.is_open]
            mean = sampler._source(category)[2]
            for i in serving:
                load[i] += rate * mean * paces[i] / len(serving)
        other_paces = [p / (1 - min(rho, MAX_FAST_LANE_LOAD)) for p, rho in zip(paces, load, strict=True)]
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(counters):
        for category in c.categories:
            by_category[category].append(i)
    pauses = [[p for p in c.planned_pauses if p[1] > now] for c in counters]
    if not any(c.planned_pauses for c in counters):
        # No rota learned yet (the first day of a log): when several counters are on a pause,
        # the counters that have not paused today take theirs when the first of them is back
        # (a lunch in shifts), for the usual length.
        away = [free[i][0] for i, c in enumerate(counters) if not c.is_open and c.paused_since is not None]
        if len(away) >= max(2, len(counters) / 4):
            back = min(away)
            for i, c in enumerate(counters):
                if c.is_open and not c.paused_today:
                    pauses[i] = [(back, back + pause)]

    def start_at(i: int, t: float) -> float:
        for begin, end in pauses[i]:
            if begin <= t < end:  # the clerk finishes the citizen, then pauses the whole length
                return t + (end - begin)
        return t

    # ready[i]: when counter i can call next in each run — its free time moved past a planned
    # pause it falls in, what the call rule compares — kept beside free[i] and recomputed only
    # where free[i] changes (the same list as free[i] for a counter without planned pauses).
    # Before the first pause's start or from the last one's end, ``start_at`` is the time itself.
    inf = math.inf
    spans = [(min(b for b, _ in p), max(e for _, e in p)) if p else (inf, -inf) for p in pauses]
    ready = [[t if t < spans[i][0] or t >= spans[i][1] else start_at(i, t) for t in col] if pauses[i] else col
             for i, col in enumerate(free)]

    def probe(ticket: WaitingTicket) -> list[float] | None:
        eligible = by_category.get(ticket.category)
        if not eligible:
            return None
        if len(eligible) == 1:
            starts = sorted(ready[eligible[0]])
        else:
            starts = [min(row) for row in zip(*[ready[i] for i in eligible], strict=True)]
            starts.sort()
        return [t - now for t in starts]

    fast_paces = paces
    paces_of: dict[str, list[float]] = {}
    pending = deque(probes)
    if probe_out is None:
        probe_out = []
    out: list = []
    # One random start per ticket, as ``sampler.draws`` takes it (``rng.randrange(size)``),
    # without its two Python calls when that is what randrange does (CPython's Random).
    size, pools, pool_of = sampler.size, sampler.pools, sampler._pool
    bits, getrandbits = size.bit_length(), rng.getrandbits
    inline_draws = _RANDRANGE_IS_GETRANDBITS and runs <= sampler.runs
    fast = _SPECIALISED
    paused_of = {category: any(pauses[i] for i in eligible) for category, eligible in by_category.items()}
    for ticket in queue:
        while pending and pending[0].key < ticket.key:
            probe_out.append(probe(pending.popleft()))
        category = ticket.category
        eligible = by_category.get(category)
        if inline_draws:  # drawn even if unused: runs stay aligned
            start = getrandbits(bits)
            while start >= size:
                start = getrandbits(bits)
            service = (pools.get(category) or pool_of(category))[start:start + runs]
        else:
            service = sampler.draws(category, runs)
        paces = paces_of.get(category)
        if paces is None:  # a ticket held later comes back for another service before the ones behind it
            if category not in usual:
                usual[category] = history.usual_pace(category)
            more = 1 + history.returns(category)
            against = usual[category]
            slower = fast_paces if category in fast_lane_rates else other_paces
            paces = paces_of[category] = [
                history.pace_against(c.id, against) * (slow / base) * more
                for c, slow, base in zip(counters, slower, fast_paces, strict=True)]
        if not eligible:
            out.append(None)
            continue
        # waits: each run's wait (its start − now, taken as the start is chosen), then sorted.
        if fast and len(eligible) == 1:  # one counter: no choice to make
            i = eligible[0]
            starts, pace = ready[i], paces[i]
            free[i] = ends = [t + d * pace for t, d in zip(starts, service, strict=True)]
            if pauses[i]:
                lo, hi = spans[i]
                ready[i] = [t if t < lo or t >= hi else start_at(i, t) for t in ends]
            else:
                ready[i] = ends
            waits = [t - now for t in starts]
        elif fast and len(eligible) == 2 and paused_of[category]:  # a pair, through ready[]
            i, j = eligible
            a, b, fa, fb, pa, pb = ready[i], ready[j], free[i], free[j], paces[i], paces[j]
            (lo_a, hi_a), (lo_b, hi_b) = spans[i], spans[j]
            waits = []
            for r in range(runs):
                x, y = a[r], b[r]
                if y < x:
                    waits.append(y - now)
                    fb[r] = t = y + service[r] * pb
                    b[r] = t if t < lo_b or t >= hi_b else start_at(j, t)
                else:
                    waits.append(x - now)
                    fa[r] = t = x + service[r] * pa
                    a[r] = t if t < lo_a or t >= hi_a else start_at(i, t)
        elif paused_of[category]:  # through ready[], recomputed where free[] changes
            cols = [ready[i] for i in eligible]
            others = range(1, len(cols))
            waits = []
            for r in range(runs):
                k, start = 0, cols[0][r]
                for j in others:
                    if cols[j][r] < start:
                        k, start = j, cols[j][r]
                waits.append(start - now)
                i = eligible[k]
                free[i][r] = t = start + service[r] * paces[i]
                lo, hi = spans[i]
                cols[k][r] = t if t < lo or t >= hi else start_at(i, t)
        elif fast and len(eligible) == 2:  # the usual shared pair (b's when strictly earlier: the rule's order)
            i, j = eligible
            a, b, pa, pb = free[i], free[j], paces[i], paces[j]
            waits = []
            for r in range(runs):
                x, y = a[r], b[r]
                if y < x:
                    waits.append(y - now)
                    b[r] = y + service[r] * pb
                else:
                    waits.append(x - now)
                    a[r] = x + service[r] * pa
        elif fast and len(eligible) == 3:  # the same, written out: the first of equals is the first counter
            i0, i1, i2 = eligible
            c0, c1, c2, p0, p1, p2 = free[i0], free[i1], free[i2], paces[i0], paces[i1], paces[i2]
            waits = []
            for r in range(runs):
                best, start, p = c0, c0[r], p0
                t = c1[r]
                if t < start:
                    best, start, p = c1, t, p1
                t = c2[r]
                if t < start:
                    best, start, p = c2, t, p2
                waits.append(start - now)
                best[r] = start + service[r] * p
        elif fast and len(eligible) == 4:
            i0, i1, i2, i3 = eligible
            c0, c1, c2, c3 = free[i0], free[i1], free[i2], free[i3]
            p0, p1, p2, p3 = paces[i0], paces[i1], paces[i2], paces[i3]
            waits = []
            for r in range(runs):
                best, start, p = c0, c0[r], p0
                t = c1[r]
                if t < start:
                    best, start, p = c1, t, p1
                t = c2[r]
                if t < start:
                    best, start, p = c2, t, p2
                t = c3[r]
                if t < start:
                    best, start, p = c3, t, p3
                waits.append(start - now)
                best[r] = start + service[r] * p
        else:
            cols = [free[i] for i in eligible]
            pcs = [paces[i] for i in eligible]
            others = range(1, len(cols))
            waits = []
            for r in range(runs):
                best, start = 0, cols[0][r]
                for j in others:
                    if cols[j][r] < start:
                        best, start = j, cols[j][r]
                waits.append(start - now)
                cols[best][r] = start + service[r] * pcs[best]
        waits.sort()
        out.append(waits)
    while pending:
        probe_out.append(probe(pending.popleft()))
    return out


def _position(level: float, n: int) -> tuple[int, int, float]:
    """Where ``quantile`` reads ``level`` in ``n`` sorted values: the two neighbours and the
    fraction between them."""
    pos = level * (n - 1)
    lo = int(math.floor(pos))
    return lo, min(lo + 1, n - 1), pos - lo


def quantile(sorted_values: Sequence[float], level: float) -> float:
    if not sorted_values:
        return 0.0
    lo, hi, frac = _position(level, len(sorted_values))
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


@dataclass
class Estimate:
    people_ahead: int
    p50: float
    p80: float
    samples: list[float] | None  # the sorted waits of the runs (for calibration), None: formula


def estimate_queue(*, now: float, queue: Sequence[WaitingTicket], counters: Sequence[CounterState],
                   history: History, priors: Mapping[str, float], runs: int = RUNS,
                   seed: int = 0, fast_lane_rates: Mapping[str, float] | None = None) -> list[Estimate]:
    """P50/P80 (minutes) of every ticket of ``queue``; ``queue`` need not be sorted."""
    return estimate_office(now=now, queue=queue, counters=counters, history=history, priors=priors,
                           runs=runs, seed=seed, fast_lane_rates=fast_lane_rates)[0]


def estimate_office(*, now: float, queue: Sequence[WaitingTicket], counters: Sequence[CounterState],
                    history: History, priors: Mapping[str, float], runs: int = RUNS, seed: int = 0,
                    probes: Sequence[WaitingTicket] = (),
                    fast_lane_rates: Mapping[str, float] | None = None) -> tuple[list[Estimate], list[Estimate]]:
    """P50/P80 of every ticket of ``queue`` and of every ``probe`` (a ticket that would join at
    its key: the board's wait of a ticket issued now in its category), from the same runs: a
    probe is exactly what a ticket issued at its key will be shown. Neither need be sorted."""
    keys = [ticket.key for ticket in queue]
    order = sorted(range(len(queue)), key=keys.__getitem__)
    ordered = [queue[i] for i in order]
    probe_keys = [probe.key for probe in probes]
    probe_order = sorted(range(len(probes)), key=probe_keys.__getitem__)
    probe_runs: list = []
    runs_of = call_time_runs(now=now, queue=ordered, counters=counters, history=history, priors=priors,
                             runs=runs, seed=seed, probes=[probes[i] for i in probe_order],
                             probe_out=probe_runs, fast_lane_rates=fast_lane_rates)
    level50, level80 = history.levels()
    reach: dict[str, set[str]] = {}
    for c in counters:
        for category in c.categories:
            reach.setdefault(category, set()).update(c.categories)
    # People ahead of a ticket of each category: those of the categories its counters serve
    # (its own alone when none serves it), counted as the tickets are passed in the call order.
    ahead_of: dict[str, int] = defaultdict(int)
    reached_by = {category: tuple(categories) for category, categories in reach.items()}
    levels: dict[int, tuple] = {}  # the quantiles' positions for a number of runs (``quantile``)

    def estimate(ticket: WaitingTicket, samples: list[float] | None) -> Estimate:
        category = ticket.category
        ahead = ahead_of[category]
        if samples is None:  # no counter serves it: the people ahead at the prior, as a floor
            p50 = p80 = ahead * float(priors.get(category, 5.0))
        elif samples:
            n = len(samples)
            at = levels.get(n)
            if at is None:
                at = levels[n] = tuple(_position(level, n) for level in (level50, level80))
            (lo, hi, frac), (lo8, hi8, frac8) = at
            low = samples[lo]
            p50 = low + (samples[hi] - low) * frac
            low = samples[lo8]
            p80 = low + (samples[hi8] - low) * frac8
        else:
            p50 = p80 = 0.0
        floor = ahead * MIN_MINUTES_PER_PERSON
        if floor > p50:  # max(p50, floor, 0.0), the first of equals kept
            p50 = floor
        if 0.0 > p50:
            p50 = 0.0
        if p50 > p80:
            p80 = p50
        return Estimate(ahead, p50, p80, samples)

    result: list[Estimate | None] = [None] * len(queue)
    probed: list[Estimate | None] = [None] * len(probes)
    next_probe = 0
    for pos, ticket in enumerate(ordered):
        while next_probe < len(probe_order) and probe_keys[probe_order[next_probe]] < keys[order[pos]]:
            probed[probe_order[next_probe]] = estimate(probes[probe_order[next_probe]], probe_runs[next_probe])
            next_probe += 1
        result[order[pos]] = estimate(ticket, runs_of[pos])
        for category in reached_by.get(ticket.category, (ticket.category,)):
            ahead_of[category] += 1
    for n in range(next_probe, len(probe_order)):
        probed[probe_order[n]] = estimate(probes[probe_order[n]], probe_runs[n])
    return result, probed  # type: ignore[return-value]
