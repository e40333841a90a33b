"""Board-event latency from commit to receipt on N open SSE streams of ONE server process.

Usage::

    .venv/bin/python bench/sse_latency.py                          # 1,000 and 10,000, local broker + floor
    .venv/bin/python bench/sse_latency.py --connections 1000 --brokers local,redis --events 30

For each N and each target (Madoguchi with the in-process broker, Madoguchi
with Redis pub/sub, and the pure-asyncio floor ``bench/asyncio_floor.py``):

1. start one server process (``madoguchi serve --workers 1`` on a scratch
   PostgreSQL database with the demo office, or the floor);
2. open N streams to ``/api/v1/offices/demo/board/events`` from this process
   with raw asyncio protocols (one ``data_received`` callback per read; httpx
   per connection would cost more CPU than the server) and wait until every
   stream has its first event;
3. ``--events`` times: take ``t_send`` just before writing
   ``POST /api/v1/offices/demo/tickets`` (kiosk token), then wait until every
   stream has received the next new event id (or 15 s), then pause.
   The floor gets ``POST /publish`` with a body of the same size as
   Madoguchi's board event.

Latency of a (stream, event) pair = receipt of the whole event on that
stream − ``t_send``. The commit happens inside the POST, between ``t_send``
and ``t_ret`` (the POST's answer read), so commit → receipt lies between
``latency_from_post_return`` (receipt − ``t_ret``, a lower bound; negative
when the event beats the HTTP answer) and ``latency`` (the upper bound, the
figure we hold against the aim). ``issue_post`` is the POST's round trip.
Clocks: ``time.monotonic()`` in one process, so no clock skew.

The client shares the two cores with the server: at 10,000 streams its own
reading is part of the figure, for Madoguchi and for the floor alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time

from _common import (
    PYTHON,
    HTTPConnection,
    free_port,
    machine,
    prepare_demo_database,
    print_json,
    raise_fd_limit,
    running,
    scratch_database,
    serve_command,
    server_env,
    summary_ms,
    uptime_load,
)

DB_NAME = "madoguchi_bench_sse"
EVENTS_PATH = "/api/v1/offices/demo/board/events"
CATEGORIES = ["certificates", "moving", "seal"]  # wide ranges: thousands of issues fit


class Recorder:
    """What every stream received: id → number of streams, and (id, time) per stream."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.received: list[tuple[int, float]] = []
        self.first_event = 0
        self.sample: bytes = b""

    def got(self, event_id: int, at: float, block: bytes) -> None:
        self.counts[event_id] = self.counts.get(event_id, 0) + 1
        self.received.append((event_id, at))
        self.sample = block


class SSEClient(asyncio.Protocol):
    """Reads an event stream; notes the id of each complete event and when it arrived."""

    def __init__(self, recorder: Recorder, request: bytes):
        self.recorder = recorder
        self.request = request
        self.buffer = b""
        self.events = 0
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buf = self.buffer + data
        while True:
            i = buf.find(b"\nid: ")
            if i < 0:
                buf = buf[-5:]
                break
            end = buf.find(b"\n\n", i + 1)
            if end < 0:
                buf = buf[i:]
                break
            line_end = buf.index(b"\n", i + 1)
            self.recorder.got(int(buf[i + 5:line_end]), now, buf[i + 1:end])
            self.events += 1
            buf = buf[end + 2:]
        self.buffer = buf
        if self.events and not self.opened.done():
            self.opened.set_result(None)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("stream closed before its first event"))


async def open_streams(port: int, n: int, recorder: Recorder, path: str,
                       batch: int = 250) -> list[SSEClient]:
    loop = asyncio.get_running_loop()
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Accept: text/event-stream\r\n\r\n").encode()
    clients: list[SSEClient] = []
    for start in range(0, n, batch):
        batch_clients = []
        for _ in range(min(batch, n - start)):
            _, proto = await loop.create_connection(lambda: SSEClient(recorder, request),
                                                    "127.0.0.1", port)
            batch_clients.append(proto)
        await asyncio.wait_for(asyncio.gather(*[c.opened for c in batch_clients]), 120)
        clients += batch_clients
    return clients


async def measure(port: int, n: int, events: int, trigger, label: str) -> dict:
    recorder = Recorder()
    t_open = time.monotonic()
    clients = await open_streams(port, n, recorder, EVENTS_PATH if label != "floor" else "/events")
    open_seconds = time.monotonic() - t_open
    await asyncio.sleep(1.0)
    trigger_conn = HTTPConnection(port)
    pairs: list[float] = []
    after_return: list[float] = []
    posts: list[float] = []
    missing = 0
    slowest: list[int] = []  # per event: ms until its last stream had it (where a tail comes from)
    for k in range(events):
        seen = max(recorder.counts) if recorder.counts else 0
        # A fresh connection, made before t_send: waiting for 10,000 streams can
        # outlast the server's keep-alive timeout.
        trigger_conn.close()
        await trigger_conn.connect()
        t_send = time.monotonic()
        await trigger(trigger_conn, k, recorder.sample)
        t_ret = time.monotonic()
        posts.append(t_ret - t_send)
        deadline = time.monotonic() + 15
        event_id = None
        while time.monotonic() < deadline:
            new = [i for i in recorder.counts if i > seen]
            if new:
                event_id = min(new)
                if recorder.counts[event_id] >= n:
                    break
            await asyncio.sleep(0.002)
        if event_id is None:
            missing += n
            continue
        got = [at for i, at in recorder.received if i == event_id]
        missing += n - len(got)
        pairs += [at - t_send for at in got]
        slowest.append(round(1000 * (max(got) - t_send)))
        after_return += [at - t_ret for at in got]
        recorder.received = [(i, at) for i, at in recorder.received if i > event_id]
        await asyncio.sleep(0.25 + random.random() * 0.1)
    trigger_conn.close()
    closed = sum(c.closed for c in clients)
    for c in clients:
        c.transport.close()
    await asyncio.sleep(0.5)
    return {"target": label, "connections": n, "events": events,
            "open_seconds": round(open_seconds, 1), "event_bytes": len(recorder.sample),
            "latency": summary_ms(pairs), "latency_from_post_return": summary_ms(after_return),
            "issue_post": summary_ms(posts),
            "missing_pairs": missing, "streams_closed_early": closed,
            "slowest_stream_ms_per_event": slowest}


async def issue_ticket(conn: HTTPConnection, k: int, _sample: bytes) -> None:
    body = json.dumps({"category": CATEGORIES[k % len(CATEGORIES)]}).encode()
    status, _, data = await conn.request("POST", "/api/v1/offices/demo/tickets", body, {
        "Authorization": "Bearer demo-kiosk", "Content-Type": "application/json"})
    if status != 201:
        raise RuntimeError(f"issue failed: {status} {data[:200]!r}")


def floor_trigger(size: int):
    async def publish(conn: HTTPConnection, k: int, _sample: bytes) -> None:
        body = (b'{"k":%d,"pad":"' % k).ljust(size - 2, b"x") + b'"}'
        await conn.request("POST", "/publish", body)
    return publish


def run_madoguchi(n: int, events: int, broker: str) -> dict:
    extra = {}
    if broker == "redis":
        extra["MADOGUCHI_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    with scratch_database(DB_NAME) as url:
        env = server_env(url, **extra)
        prepare_demo_database(env)
        port = free_port()
        with running(serve_command(port, 1), env, port, f"sse-{broker}-{n}"):
            load = uptime_load()
            result = asyncio.run(measure(port, n, events, issue_ticket, f"madoguchi-{broker}"))
    return {**result, "load_before": load, "load_after": uptime_load()}


def run_floor(n: int, events: int, size: int) -> dict:
    port = free_port()
    import os

    env = dict(os.environ)
    with running([PYTHON, "bench/asyncio_floor.py", "--port", str(port)], env, port, f"floor-{n}"):
        load = uptime_load()
        result = asyncio.run(measure(port, n, events, floor_trigger(size), "floor"))
    return {**result, "load_before": load, "load_after": uptime_load()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", default="1000,10000")
    parser.add_argument("--brokers", default="local", help="local, redis or local,redis")
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--no-floor", action="store_true")
    args = parser.parse_args(argv)
    hard = raise_fd_limit()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print_json("machine", {**machine(), "fd_limit": hard})
    for n in [int(x) for x in args.connections.split(",")]:
        results = []
        for broker in args.brokers.split(","):
            r = run_madoguchi(n, args.events, broker)
            print_json(f"madoguchi ({broker} broker), {n} streams", r)
            results.append(r)
        if not args.no_floor:
            size = max(r["event_bytes"] for r in results) if results else 1500
            floor = run_floor(n, args.events, max(size - 30, 64))
            print_json(f"floor, {n} streams", floor)
            for r in results:
                ratio = {p: round(r["latency"][p] / floor["latency"][p], 1)
                         for p in ("median_ms", "p99_ms") if floor["latency"][p]}
                print_json(f"ratio {r['target']} / floor at {n}", ratio)
    return 0


if __name__ == "__main__":
    sys.exit(main())
