"""An operator's calendar edit reaches the live screens at once, not at the next ticket."""

import asyncio
import datetime as dt
import json

import pytest

from madoguchi.core.timeutil import JST
from madoguchi.live.broker import LocalBroker, get_broker, reset_broker
from madoguchi.queueing.demo import load_center_data, load_demo_data
from madoguchi.queueing.models import Category, Office, OfficeClosure

from .factories import clock_fixture  # noqa: F401

WEDNESDAY_MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=JST)


@pytest.fixture
def local_broker(settings):
    settings.REDIS_URL = ""
    reset_broker()
    broker = get_broker()
    assert isinstance(broker, LocalBroker)
    yield broker
    reset_broker()


def boards(broker) -> list[dict]:
    events = asyncio.run(broker.history("center"))
    return [json.loads(e.data) for e in events if e.kind == "board"]


def row(board: dict, code: str) -> dict:
    return next(r for r in board["rows"] if r["category"] == code)


@pytest.mark.django_db(transaction=True)
def test_closing_today_and_moving_a_cut_off_each_publish_a_fresh_board(clock, local_broker):
    clock.set(WEDNESDAY_MORNING)
    load_demo_data()
    load_center_data(dt.date(2026, 11, 1))
    office = Office.objects.get(code="center")
    before = len(boards(local_broker))

    moving = Category.objects.get(office=office, code="moving")
    moving.reception_until = dt.time(9, 30)  # 転入 stops early today
    moving.save()
    published = boards(local_broker)[before:]
    assert published, "a cut-off edit published no board"
    assert row(published[-1], "moving")["accepting"] is False
    assert row(published[-1], "certificates")["accepting"] is True

    OfficeClosure.objects.create(office=office, date=WEDNESDAY_MORNING.date(), note="臨時閉庁")
    latest = boards(local_broker)[-1]
    assert all(r["accepting"] is False for r in latest["rows"])
    assert row(latest, "certificates")["closed_reason"]
