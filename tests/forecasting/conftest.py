"""A demo 市民センター with five weeks of tickets and its stored 混雑予想 (refit on 2 March 2026)."""

import datetime as dt

import pytest
from django.core.management import call_command

from madoguchi.core.actors import actor_for_token
from madoguchi.core.timeutil import JST
from madoguchi.queueing import services
from madoguchi.queueing.demo import load_center_data
from madoguchi.queueing.models import Office, OfficeClosure

TODAY = dt.date(2026, 3, 2)  # a Monday; the demo's 休日開庁 Sunday is 29 March
INSPECTION = dt.date(2026, 3, 11)  # a Wednesday the centre closes (庁舎点検)


def center_history(today=TODAY, clock=None):
    """Five weeks of weekday mornings (10 o'clock) at the centre, then its refit at 2:15."""
    clock = clock if clock is not None else {}
    center = load_center_data(today=today)
    OfficeClosure.objects.get_or_create(office=center, date=INSPECTION, defaults={"note": "庁舎点検"})
    kiosk = actor_for_token("center-kiosk")
    day = today - dt.timedelta(days=35)
    while day < today:
        if day.weekday() < 5 and not (day.month == 2 and day.day in (11, 23)):  # 建国記念の日, 天皇誕生日
            for minute in range(0, 60, 15):
                for code in ("moving", "certificates"):
                    clock["now"] = dt.datetime(day.year, day.month, day.day, 10, minute, tzinfo=JST)
                    services.ticket_issue(actor=kiosk, office_code="center", category_code=code)
        day += dt.timedelta(days=1)
    clock["now"] = dt.datetime(today.year, today.month, today.day, 2, 15, tzinfo=JST)
    call_command("forecast_refit", "--office", "center", "--days", "35")
    return Office.objects.get(code="center")


@pytest.fixture
def center_forecast(office, monkeypatch):
    """The centre's forecast from 2 March 2026; the clock stays at 2:15 that morning."""
    clock = {"now": dt.datetime(2026, 1, 1, tzinfo=JST)}
    # Django's clock, not a module's name for it: a module first imported during the test
    # would keep a patched ``now`` for the rest of the run.
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock["now"])
    return center_history(clock=clock)
