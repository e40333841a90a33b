"""The nightly refit stores eight weeks of hourly forecasts from the event log; anyone reads the
JSON feed."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client

from madoguchi.core.timeutil import JST
from madoguchi.forecasting.models import HourForecast
from madoguchi.queueing import services

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 18)  # a Wednesday


def test_refit_from_issued_tickets_and_the_feed(office, kiosk, monkeypatch):
    clock = {"now": None}
    monkeypatch.setattr("madoguchi.queueing.services.now", lambda: clock["now"])
    monkeypatch.setattr("madoguchi.core.timeutil.now", lambda: clock["now"])
    # Four weeks of mornings: certificates at 10 every working day, more on Mondays; none at 15.
    day = TODAY - dt.timedelta(days=28)
    while day < TODAY:
        if day.weekday() < 5:
            for minute in range(0, 60, 20 if day.weekday() else 10):
                clock["now"] = dt.datetime(day.year, day.month, day.day, 10, minute, tzinfo=JST)
                services.ticket_issue(actor=kiosk, office_code="demo", category_code="certificates")
        day += dt.timedelta(days=1)
    clock["now"] = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 2, 15, tzinfo=JST)

    call_command("forecast_refit", "--office", "demo", "--days", "14")
    call_command("forecast_refit", "--days", "14")  # idempotent: replaces, does not add
    rows = HourForecast.objects.filter(office_code="demo", category_code="certificates")
    assert rows.count() == 14 * 24

    def at(day, hour):
        return rows.get(hour=dt.datetime(day.year, day.month, day.day, hour, tzinfo=JST))

    monday = dt.date(2025, 6, 23)
    assert at(monday, 10).predicted > at(dt.date(2025, 6, 24), 10).predicted > 2.0
    assert at(monday, 15).predicted < 0.5 and at(monday, 15).level == 1
    assert at(monday, 10).level == 5
    assert at(dt.date(2025, 6, 22), 10).predicted < 0.5  # Sunday
    assert HourForecast.objects.filter(office_code="demo", category_code="").count() == 14 * 24

    answer = Client().get("/api/v1/offices/demo/forecast?category=certificates")
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == "*"
    body = answer.json()
    assert body["office"] == "demo" and body["computed_at"].startswith("2025-06-18T02:15:00+09:00")
    assert len(body["hours"]) == 14 * 24
    first_monday_ten = next(h for h in body["hours"] if h["hour"] == "2025-06-23T10:00:00+09:00")
    assert first_monday_ten["level"] == 5 and first_monday_ten["level_text"] == "大変混雑"
    assert body["levels"]["1"] == "空いている"


def test_the_feed_of_an_office_without_a_forecast_is_empty(db):
    body = Client().get("/api/v1/offices/nowhere/forecast").json()
    assert body["hours"] == [] and body["computed_at"] is None
