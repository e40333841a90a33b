"""A process's Redis subscription drops: what was published meanwhile still reaches its screens."""

import asyncio

import pytest
import redis

from madoguchi.live.broker import RedisBroker

pytestmark = pytest.mark.redis
OFFICE = "reconnect-test"


def test_events_published_while_the_listener_was_cut_off_are_delivered_after_it_reconnects(own_redis):
    # A redis-server of its own: cutting every pub/sub connection of a shared
    # one would also cut other test runs' servers.
    url = own_redis.url
    admin = redis.Redis.from_url(url)

    async def scenario():
        broker = RedisBroker(url, history=50)
        sub = await broker.subscribe(OFFICE)
        first = broker.publish(OFFICE, "board", '{"n": 1}')
        assert (await sub.get(timeout=5)).id == first.id

        # Cut every pub/sub connection on the server, then publish before the
        # listener's retry (0.2 s) has subscribed again.
        admin.client_kill_filter(_type="pubsub")
        missed = broker.publish(OFFICE, "call", '{"number": 1502, "counter": "4番窓口"}')
        got = await sub.get(timeout=10)
        assert got is not None, "the event published during the outage never arrived"
        assert (got.id, got.kind) == (missed.id, "call")
        broker._listener.cancel()

    try:
        asyncio.run(scenario())
    finally:
        admin.close()
