"""The 混雑予想 on the public side: the internal side computes it and pushes it with the slow
part of its signed push; the public feed and calendar page answer from that copy."""

import datetime as dt
import time

import pytest
from django.test import Client

from madoguchi.core.timeutil import JST
from madoguchi.forecasting.models import HourForecast
from madoguchi.queueing.models import Office

from ..forecasting.conftest import center_history
from .test_receiver import SECRET, payload_for, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def center(office, monkeypatch, settings):
    settings.ZONE_SECRET = SECRET
    clock = {"now": dt.datetime(2026, 1, 1, tzinfo=JST)}
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock["now"])
    return center_history(clock=clock)


def day_of(html):
    return html[html.index('<section id="fc-day"'):html.index("</section>")]


def test_the_public_side_serves_the_pushed_forecast(center, settings):
    internal_feed = Client().get("/api/v1/offices/center/forecast").json()
    internal_day = day_of(Client().get("/o/center/forecast/?day=2026-03-29").content.decode())
    assert len(internal_feed["hours"]) == 35 * 24 * 3  # the office and its two categories
    payload = payload_for(Office.objects.get(code="center"))
    assert set(payload["forecast"]["series"]) == {"", "moving", "certificates"}
    assert set(payload["forecast"]["series"]["moving"]) == {"start", "predicted", "levels"}  # counts only
    HourForecast.objects.all().delete()  # the public side's database has none of its own
    settings.ROLE = "public"
    assert Client().get("/api/v1/offices/center/forecast").json()["hours"] == []

    assert post(payload, sequence=int(time.time() * 1000)).status_code == 200
    assert Client().get("/api/v1/offices/center/forecast").json() == internal_feed
    public_day = day_of(Client().get("/o/center/forecast/?day=2026-03-29").content.decode())
    assert public_day == internal_day and "休日開庁" in public_day and "10:00～11:00" in public_day
    english = Client().get("/o/center/forecast/?lang=en&day=2026-03-20").content.decode()
    assert "The office is closed on this day." in english  # the pushed office calendar


def test_the_hours_go_once_per_refit(center, settings, monkeypatch):
    from madoguchi.zones.sync import ZoneSender

    monkeypatch.setattr("madoguchi.zones.sync.close_old_connections", lambda: None)  # the test's transaction
    sent = []
    sender = ZoneSender("http://public.invalid", SECRET, heartbeat=60)
    sender.post = sent.append
    sender.STATS_EVERY = 0  # every push carries the slow part
    pk = Office.objects.get(code="center").pk
    sender.push_office(pk)
    sender.push_office(pk)
    assert "series" in sent[0]["forecast"] and "series" not in sent[1]["forecast"]
    assert sent[1]["forecast"]["version"] == sent[0]["forecast"]["version"]
    HourForecast.objects.filter(office_code="center").update(computed_at=dt.datetime(2026, 3, 3, 2, 15, tzinfo=JST))
    sender.push_office(pk)  # the next night's refit: its hours go again
    assert "series" in sent[2]["forecast"]

    # A push with the version alone leaves the public side's copy as it is.
    rows = HourForecast.objects.count()
    assert post(sent[1], sequence=int(time.time() * 1000)).status_code == 200
    assert HourForecast.objects.count() == rows
