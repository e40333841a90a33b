"""`madoguchi estimate backtest` on a small fixture, and on a simulated day against the baselines."""

import csv
import dataclasses
import json

from madoguchi.cli import main
from madoguchi.forecasting.estimate_backtest import backtest, read_events
from madoguchi.forecasting.simulate import SCENARIOS, office_json, simulate, write_events

OFFICE = {"categories": [{"code": "moving", "fast_lane": False, "prior_service_minutes": 10},
                         {"code": "fast", "fast_lane": True, "prior_service_minutes": 5}],
          "counters": [{"id": "1", "categories": ["fast", "moving"]}]}
EVENTS = """at,ticket,kind,category,counter
2026-03-02T08:30:00+09:00,,counter_opened,,1
2026-03-02T08:31:00+09:00,A,issued,moving,
2026-03-02T08:31:30+09:00,A,called,moving,1
2026-03-02T08:32:00+09:00,B,issued,moving,
2026-03-02T08:33:00+09:00,C,issued,fast,
2026-03-02T08:41:30+09:00,A,finished,moving,1
2026-03-02T08:41:40+09:00,C,called,fast,1
2026-03-02T08:46:40+09:00,C,finished,fast,1
2026-03-02T08:47:00+09:00,B,called,moving,1
2026-03-02T08:50:00+09:00,D,issued,moving,
2026-03-02T08:51:00+09:00,D,cancelled,moving,
"""


def test_cli_on_a_small_fixture(tmp_path, capsys):
    (tmp_path / "OFFICE.json").write_text(json.dumps(OFFICE))
    (tmp_path / "EVENTS.csv").write_text(EVENTS)
    out = tmp_path / "PRED.csv"
    assert main(["estimate", "backtest", "--office", str(tmp_path / "OFFICE.json"),
                 "--events", str(tmp_path / "EVENTS.csv"), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["ticket", "issued_at", "p50_minutes", "p80_minutes"]
    assert [r["ticket"] for r in rows] == ["A", "B", "C", "D"]
    by = {r["ticket"]: r for r in rows}
    assert float(by["A"]["p80_minutes"]) == 0  # a free counter
    # B: the counter is busy with A (about 10 minutes from the prior), so B waits.
    assert 3 <= float(by["B"]["p50_minutes"]) <= float(by["B"]["p80_minutes"])
    # C is fast lane: ahead of B, nobody ahead of it but the service in progress.
    assert float(by["C"]["p50_minutes"]) < float(by["B"]["p50_minutes"]) + 2
    printed = capsys.readouterr().out
    assert "scored tickets: 3" in printed and "P80 coverage" in printed and "ZMS" in printed


def test_unknown_kinds_and_naive_times_are_refused(tmp_path):
    (tmp_path / "bad.csv").write_text("at,ticket,kind,category,counter\n2026-03-02T08:30:00,,counter_opened,,1\n")
    try:
        read_events(tmp_path / "bad.csv")
    except ValueError as exc:
        assert "offset" in str(exc)
    else:
        raise AssertionError("a time without an offset was accepted")


def test_on_a_simulated_march_day_the_estimate_beats_both_formulas(tmp_path):
    rows = simulate(dataclasses.replace(SCENARIOS["march-peak"], days=2), seed=3)
    write_events(rows, tmp_path / "EVENTS.csv")
    predictions, scores = backtest(office_json(), read_events(tmp_path / "EVENTS.csv"), runs=40, seed=3)
    assert scores.scored > 500
    assert scores.mae["estimate"] < 0.85 * min(scores.mae["today"], scores.mae["zms"])
    assert 0.7 <= scores.p80_coverage <= 0.9
    assert all(0 <= p.p50 <= p.p80 for p in predictions)


def test_the_replay_feeds_the_engine_today_s_pauses_holds_and_fast_lane():
    """The facts the screens' selectors give the engine (tests/forecasting/test_selectors.py):
    yesterday's lunch as today's rota until the counter takes it (here early), the fast-lane
    tickets of the last hour, and each call's end (a hold or not)."""
    import datetime as dt

    from madoguchi.forecasting.estimate_backtest import Office, Replay

    replay = Replay(Office.load(OFFICE), runs=10)
    rows = [("2026-03-02T08:30", "", "counter_opened", "", "1"), ("2026-03-02T12:00", "", "counter_paused", "", "1"),
            ("2026-03-02T13:00", "", "counter_opened", "", "1"),
            ("2026-03-03T08:30", "", "counter_opened", "", "1"), ("2026-03-03T09:00", "F", "issued", "fast", ""),
            ("2026-03-03T09:01", "F", "called", "fast", "1"), ("2026-03-03T09:03", "F", "held", "fast", "1")]
    for at, ticket, kind, category, counter in rows:
        replay.event(dt.datetime.fromisoformat(at + ":00+09:00"), ticket, kind, category, counter)
    state = replay.counters["1"]
    midnight = dt.datetime.fromisoformat("2026-03-03T00:00:00+09:00").timestamp() / 60
    assert state.planned_pauses == ((midnight + 720, midnight + 780),) and not state.paused_today
    assert replay._fast_lane_rates(midnight + 9 * 60 + 30) == {"fast": 1 / 60}
    assert replay._fast_lane_rates(midnight + 10 * 60 + 30) == {"fast": 0.0}
    assert list(replay.history.holds["fast"]) == [True]
    replay.event(dt.datetime.fromisoformat("2026-03-03T11:30:00+09:00"), "", "counter_paused", "", "1")
    assert state.planned_pauses == () and state.paused_today  # lunch taken early: not expected again
