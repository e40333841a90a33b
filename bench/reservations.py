"""Reservations under 50 concurrent clients: listing free slots and booking (issue 11).

Usage::

    .venv/bin/python bench/reservations.py                    # PostgreSQL, 1 and 2 workers
    .venv/bin/python bench/reservations.py --sqlite           # a scratch SQLite file, 1 worker
    .venv/bin/python bench/reservations.py --workers 2 --duration 20

What it measures
----------------
A real ``madoguchi serve --workers N`` on a scratch database with the demo office, its three
reservation types (reservations/demo.py) and a ``bench`` type open every day 0:00–23:30 in
30-minute slots of capacity 3, bookable 1–60 days ahead (8,460 places). Fifty clients, each a
keep-alive HTTP/1.1 connection driven from one asyncio process:

``slots``: each client repeatedly ``GET /api/v1/offices/demo/slots?type=bench&days=7`` (336
slots in the answer) for ``--duration`` seconds. Latency per request, requests/s.

``book``: each client ``POST /api/v1/offices/demo/reservations`` with its own solved ALTCHA,
each time a random slot of the next 60 days, until ``--bookings`` are answered. The ALTCHA
challenges are fetched and solved before the clock starts (the server's check of a solution is
two HMACs whatever the difficulty; the solving is the phone's work), at a low difficulty
(MADOGUCHI_ALTCHA_MAX_NUMBER=1000) so the solving does not take the machine's two cores from
the server. A 409 ``slot_full`` (two clients drew a full slot) is an answer like a 201.

``burst``: all 50 clients book the same slot of capacity 3 at once, 10 times (other slots each
time): exactly 3 × 201 and 47 × 409 each time, and the latency of those answers.

Rate limits are off (one load generator stands for many phones). Nothing here asserts; it
prints JSON for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    PYTHON,
    ROOT,
    HTTPConnection,
    free_port,
    machine,
    print_json,
    running,
    scratch_database,
    serve_command,
    server_env,
    summary_ms,
    tree_cpu_seconds,
    uptime_load,
)

CLIENTS = 50
SETUP = """
import datetime as dt
from madoguchi.queueing.demo import load_demo_data
from madoguchi.reservations.demo import seed_reservations
from madoguchi.reservations.models import Availability, ReservationType
office = load_demo_data()
seed_reservations(office)
rtype, created = ReservationType.objects.get_or_create(office=office, code="bench", defaults={"name": "bench"})
if created:
    Availability.objects.create(office=office, type=rtype, weekdays=list(range(7)),
        valid_from=dt.date(2020, 1, 1), start_time=dt.time(0), end_time=dt.time(23, 30),
        slot_minutes=30, capacity=3, bookable_from_days=1, bookable_until_days=60)
"""
JSON = {"Content-Type": "application/json"}


def solve_many(port: int, n: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    import altcha

    async def fetch() -> list[dict]:
        conn = HTTPConnection(port)
        out = []
        for _ in range(n):
            status, _, data = await conn.request("GET", "/api/v1/altcha/challenge")
            assert status == 200, data
            out.append(json.loads(data))
        conn.close()
        return out

    payloads = []
    for challenge in asyncio.run(fetch()):
        parsed = altcha.Challenge.from_dict(challenge)
        payloads.append(altcha.Payload(parsed, altcha.solve_challenge(parsed)).to_base64())
    return payloads


async def _slots(port: int, duration: float) -> dict:
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    stop_at = time.monotonic() + duration

    async def client():
        conn = HTTPConnection(port)
        await conn.connect()
        while time.monotonic() < stop_at:
            t0 = time.monotonic()
            status, _, _ = await conn.request("GET", "/api/v1/offices/demo/slots?type=bench&days=7")
            latencies.append(time.monotonic() - t0)
            statuses[status] += 1
        conn.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.monotonic() - started
    return {**summary_ms(latencies), "per_second": round(len(latencies) / elapsed, 1),
            "statuses": dict(statuses)}


async def _starts(port: int) -> list[str]:
    conn = HTTPConnection(port)
    status, _, data = await conn.request("GET", "/api/v1/offices/demo/slots?type=bench&days=62")
    conn.close()
    assert status == 200, data
    return [s["start"] for s in json.loads(data)]


async def _book(port: int, payloads: list[str], starts: list[str]) -> dict:
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    queue = list(payloads)
    rng = random.Random(11)

    async def client():
        conn = HTTPConnection(port)
        await conn.connect()
        while queue:
            payload = queue.pop()
            body = json.dumps({"type": "bench", "start": rng.choice(starts), "altcha": payload}).encode()
            t0 = time.monotonic()
            status, _, data = await conn.request("POST", "/api/v1/offices/demo/reservations", body, JSON)
            latencies.append(time.monotonic() - t0)
            statuses[status if status != 409 else f"409 {json.loads(data)['code']}"] += 1
        conn.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.monotonic() - started
    return {**summary_ms(latencies), "per_second": round(len(latencies) / elapsed, 1),
            "statuses": dict(statuses)}


async def _burst(port: int, payloads: list[str], starts: list[str], rounds: int) -> dict:
    latencies: list[float] = []
    outcomes = []
    conns = [HTTPConnection(port) for _ in range(CLIENTS)]
    for conn in conns:
        await conn.connect()
    for r in range(rounds):
        start = starts[-1 - r]  # far ahead: the random bookings above rarely reached it
        gate = asyncio.Event()
        statuses: collections.Counter = collections.Counter()

        async def one(conn, payload, gate=gate, start=start, statuses=statuses):
            await gate.wait()
            body = json.dumps({"type": "bench", "start": start, "altcha": payload}).encode()
            t0 = time.monotonic()
            status, _, _ = await conn.request("POST", "/api/v1/offices/demo/reservations", body, JSON)
            latencies.append(time.monotonic() - t0)
            statuses[status] += 1

        tasks = [asyncio.create_task(one(c, payloads.pop())) for c in conns]
        await asyncio.sleep(0.05)
        gate.set()
        await asyncio.gather(*tasks)
        outcomes.append(dict(statuses))
    for conn in conns:
        conn.close()
    return {**summary_ms(latencies), "rounds": outcomes}


def run(database_url: str, workers: int, duration: float, bookings: int, rounds: int) -> dict:
    env = server_env(database_url, MADOGUCHI_ALTCHA_MAX_NUMBER="1000")
    subprocess.run([PYTHON, "-m", "madoguchi", "manage", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([PYTHON, "-m", "madoguchi", "manage", "shell", "-c", SETUP], env=env, check=True, cwd=ROOT)
    port = free_port()
    with running(serve_command(port, workers), env, port, f"reservations-{workers}") as server:
        payloads = solve_many(port, bookings + rounds * CLIENTS)
        starts = asyncio.run(_starts(port))
        result = {"workers": workers, "load_before": uptime_load()}

        def phase(name, coro):
            # The server's CPU per request: on a shared machine a steadier figure than latency.
            cpu = tree_cpu_seconds(server.pid)
            result[name] = asyncio.run(coro)
            result[name]["server_cpu_ms_per_request"] = round(
                (tree_cpu_seconds(server.pid) - cpu) * 1000 / max(1, result[name]["n"]), 2)

        phase("slots", _slots(port, duration))
        phase("book", _book(port, payloads[:bookings], starts[:-rounds]))
        phase("burst", _burst(port, payloads[bookings:], starts, rounds))
        result["load_after"] = uptime_load()
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true", help="a scratch SQLite file instead of PostgreSQL")
    parser.add_argument("--workers", type=int, action="append", help="uvicorn workers (repeatable)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of slot listing")
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print_json("machine", machine())
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            for workers in args.workers or [1]:
                print_json(f"reservations, SQLite, {workers} worker(s)",
                           run(url, workers, args.duration, args.bookings, args.rounds))
    else:
        for workers in args.workers or [1, 2]:
            with scratch_database("madoguchi_bench_reservations") as url:
                print_json(f"reservations, PostgreSQL, {workers} worker(s)",
                           run(url, workers, args.duration, args.bookings, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
