"""The PostgreSQL pass runs on the Redis broker, as a city with several server processes does.

tests/run.py sets ``MADOGUCHI_REDIS_URL`` to the test Redis for that pass, so
every in-process test there publishes through Redis. This test says so, and
fails in CI if the pass ever falls back to the in-process broker.
"""

import asyncio
import json

import pytest
from django.conf import settings

from madoguchi.live.broker import RedisBroker, get_broker, reset_broker
from madoguchi.queueing import services
from madoguchi.queueing.selectors import board_snapshot

from ..services_available import missing

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def seal_row(board: dict) -> dict:
    return next(r for r in board["rows"] if r["category"] == "seal")


@pytest.mark.django_db(transaction=True)
def test_a_committed_ticket_reaches_the_live_history_in_redis(office, kiosk):
    if not settings.REDIS_URL:
        missing("the PostgreSQL pass uses the Redis broker: MADOGUCHI_REDIS_URL is not set "
                "(tests/run.py sets it from MADOGUCHI_TEST_REDIS_URL)")
    reset_broker()
    try:
        broker = get_broker()
        assert isinstance(broker, RedisBroker)
        before = asyncio.run(broker.history("demo"))
        last = before[-1].id if before else 0
        waiting = seal_row(board_snapshot(office))["waiting"]
        services.ticket_issue(actor=kiosk, office_code="demo", category_code="seal")
        boards = [json.loads(e.data) for e in asyncio.run(broker.history("demo"))
                  if e.id > last and e.kind == "board"]
        assert boards, "no board was published through Redis after the commit"
        assert seal_row(boards[-1])["waiting"] == waiting + 1
    finally:
        reset_broker()
