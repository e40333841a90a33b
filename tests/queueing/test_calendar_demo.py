"""The demo's 市民センター (office ``center``): real hours beside the always-open ``demo`` office."""

import datetime as dt

import pytest

from madoguchi.core.actors import actor_for_token
from madoguchi.core.timeutil import JST
from madoguchi.queueing import calendar, services
from madoguchi.queueing.demo import load_center_data, load_demo_data, march_moving_sunday
from madoguchi.queueing.models import Category, Office, SpecialOpening

from .factories import clock_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_march_moving_sunday_is_the_last_sunday_of_the_coming_march():
    assert march_moving_sunday(dt.date(2026, 11, 28)) == dt.date(2027, 3, 28)
    assert march_moving_sunday(dt.date(2027, 2, 1)) == dt.date(2027, 3, 28)
    assert march_moving_sunday(dt.date(2026, 3, 1)) == dt.date(2026, 3, 29)


def test_the_center_has_real_hours_and_the_demo_office_stays_open(clock):
    load_demo_data()
    load_center_data(dt.date(2026, 11, 28))
    load_center_data(dt.date(2026, 11, 28))  # idempotent
    center, demo = Office.objects.get(code="center"), Office.objects.get(code="demo")
    week = calendar.calendar_days(center, dt.date(2026, 11, 20), 5)
    assert [(d["open"], d["hours"], d["note"]) for d in week] == [
        (True, [["08:45", "17:30"]], None), (False, [], None), (False, [], None),
        (False, [], "祝日（勤労感謝の日）"), (True, [["08:45", "17:30"]], None)]
    assert {d["note"] for d in calendar.calendar_days(center, dt.date(2026, 12, 29), 6)} == {"年末年始"}
    assert SpecialOpening.objects.filter(office=center).count() == 1
    assert calendar.calendar_days(center, dt.date(2027, 3, 28), 1)[0]["note"] == "休日開庁"
    cutoffs = dict(Category.objects.filter(office=center).values_list("code", "reception_until"))
    assert cutoffs == {"moving": dt.time(16, 30), "certificates": dt.time(17, 15), "mynumber": None}
    # The demo office issues at 3 a.m. on New Year's Day; the center refuses, saying when it opens.
    new_year = dt.datetime(2027, 1, 1, 3, 0, tzinfo=JST)
    assert calendar.is_open(demo, new_year) and not calendar.is_open(center, new_year)
    clock.set(new_year)
    services.ticket_issue(actor=actor_for_token("demo-kiosk"), office_code="demo", category_code="moving")
    from madoguchi.core.errors import Conflict

    with pytest.raises(Conflict, match="次の受付は1月4日（月）8:45からです"):
        services.ticket_issue(actor=actor_for_token("center-kiosk"), office_code="center",
                              category_code="certificates")
