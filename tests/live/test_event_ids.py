"""Event ids never go backwards, and a stream never goes silent.

A display's EventSource keeps the last id it saw and resumes from it; a stream
skips ids it has already sent. If ids went backwards (Redis without
persistence restarts its counter at 1) every later event would be skipped and
the display would freeze on the old board.
"""

from __future__ import annotations

import asyncio

import pytest

from madoguchi.live.broker import Event, LocalBroker, RedisBroker, get_broker, reset_broker
from madoguchi.live.sse import sse_response

OFFICE = "ids-test"


@pytest.mark.redis
def test_ids_keep_growing_across_a_redis_restart_and_two_processes(own_redis):
    # Two brokers on one Redis: two server processes.
    a, b = RedisBroker(own_redis.url, history=50), RedisBroker(own_redis.url, history=50)
    before = [a.publish(OFFICE, "board", "{}").id, b.publish(OFFICE, "call", "{}").id,
              a.publish(OFFICE, "board", "{}").id]
    assert before == sorted(set(before)), before

    own_redis.kill()
    own_redis.start()  # empty: no counter, no history

    after = [b.publish(OFFICE, "board", "{}").id, a.publish(OFFICE, "call", "{}").id]
    assert after[0] > before[-1], f"ids went back from {before[-1]} to {after[0]} after the restart"
    assert after[1] > after[0]


@pytest.fixture
def local_broker(settings):
    settings.REDIS_URL = ""
    settings.LIVE_HEARTBEAT_SECONDS = 1
    reset_broker()
    broker = get_broker()
    assert isinstance(broker, LocalBroker)
    yield broker
    reset_broker()


async def _read(response, into: list, loop):
    async for chunk in response.streaming_content:
        into.append((loop.time(), chunk.decode()))


def _stream(broker, feed, seconds: float):
    """Open a stream, run ``feed(first_event)`` beside it for ``seconds``; the chunks with their times."""

    async def scenario():
        loop = asyncio.get_running_loop()
        first = broker.publish(OFFICE, "board", '{"n": 0}')

        async def snapshot():
            return broker.publish(OFFICE, "board", '{"n": 0}')

        chunks: list[tuple[float, str]] = []
        reader = loop.create_task(_read(sse_response(OFFICE, None, snapshot), chunks, loop))
        while not any(f"id: {first.id}\n" in c for _, c in chunks):
            await asyncio.sleep(0.01)
        start = loop.time()
        feeder = loop.create_task(feed(first))
        await asyncio.sleep(seconds)
        feeder.cancel()
        reader.cancel()
        return start, chunks

    return asyncio.run(scenario())


def test_heartbeat_continues_while_only_events_already_sent_arrive(local_broker):
    """Events the stream skips must not hold its heartbeat back (a display stayed silent for 35 s)."""

    async def repeat_the_first(first: Event):
        while True:
            local_broker.hub.dispatch(first)  # e.g. a catch-up handing on what was sent already
            await asyncio.sleep(0.1)

    start, chunks = _stream(local_broker, repeat_the_first, seconds=3.5)
    after = [t for t, c in chunks if t >= start]
    assert sum("heartbeat" in c for t, c in chunks if t >= start) >= 2, chunks
    times = [start, *after]
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) <= 1.5


def test_a_sequence_that_restarted_lower_is_still_shown(local_broker):
    """Ids from a restarted counter (lower than the stream's last) reach the display."""

    async def restarted(first: Event):
        local_broker.hub.dispatch(Event(OFFICE, 1, "call", '{"number": 3001, "counter": "7番窓口"}'))
        local_broker.hub.dispatch(Event(OFFICE, 2, "board", '{"n": 1}'))

    _, chunks = _stream(local_broker, restarted, seconds=0.5)
    text = "".join(c for _, c in chunks)
    assert "id: 1\nevent: call\n" in text and "id: 2\nevent: board\ndata: {\"n\": 1}" in text


@pytest.mark.redis
def test_an_id_going_backwards_brings_a_fresh_board_to_the_streams(own_redis):
    """A publisher without the clock floor (an older version, a Redis restored from an old dump)."""
    import redis

    async def scenario():
        broker = RedisBroker(own_redis.url, history=50)

        async def snapshot():
            return broker.publish(OFFICE, "board", '{"fresh": true}')

        sub = await broker.subscribe(OFFICE, snapshot)
        first = broker.publish(OFFICE, "board", "{}")
        assert (await sub.get(timeout=5)).id == first.id
        old = Event(OFFICE, 7, "call", '{"number": 1001, "counter": "1番窓口"}')
        with redis.Redis.from_url(own_redis.url) as raw:
            raw.publish(f"madoguchi:live:chan:{OFFICE}", old.encode())
        got = [await sub.get(timeout=5), await sub.get(timeout=5)]
        broker._listener.cancel()
        return first, got

    first, (call, board) = asyncio.run(scenario())
    assert (call.id, call.kind) == (7, "call")  # handed on: the stream decides what to send
    assert board is not None and (board.kind, board.data) == ("board", '{"fresh": true}')
    assert board.id > first.id
