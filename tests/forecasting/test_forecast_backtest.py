"""`madoguchi forecast backtest` on a small fixture: the exact CSV contract and the MASE printout."""

import csv
import datetime as dt

from madoguchi.cli import main

from .test_calendar_model import simulated_office


def write_counts(path, *, until: dt.date):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["series", "hour", "count"])
        for series, seed in (("本庁舎/住民異動", 1), ("支所/税証明", 2)):
            hours, counts = simulated_office(days=120, start=dt.date(2024, 11, 1), seed=seed)
            for when, count in zip(hours, counts, strict=True):
                if when.date() <= until:
                    writer.writerow([series, when.isoformat(), "" if when.hour == 3 else int(count)])


def test_backtest_writes_every_forecast_hour_and_beats_the_seasonal_naive(tmp_path, capsys):
    counts, pred = tmp_path / "COUNTS.csv", tmp_path / "PRED.csv"
    write_counts(counts, until=dt.date(2025, 2, 14))
    code = main(["forecast", "backtest", "--counts", str(counts), "--train-until", "2025-01-31",
                 "--days", "14", "--out", str(pred)])
    assert code == 0
    rows = list(csv.DictReader(pred.open(encoding="utf-8")))
    assert list(rows[0]) == ["series", "hour", "predicted", "level"]
    assert len(rows) == 2 * 14 * 24
    first = rows[0]
    assert first["series"] == "支所/税証明" and first["hour"] == "2025-02-01T00:00:00+09:00"
    assert rows[-1]["hour"] == "2025-02-14T23:00:00+09:00"
    assert {int(r["level"]) for r in rows} <= {1, 2, 3, 4, 5}
    holiday = [r for r in rows if r["hour"] == "2025-02-11T10:00:00+09:00"]  # 建国記念の日
    assert all(float(r["predicted"]) < 0.5 and r["level"] == "1" for r in holiday)
    busy = [r for r in rows if r["hour"] == "2025-02-10T10:00:00+09:00"]  # a Monday morning
    assert all(int(r["level"]) >= 4 for r in busy)

    out = capsys.readouterr().out
    assert "MASE model" in out and "支所/税証明" in out
    # The seasonal-naive forecast opens the office on the holiday; the model does not.
    for line in out.splitlines():
        if line.startswith(("本庁舎", "支所")):
            _, hours, model, naive, _ = line.split()
            assert int(hours) == 14 * 24 - 14  # the 3 a.m. gaps are not scored
            assert float(model) < 0.8 * float(naive)


def test_backtest_without_actuals_only_forecasts(tmp_path, capsys):
    counts, pred = tmp_path / "COUNTS.csv", tmp_path / "PRED.csv"
    write_counts(counts, until=dt.date(2025, 1, 31))
    assert main(["forecast", "backtest", "--counts", str(counts), "--train-until", "2025-01-31",
                 "--days", "2", "--thresholds", "1,2,3,4", "--out", str(pred)]) == 0
    rows = list(csv.DictReader(pred.open(encoding="utf-8")))
    assert len(rows) == 2 * 2 * 24
    assert "評価なし" in capsys.readouterr().out


def test_a_bad_file_is_refused_with_a_message(tmp_path, capsys):
    counts = tmp_path / "COUNTS.csv"
    counts.write_text("series,hour,count\nA,2025-01-01T09:00:00,3\n", encoding="utf-8")
    code = main(["forecast", "backtest", "--counts", str(counts), "--train-until", "2025-01-31",
                 "--days", "2", "--out", str(tmp_path / "PRED.csv")])
    assert code == 2
    assert "offset" in capsys.readouterr().err


def test_event_days_from_events_csv_raise_the_held_out_event(tmp_path, capsys):
    """A garden whose monthly festival triples its visitors: with --events the held-out festival
    is forecast busy and the MASE drops; a bad EVENTS.csv is refused with its line."""
    counts, events = tmp_path / "COUNTS.csv", tmp_path / "EVENTS.csv"
    festivals = [dt.date(2025, 1, 4) + dt.timedelta(days=28 * k) for k in range(6)]  # Saturdays
    with counts.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["series", "hour", "count"])
        for offset in range(160):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=offset)
            per_hour = 30 if day in festivals else 10
            for hour in range(9, 17):
                when = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone(dt.timedelta(hours=9)))
                writer.writerow(["garden", when.isoformat(), per_hour])
    events.write_bytes(("date,name\n" + "".join(f"{d},祭り\n" for d in festivals)).encode("cp932"))
    held_out = festivals[-1]  # 2025-05-24
    outputs = {}
    for label, extra in (("plain", []), ("events", ["--events", str(events)])):
        pred = tmp_path / f"PRED-{label}.csv"
        assert main(["forecast", "backtest", "--counts", str(counts), "--train-until", str(held_out - dt.timedelta(days=3)),
                     "--days", "7", "--out", str(pred), *extra]) == 0
        rows = {r["hour"]: float(r["predicted"]) for r in csv.DictReader(pred.open(encoding="utf-8"))}
        score = next(line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("garden"))
        outputs[label] = (rows[f"{held_out}T12:00:00+09:00"], float(score[2]))
    assert outputs["events"][0] > 2 * outputs["plain"][0]
    assert outputs["events"][1] < 0.5 * outputs["plain"][1]
    events.write_text("date,name\n2025-13-01,x\n", encoding="utf-8")
    assert main(["forecast", "backtest", "--counts", str(counts), "--train-until", "2025-05-20",
                 "--days", "1", "--out", str(tmp_path / "p.csv"), "--events", str(events)]) == 2
    assert "2行目: 日付「2025-13-01」を読み取れません" in capsys.readouterr().err
