"""The refit follows the office calendar: closed hours and days are stored as 閉庁 (level 0),
a 休日開庁 Sunday gets a forecast, a category's cut-off closes its later hours."""

import datetime as dt

import pytest
from django.test import Client

from madoguchi.core.timeutil import JST
from madoguchi.forecasting.models import HourForecast
from madoguchi.queueing.models import Office

from .conftest import INSPECTION, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def center(center_forecast):
    return center_forecast


def level(code, day, hour):
    row = HourForecast.objects.get(office_code="center", category_code=code,
                                   hour=dt.datetime(day.year, day.month, day.day, hour, tzinfo=JST))
    return row.level, row.predicted


def test_closed_hours_and_days_are_closed_and_the_holiday_opening_is_forecast(center):
    tuesday = dt.date(2026, 3, 3)
    assert level("", tuesday, 7) == (0, 0.0)  # before 8:45
    assert level("", tuesday, 8)[0] >= 1  # 8:45–9:00 receives
    assert level("", tuesday, 10)[0] >= 3 and level("", tuesday, 10)[1] > 4
    assert level("", tuesday, 17)[0] >= 1 and level("", tuesday, 18) == (0, 0.0)  # until 17:30
    assert level("moving", tuesday, 16)[0] >= 1 and level("moving", tuesday, 17) == (0, 0.0)  # 16:30 cut-off
    assert level("certificates", tuesday, 17)[0] >= 1  # until 17:15
    for closed in (INSPECTION, dt.date(2026, 3, 20), dt.date(2026, 3, 28)):  # 点検, 春分の日, Saturday
        assert {level("", closed, h)[0] for h in range(24)} == {0}
    sunday = dt.date(2026, 3, 29)  # 休日開庁 9:00–12:00
    assert [level("", sunday, h)[0] > 0 for h in (8, 9, 10, 11, 12)] == [False, True, True, True, False]
    assert level("", sunday, 10)[1] > 4  # forecast like a working day's 10 o'clock (8 an hour)
    assert level("", dt.date(2026, 4, 5), 10) == (0, 0.0)  # the next Sunday is closed again


def test_the_feed_names_closed_hours(center):
    body = Client().get("/api/v1/offices/center/forecast?category=moving").json()
    assert body["levels"]["0"] == "閉庁"
    night = next(h for h in body["hours"] if h["hour"] == "2026-03-03T20:00:00+09:00")
    assert night["level"] == 0 and night["level_text"] == "閉庁"
    english = Client().get("/api/v1/offices/center/forecast?category=moving", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["levels"]["0"] == "Closed" and english["levels"]["5"] == "Very busy"


def test_the_office_calendar_as_the_model_sees_it(center):
    """Only the days the model would get wrong by the week and the holidays alone are marked."""
    from madoguchi.forecasting.calendar_model import CLOSED, OPENED
    from madoguchi.forecasting.services import day_kinds
    from madoguchi.queueing.calendar import office_calendar

    kinds = day_kinds(office_calendar(center, since=TODAY), dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    assert kinds == {INSPECTION: CLOSED, dt.date(2026, 3, 29): OPENED}
    demo = Office.objects.get(code="demo")  # open around the clock: no office calendar to follow
    assert day_kinds(office_calendar(demo, since=TODAY), dt.date(2026, 3, 1), dt.date(2026, 4, 30)) == {}
