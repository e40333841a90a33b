"""The city-hall day simulator: seeded, the EVENTS.csv contract, and the project's call rule."""

import dataclasses
import datetime as dt
from collections import Counter

from madoguchi.forecasting.simulate import SCENARIOS, office_json, simulate
from madoguchi.queueing import rules


def one_day(name="ordinary", seed=5):
    return simulate(dataclasses.replace(SCENARIOS[name], days=1), seed=seed)


def test_seeded_and_in_the_contract():
    rows = one_day()
    assert rows == one_day() and rows != one_day(seed=6)
    assert all(list(r) == ["at", "ticket", "kind", "category", "counter"] for r in rows)
    times = [dt.datetime.fromisoformat(r["at"]) for r in rows]
    assert all(t.utcoffset() == dt.timedelta(hours=9) for t in times) and times == sorted(times)
    kinds = Counter(r["kind"] for r in rows)
    for kind in ("issued", "called", "recalled", "no_show", "held", "resumed", "finished",
                 "counter_opened", "counter_paused"):
        assert kinds[kind], kind
    assert all(r["counter"] == "" for r in rows if r["kind"] in ("issued", "resumed", "cancelled"))


def test_march_is_busier():
    assert (Counter(r["kind"] for r in one_day("march-peak"))["issued"]
            > 1.3 * Counter(r["kind"] for r in one_day("ordinary"))["issued"])


def test_counters_call_by_the_call_rule_and_lunch_pauses_them():
    office = office_json()
    serves = {c["id"]: set(c["categories"]) for c in office["counters"]}
    fast = {c["code"]: c["fast_lane"] for c in office["categories"]}
    waiting, issued, category, paused, serving = {}, {}, {}, set(), set()
    checked = 0
    for r in one_day("march-peak", seed=2):
        at, t, kind = dt.datetime.fromisoformat(r["at"]), r["ticket"], r["kind"]
        if kind == "issued":
            issued[t] = (at, len(issued))
        if kind in ("issued", "resumed", "transferred"):  # back in the queue, in its place
            category[t] = r["category"] or category[t]
            waiting[t] = rules.call_key(is_fast_lane=fast[category[t]], issued_at=issued[t][0],
                                        id=issued[t][1])
        if kind in ("finished", "no_show", "held", "transferred"):
            serving.discard(r["counter"])
        if kind == "called":
            assert r["counter"] not in paused
            serving.add(r["counter"])
            if t in waiting:
                first = min((k, x) for x, k in waiting.items() if category[x] in serves[r["counter"]])[1]
                assert first == t
                checked += 1
                del waiting[t]
        elif kind == "cancelled":
            waiting.pop(t, None)
        elif kind == "counter_paused":
            assert r["counter"] not in serving  # the clerk finishes the citizen before lunch
            paused.add(r["counter"])
        elif kind == "counter_opened":
            paused.discard(r["counter"])
    assert checked > 100
