"""The office's live stream, as a lobby display or a phone sees it.

One real ``madoguchi demo`` server for the module (uvicorn, SQLite, demo
office), read over HTTP like a browser's EventSource would. The heartbeat is
set to 1 s so idle periods are short and a heartbeat doubles as "nothing more
is coming" when a test needs to know a replay is complete.

The last test is in-process: a transaction that rolls back must publish nothing.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from django.db import transaction

from madoguchi.live.broker import LocalBroker, get_broker, reset_broker
from madoguchi.queueing import services

from ..live_server import SSEBlock, SSEReader, demo_server, server_env, sse_stream

HEARTBEAT = 1  # seconds (MADOGUCHI_LIVE_HEARTBEAT_SECONDS for the server)
EVENTS = "/api/v1/offices/demo/board/events"
KIOSK = {"Authorization": "Bearer demo-kiosk"}
STAFF = {"Authorization": "Bearer demo-staff"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = server_env(MADOGUCHI_LIVE_HEARTBEAT_SECONDS=str(HEARTBEAT))
    with demo_server(tmp_path_factory.mktemp("sse-server"), env=env, name="sse") as srv:
        yield srv


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def board(client) -> dict:
    response = client.get("/api/v1/offices/demo/board")
    assert response.status_code == 200
    return response.json()


def same_state(a: dict, b: dict) -> bool:
    """Two boards show the same queue (``updated_at`` is only the time it was computed)."""
    return {k: v for k, v in a.items() if k != "updated_at"} == \
        {k: v for k, v in b.items() if k != "updated_at"}


def row(board_data: dict, category: str) -> dict:
    return next(r for r in board_data["rows"] if r["category"] == category)


def issue(client, category: str) -> dict:
    response = client.post("/api/v1/offices/demo/tickets", json={"category": category}, headers=KIOSK)
    assert response.status_code == 201, response.text
    return response.json()


def is_heartbeat(block: SSEBlock) -> bool:
    return not block.is_event and "heartbeat" in block.comments


def first_event(reader: SSEReader) -> SSEBlock:
    """The stream opens with a padding comment and a ``retry``, then the board."""
    opening = reader.next_block()
    assert not opening.is_event and opening.retry is not None
    event = reader.next_event(timeout=5)
    assert event.event == "board" and event.id is not None
    return event


def events_until_idle(reader: SSEReader, timeout: float = 10.0) -> list[SSEBlock]:
    """Every event until the next heartbeat (the server had nothing more to send)."""
    deadline = time.monotonic() + timeout
    events = []
    while time.monotonic() < deadline:
        block = reader.next_block()
        if is_heartbeat(block):
            return events
        if block.is_event:
            events.append(block)
    raise TimeoutError("the stream never went idle")


def assert_ids_increase(events: list[SSEBlock]) -> None:
    ids = [e.id for e in events]
    assert all(i is not None for i in ids), "an event without an id"
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False)), ids


@pytest.mark.sqlite_only  # a demo server of its own, on SQLite in either pass
def test_headers_and_first_event_is_the_board(client):
    with sse_stream(client, EVENTS) as (response, reader):
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0].strip() == "text/event-stream"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        event = first_event(reader)
        data = json.loads(event.data)
        expected = board(client)
        # The same JSON as GET /board: same keys, rows and types ...
        assert set(data) == set(expected) == {"office", "updated_at", "rows", "calling", "missed", "missed_until"}
        assert data["office"] == "demo"
        assert [r["category"] for r in data["rows"]] == [r["category"] for r in expected["rows"]]
        for got, want in zip(data["rows"], expected["rows"], strict=True):
            assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in want.items()}
        assert all(set(c) == {"number", "counter"} for c in data["calling"])
        # ... and, with nobody acting, the same queue.
        assert same_state(data, expected), (data, expected)


@pytest.mark.sqlite_only  # a demo server of its own, on SQLite in either pass
def test_issued_ticket_appears_on_the_stream_with_increasing_ids(client):
    with sse_stream(client, EVENTS) as (_, reader):
        seen = [first_event(reader)]
        before = json.loads(seen[0].data)
        category = next((r["category"] for r in before["rows"] if r["waiting"] == 0), "moving")
        ticket = issue(client, category)

        def shows_ticket(block: SSEBlock) -> bool:
            seen.append(block)
            if block.event != "board":
                return False
            r = row(json.loads(block.data), category)
            return r["waiting"] == row(before, category)["waiting"] + 1

        event = reader.wait_for(shows_ticket, timeout=5)
        r = row(json.loads(event.data), category)
        if row(before, category)["waiting"] == 0:
            assert r["next_number"] == ticket["number"]
        assert same_state(json.loads(event.data), board(client))
        assert_ids_increase([b for b in seen if b.is_event])


@pytest.mark.sqlite_only  # a demo server of its own, on SQLite in either pass
def test_call_event_carries_number_and_counter(client):
    counters = client.get("/api/v1/offices/demo/counters").json()
    counter = next(c for c in counters if "seal" in c["categories"])
    issue(client, "seal")
    with sse_stream(client, EVENTS) as (_, reader):
        first_event(reader)
        response = client.post(f"/api/v1/counters/{counter['id']}/call-next", headers=STAFF)
        assert response.status_code == 200, response.text
        called = response.json()["ticket"]
        call = reader.next_event(timeout=5, kind="call")
        assert call.id is not None
        assert json.loads(call.data) == {"number": called["number"], "counter": counter["name"],
                                         "recall": False}
        assert called["counter"] == counter["name"]
        shown = reader.wait_for(lambda b: b.event == "board" and {
            "number": called["number"], "counter": counter["name"]} in json.loads(b.data)["calling"],
            timeout=5)
        assert shown.id > call.id


@pytest.mark.sqlite_only  # a demo server of its own, on SQLite in either pass
def test_reconnect_with_last_event_id_replays_exactly_the_missed_events(client):
    """A display whose network drops gets exactly what the others saw meanwhile."""
    counters = client.get("/api/v1/offices/demo/counters").json()
    counter = next(c for c in counters if "certificates" in c["categories"])
    # The demo morning may leave a visitor at this counter: serve them first (counter_busy).
    client.post(f"/api/v1/counters/{counter['id']}/finish", headers=STAFF)
    with sse_stream(client, EVENTS) as (_, witness):
        first_event(witness)
        with sse_stream(client, EVENTS) as (_, display):
            last_seen = first_event(display).id
        # The display is disconnected: five tickets and a call happen.
        numbers = [issue(client, "certificates")["number"] for _ in range(5)]
        called = client.post(f"/api/v1/counters/{counter['id']}/call-next", headers=STAFF)
        assert called.status_code == 200
        final = board(client)
        # The witness stayed connected: it saw every event since the display's last.
        missed = []
        while not (missed and missed[-1].event == "board"
                   and same_state(json.loads(missed[-1].data), final)):
            missed.append(witness.next_event(timeout=5))
        missed += events_until_idle(witness)
        missed = [e for e in missed if e.id > last_seen]
        assert len([e for e in missed if e.event == "call"]) == 1
        assert len(missed) >= 2

        with sse_stream(client, EVENTS, last_event_id=last_seen) as (_, display):
            opening = display.next_block()
            assert opening.retry is not None
            replayed = events_until_idle(display)
    assert [(e.id, e.event, e.data) for e in replayed] == [(e.id, e.event, e.data) for e in missed]
    assert_ids_increase(replayed)
    assert all(e.id > last_seen for e in replayed)
    assert max(numbers) - min(numbers) == 4


@pytest.mark.sqlite_only  # a demo server of its own, on SQLite in either pass
def test_heartbeat_when_nothing_happens(client):
    with sse_stream(client, EVENTS) as (_, reader):
        first_event(reader)
        start = time.monotonic()
        for _ in range(2):
            block = reader.next_block()
            elapsed = time.monotonic() - start
            assert is_heartbeat(block), block
            assert elapsed <= HEARTBEAT + 1.0, f"heartbeat after {elapsed:.1f}s"
            start = time.monotonic()


@pytest.mark.sqlite_only  # a demo server of its own, on SQLite in either pass
def test_unknown_office_is_a_404_in_the_error_shape(client):
    response = client.get("/api/v1/offices/no-such-office/board/events")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == "office_not_found" and body["message"]


# ------------------------------------------------------------------ in-process


@pytest.fixture
def local_broker(settings):
    settings.REDIS_URL = ""
    reset_broker()
    broker = get_broker()
    assert isinstance(broker, LocalBroker)
    yield broker
    reset_broker()


def _history(broker) -> list:
    return asyncio.run(broker.history("demo"))


@pytest.mark.django_db(transaction=True)
def test_events_are_published_only_after_commit(office, kiosk, staff, local_broker):
    counter = office.counters.get(number=1)
    start = _history(local_broker)

    # Rolled back: nothing reaches the stream, not even for a moment.
    with pytest.raises(RuntimeError), transaction.atomic():
        services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
        services.ticket_call_next(actor=staff, counter_id=counter.pk)
        assert _history(local_broker) == start
        raise RuntimeError("the clerk's request failed")
    assert _history(local_broker) == start

    # A savepoint rolled back inside a committed transaction publishes only the committed part.
    with transaction.atomic():
        ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
        with pytest.raises(RuntimeError), transaction.atomic():
            services.ticket_call_next(actor=staff, counter_id=counter.pk)
            raise RuntimeError
        assert _history(local_broker) == start  # not before the commit
    events = _history(local_broker)[len(start):]
    assert [e.kind for e in events] == ["board"]
    moving = row(json.loads(events[0].data), "moving")
    assert (moving["waiting"], moving["next_number"]) == (1, ticket.number)
    assert json.loads(events[0].data)["calling"] == []

    # Committed call: the `call` notice and the board, in commit order.
    services.ticket_call_next(actor=staff, counter_id=counter.pk)
    events = _history(local_broker)[len(start) + 1:]
    assert [e.kind for e in events] == ["call", "board"]
    assert json.loads(events[0].data) == {"number": ticket.number, "counter": counter.label,
                                          "recall": False}
    assert json.loads(events[1].data)["calling"] == [{"number": ticket.number, "counter": counter.label}]


def test_reconnect_with_an_id_from_before_an_id_restart_still_gets_the_board(local_broker):
    from madoguchi.live.sse import initial_events

    published = local_broker.publish("demo", "board", '{"rows": []}')

    async def snapshot():
        return local_broker.publish("demo", "board", '{"rows": []}')

    # The display last saw an id from the previous sequence, larger than any current one.
    events = asyncio.run(initial_events("demo", published.id + 10**12, snapshot))
    assert [e.kind for e in events] == ["board"]


def test_a_slow_screen_loses_old_boards_but_never_a_call():
    import asyncio

    from madoguchi.live.broker import Event, Subscription

    async def scenario():
        sub = Subscription("demo", maxsize=4)
        events = [Event("demo", 1, "board", "{}"), Event("demo", 2, "call", '{"number": 1}'),
                  Event("demo", 3, "board", "{}"), Event("demo", 4, "board", "{}"),
                  Event("demo", 5, "call", '{"number": 2}'), Event("demo", 6, "board", "{}")]
        for event in events:
            sub.offer(event)
        return [(await sub.get(timeout=1)).id for _ in range(4)]

    # Boards 1 and 3 went (a newer board follows); both calls are still there.
    assert asyncio.run(scenario()) == [2, 4, 5, 6]
