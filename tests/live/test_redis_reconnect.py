"""A process's Redis subscription drops: what was published meanwhile still reaches its screens."""

import asyncio
from urllib.parse import urlparse

import pytest

from madoguchi.live.broker import RedisBroker

from ..services_available import require_redis

pytestmark = pytest.mark.redis
REDIS_DB = 13  # apart from the other tests' databases (14, 15)
OFFICE = "reconnect-test"


def test_events_published_while_the_listener_was_cut_off_are_delivered_after_it_reconnects():
    import redis

    url = urlparse(require_redis())._replace(path=f"/{REDIS_DB}").geturl()
    admin = redis.Redis.from_url(url)
    for key in admin.scan_iter("madoguchi:live:*"):
        admin.delete(key)

    async def scenario():
        broker = RedisBroker(url, history=50)
        sub = await broker.subscribe(OFFICE)
        first = broker.publish(OFFICE, "board", '{"n": 1}')
        assert (await sub.get(timeout=5)).id == first.id

        # Cut every pub/sub connection on the server, then publish before the
        # listener's retry (0.5 s) has subscribed again.
        admin.client_kill_filter(_type="pubsub")
        missed = broker.publish(OFFICE, "call", '{"number": 1502, "counter": "4番窓口"}')
        got = await sub.get(timeout=10)
        assert got is not None, "the event published during the outage never arrived"
        assert (got.id, got.kind) == (missed.id, "call")
        broker._listener.cancel()

    try:
        asyncio.run(scenario())
    finally:
        for key in admin.scan_iter("madoguchi:live:*"):
            admin.delete(key)
