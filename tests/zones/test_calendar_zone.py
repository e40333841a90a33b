"""The office calendar on the public side: it answers GET …/calendar from the pushed copy,
and the board it serves says 受付終了 like the internal side's."""

import datetime as dt
import time

import pytest
from django.test import Client

from madoguchi.core.timeutil import JST
from madoguchi.queueing.demo import load_center_data
from madoguchi.queueing.models import Office

from ..queueing.factories import clock_fixture  # noqa: F401
from .test_receiver import SECRET, payload_for, post


@pytest.fixture
def public_side(settings):
    settings.ZONE_SECRET = SECRET
    return settings


@pytest.fixture
def center(office, clock):
    clock.set(dt.datetime(2026, 11, 20, 16, 45, tzinfo=JST))  # Friday, after 転入's cut-off
    return load_center_data(dt.date(2026, 11, 1))


def test_the_public_side_answers_the_calendar_and_marks_closed_rows(public_side, center):
    internal = Client().get("/api/v1/offices/center/calendar?from=2026-11-20&days=92").json()
    assert post(payload_for(Office.objects.get(code="center")), sequence=int(time.time() * 1000)).status_code == 200

    public_side.ROLE = "public"
    client = Client()
    answer = client.get("/api/v1/offices/center/calendar?from=2026-11-20&days=92")
    assert answer.status_code == 200 and answer.json() == internal
    assert answer.json()[3] == {"date": "2026-11-23", "open": False, "hours": [], "note": "祝日（勤労感謝の日）"}
    week = client.get("/api/v1/offices/center/calendar?from=2026-11-23&days=2").json()
    assert [d["date"] for d in week] == ["2026-11-23", "2026-11-24"]
    assert client.get("/api/v1/offices/nowhere/calendar").status_code == 404
    rows = {r["category"]: r for r in client.get("/api/v1/offices/center/board").json()["rows"]}
    assert (rows["moving"]["accepting"], rows["moving"]["closed_reason"]) == (False, "reception_closed")
    assert rows["certificates"]["accepting"] is True
    page = client.get("/o/center/board/?lang=ja").content.decode()
    assert "<strong>本日の受付時間</strong> 8:45～17:30" in page
    assert 'data-reception-closed>' in page.split('data-category="moving"')[1].split("</tr>")[0]


def test_a_push_without_the_calendar_keeps_the_last_one(public_side, center):
    from madoguchi.queueing.selectors import board_snapshot
    from madoguchi.zones.models import PublicOffice
    from madoguchi.zones.sync import office_payload

    office = Office.objects.get(code="center")
    assert post(payload_for(office), sequence=int(time.time() * 1000)).status_code == 200
    quick = office_payload(office, board_snapshot(office), with_stats=False)
    assert "calendar" not in quick
    assert post(quick, sequence=int(time.time() * 1000) + 1).status_code == 200
    days = PublicOffice.objects.get(code="center").calendar
    assert len(days) == 184 and days[0]["date"] == "2026-11-20"
