"""`madoguchi manage events_export`: the event log in the backtest's contract, and the backtest on it."""

import csv
import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from madoguchi.forecasting.estimate_backtest import backtest, read_events
from madoguchi.queueing import services
from madoguchi.queueing.models import Counter


@pytest.mark.django_db
def test_export_and_backtest(office, staff, tmp_path):
    counter = Counter.objects.get(office=office, number=6)  # certificates only
    other = Counter.objects.get(office=office, number=7)
    services.counter_set_open(actor=staff, counter_id=other.pk, is_open=False)
    first = services.ticket_issue(actor=staff, office_code=office.code, category_code="certificates")
    second = services.ticket_issue(actor=staff, office_code=office.code, category_code="certificates")
    services.ticket_call_next(actor=staff, counter_id=counter.pk)
    services.ticket_call_next(actor=staff, counter_id=counter.pk, finish_current=first.public_id)
    services.ticket_no_show(actor=staff, counter_id=counter.pk)

    out, office_out = tmp_path / "EVENTS.csv", tmp_path / "OFFICE.json"
    call_command("events_export", "--office", office.code, "--out", str(out), "--office-json", str(office_out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["at", "ticket", "kind", "category", "counter"]
    assert [(r["ticket"], r["kind"], r["counter"]) for r in rows] == [
        ("", "counter_paused", "7"),
        (str(first.pk), "issued", ""), (str(second.pk), "issued", ""),
        (str(first.pk), "called", "6"), (str(first.pk), "finished", "6"),
        (str(second.pk), "called", "6"), (str(second.pk), "no_show", "6"),
    ]
    assert all(dt.datetime.fromisoformat(r["at"]).utcoffset() is not None for r in rows)
    assert first.public_id not in out.read_text()  # no citizen's link token in the export
    office_data = json.loads(office_out.read_text(encoding="utf-8"))
    assert {"id": "7", "categories": ["certificates", "seal"]} in office_data["counters"]
    assert {"code": "fastlane", "fast_lane": True, "prior_service_minutes": 6.0} in office_data["categories"]

    predictions, scores = backtest(office_data, read_events(out))
    assert [p.ticket for p in predictions] == [str(first.pk), str(second.pk)]
    assert scores.scored == 2


@pytest.mark.django_db
def test_unknown_office():
    with pytest.raises(CommandError):
        call_command("events_export", "--office", "nowhere")
