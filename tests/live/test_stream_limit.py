"""Open live streams per address, on a real server: a viewer who disconnects frees a place.

In-process tests (tests/core/test_throttle.py) count 300 streams; this one checks what only a
real ASGI server shows: closing the connection ends the stream and releases its place.
"""

from __future__ import annotations

import contextlib
import time

import httpx
import pytest

from ..live_server import demo_server, server_env, sse_stream

# Its servers run on their own SQLite files in either pass (live_server.server_env drops
# MADOGUCHI_DATABASE_URL): the PostgreSQL pass would only run them again.
pytestmark = pytest.mark.sqlite_only

EVENTS = "/api/v1/offices/demo/board/events"
LIMIT = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = server_env(MADOGUCHI_THROTTLE="1", MADOGUCHI_SSE_MAX_STREAMS_PER_ADDRESS=str(LIMIT),
                     MADOGUCHI_LIVE_HEARTBEAT_SECONDS="1")
    with demo_server(tmp_path_factory.mktemp("stream-limit"), env=env, name="streams") as srv:
        yield srv


def test_streams_past_the_limit_are_refused_and_a_closed_one_frees_its_place(server):
    with httpx.Client(base_url=server.url, timeout=10) as client, contextlib.ExitStack() as stack:
        streams = []
        for _ in range(LIMIT):
            response, reader = stack.enter_context(sse_stream(client, EVENTS))
            assert response.status_code == 200
            assert reader.next_block() is not None  # the stream is really running
            streams.append((response, reader))  # (a dropped reader closes its connection)
        with client.stream("GET", EVENTS) as refused:  # (never hangs on an accepted stream)
            assert refused.status_code == 429
            refused.read()
        assert refused.json()["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1

        streams[0][0].close()  # the viewer leaves
        # The server learns of it at its next write (a heartbeat, every second).
        deadline = time.monotonic() + 10
        while True:
            with sse_stream(client, EVENTS) as (response, _reader):
                if response.status_code == 200:
                    break
            assert time.monotonic() < deadline, "a closed stream never gave its place back"
            time.sleep(0.5)
