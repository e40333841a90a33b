"""Two server processes sharing one PostgreSQL database and one Redis.

A city runs more than one server process; a lobby display connected to one
must show a ticket issued through another, at once, and both must number
events the same way so a display can reconnect to either.
"""

from __future__ import annotations

import contextlib
import json

import httpx
import pytest
import redis

from ..live_server import SSEReader, demo_server, server_env, sse_stream
from ..services_available import require_redis

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

EVENTS = "/api/v1/offices/demo/board/events"
KIOSK = {"Authorization": "Bearer demo-kiosk"}
STAFF = {"Authorization": "Bearer demo-staff"}


@pytest.fixture
def shared_redis():
    """The test Redis (MADOGUCHI_TEST_REDIS_URL, one database per run), without live-event keys
    before or after the test."""
    url = require_redis()
    client = redis.Redis.from_url(url)

    def clear():
        keys = list(client.scan_iter(match="madoguchi:live:*"))
        if keys:
            client.delete(*keys)

    clear()
    try:
        yield url
    finally:
        clear()
        client.close()


def first_board(reader: SSEReader):
    reader.next_block()  # padding comment and retry
    event = reader.next_event(timeout=5)
    assert event.event == "board" and event.id is not None
    return event


def test_ticket_issued_on_one_server_shows_on_the_other(tmp_path, shared_postgres, shared_redis):
    env = server_env(MADOGUCHI_DATABASE_URL=shared_postgres, MADOGUCHI_REDIS_URL=shared_redis,
                     MADOGUCHI_LIVE_HEARTBEAT_SECONDS="2")
    with contextlib.ExitStack() as stack:
        # A migrates the new database and loads the demo office; B then finds both in place.
        a = stack.enter_context(demo_server(tmp_path / "a", env=env, name="a"))
        b = stack.enter_context(demo_server(tmp_path / "b", env=env, name="b"))
        ca = stack.enter_context(httpx.Client(base_url=a.url, timeout=10))
        cb = stack.enter_context(httpx.Client(base_url=b.url, timeout=10))

        board = cb.get("/api/v1/offices/demo/board").json()
        board_a = ca.get("/api/v1/offices/demo/board").json()
        assert (board["rows"], board["calling"]) == (board_a["rows"], board_a["calling"])
        _, on_b = stack.enter_context(sse_stream(cb, EVENTS))
        _, on_a = stack.enter_context(sse_stream(ca, EVENTS))
        first_b, first_a = first_board(on_b), first_board(on_a)
        # One id sequence in Redis: both servers start a display on the same event.
        assert (first_a.id, first_a.data) == (first_b.id, first_b.data)

        category = next((r["category"] for r in board["rows"] if r["waiting"] == 0), "moving")
        waiting = next(r["waiting"] for r in board["rows"] if r["category"] == category)
        response = ca.post("/api/v1/offices/demo/tickets", json={"category": category}, headers=KIOSK)
        assert response.status_code == 201, response.text
        number = response.json()["number"]

        def shows_ticket(block) -> bool:
            if block.event != "board":
                return False
            r = next(r for r in json.loads(block.data)["rows"] if r["category"] == category)
            return r["waiting"] == waiting + 1 and (waiting > 0 or r["next_number"] == number)

        seen_b = on_b.wait_for(shows_ticket, timeout=5)
        seen_a = on_a.wait_for(shows_ticket, timeout=5)
        assert (seen_a.id, seen_a.data) == (seen_b.id, seen_b.data)

        # The other way round: a clerk calls through B; A's display hears the call.
        counter = next(c for c in cb.get("/api/v1/offices/demo/counters").json()
                       if category in c["categories"])
        url = f"/api/v1/counters/{counter['id']}/call-next"
        called = cb.post(url, headers=STAFF)
        if called.status_code == 409 and called.json()["code"] == "counter_busy":
            # The demo's morning left someone called there: finish exactly that ticket first.
            called = cb.post(url, json={"finish_current": called.json()["detail"]["id"]},
                             headers=STAFF)
        assert called.status_code == 200, called.text
        ticket = called.json()["ticket"]
        call_a = on_a.next_event(timeout=5, kind="call")
        call_b = on_b.next_event(timeout=5, kind="call")
        assert json.loads(call_a.data) == {"number": ticket["number"], "counter": counter["name"],
                                           "recall": False}
        assert (call_a.id, call_a.data) == (call_b.id, call_b.data)
        assert call_a.id > seen_a.id

        # A display that reconnects to the other server resumes from its last id.
        last = call_b.id
        _, again = stack.enter_context(sse_stream(ca, EVENTS, last_event_id=last))
        again.next_block()
        board_after = again.next_event(timeout=5)
        assert board_after.id > last and board_after.event == "board"
        assert {"number": ticket["number"], "counter": counter["name"]} in \
            json.loads(board_after.data)["calling"]


@pytest.mark.django_db(transaction=True)
def test_a_stale_snapshot_is_never_published_after_a_fresher_one(
        office, kiosk, settings, shared_redis, monkeypatch):
    """Two processes' board publishers, modelled by two coalescers sharing Redis.

    Publisher A reads the board, then (slow machine) waits before publishing.
    Meanwhile a ticket is issued and publisher B publishes the fresh board. A's
    snapshot must not be published last: every display would show the queue
    without that ticket until something else happened.
    """
    import threading

    from django.db import connection

    from madoguchi.live.broker import Event, reset_broker
    from madoguchi.live.publisher import Coalescer
    from madoguchi.queueing import selectors, services
    from madoguchi.queueing.live import publish_board

    settings.REDIS_URL = shared_redis
    settings.LIVE_INLINE = True
    reset_broker()
    real_snapshot = selectors.board_snapshot
    a_has_read, b_published = threading.Event(), threading.Event()

    def slow_for_a(office_):
        board = real_snapshot(office_)
        if threading.current_thread().name == "process-a":
            a_has_read.set()
            b_published.wait(1.5)
        return board

    monkeypatch.setattr(selectors, "board_snapshot", slow_for_a)
    process_a = Coalescer(publish_board, name="madoguchi-board-publisher")
    process_b = Coalescer(publish_board, name="madoguchi-board-publisher")

    def run_a():
        try:
            process_a.mark(office.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=run_a, name="process-a")
    try:
        thread.start()
        assert a_has_read.wait(10)
        ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
        process_b.mark(office.pk)
        b_published.set()
        thread.join(10)
        assert not thread.is_alive()
        raw = redis.Redis.from_url(shared_redis).lrange("madoguchi:live:hist:demo", 0, -1)
        boards = [json.loads(e.data) for e in map(Event.decode, (r.decode() for r in raw))
                  if e.kind == "board"]
        moving = next(r for r in boards[-1]["rows"] if r["category"] == "moving")
        assert (moving["waiting"], moving["next_number"]) == (1, ticket.number), \
            "the last board published is older than the ticket"
    finally:
        b_published.set()
        reset_broker()
