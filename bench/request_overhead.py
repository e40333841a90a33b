"""What one HTTP request costs before and around the work: Madoguchi's ASGI handler against
Django's stock one, same settings, same database, in one run.

Usage::

    .venv/bin/python bench/request_overhead.py                 # 8 clients, 8 s per path
    .venv/bin/python bench/request_overhead.py --seconds 15

For each handler a real one-process server (uvicorn, as ``madoguchi serve``
runs it) is started on a scratch PostgreSQL database with the demo office:

* ``madoguchi``: ``madoguchi.asgi:application`` (``OneThreadASGIHandler``:
  the middleware chain and the view in one thread hop per request);
* ``django-stock``: ``django.core.asgi.get_asgi_application()``, what a
  Django project gets by default (each middleware hook hops to a thread and
  back).

Each handler gets a fresh database. Eight keep-alive clients then request, for a fixed time each: ``/healthz``
(an empty view behind every middleware), ``/api/v1/offices/demo/board`` (the
board, two queries) and, for 5 s, ``POST /api/v1/offices/demo/tickets`` (issue, kiosk
token). Reported: requests/s and the server's CPU per request (user + system,
read from /proc), and the ratio of the two handlers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from _common import (
    PYTHON,
    HTTPConnection,
    free_port,
    machine,
    prepare_demo_database,
    print_json,
    process_cpu_seconds,
    running,
    scratch_database,
    server_env,
)

DB_NAME = "madoguchi_bench_overhead"
KIOSK = {"Authorization": "Bearer demo-kiosk", "Content-Type": "application/json"}
PATHS = [
    ("GET /healthz", "GET", "/healthz", b"", {}),
    ("GET board", "GET", "/api/v1/offices/demo/board", b"", {}),
    ("POST issue", "POST", "/api/v1/offices/demo/tickets", json.dumps({"category": "certificates"}).encode(),
     KIOSK),
]
HANDLERS = {
    "madoguchi": ["madoguchi.asgi:application"],
    "django-stock": ["--factory", "django.core.asgi:get_asgi_application"],
}


async def _client(port: int, request: tuple, stop_at: float, statuses: list[int]) -> None:
    _, method, path, body, headers = request
    conn = HTTPConnection(port)
    await conn.connect()
    while time.monotonic() < stop_at:
        status, _, _ = await conn.request(method, path, body, headers)
        statuses.append(status)
    conn.close()


async def _load(port: int, request: tuple, clients: int, seconds: float) -> tuple[int, float, set]:
    statuses: list[int] = []
    start = time.monotonic()
    await asyncio.gather(*[_client(port, request, start + seconds, statuses) for _ in range(clients)])
    return len(statuses), time.monotonic() - start, set(statuses)


def measure(handler: str, clients: int, seconds: float) -> dict:
    with scratch_database(DB_NAME) as url:
        env = server_env(url, DJANGO_SETTINGS_MODULE="madoguchi.settings.base")
        prepare_demo_database(env)
        return _measure(handler, env, clients, seconds)


def _measure(handler: str, env: dict, clients: int, seconds: float) -> dict:
    port = free_port()
    command = [PYTHON, "-m", "uvicorn", *HANDLERS[handler], "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", "--no-access-log"]
    out = {}
    with running(command, env, port, f"overhead-{handler}") as proc:
        asyncio.run(_load(port, PATHS[0], clients, 1.0))  # warm up
        for request in PATHS:
            before = process_cpu_seconds(proc.pid)
            # Issuing is capped at 5 s: the category's 999 numbers must not run out.
            duration = min(seconds, 5.0) if request[1] == "POST" else seconds
            n, wall, statuses = asyncio.run(_load(port, request, clients, duration))
            cpu = process_cpu_seconds(proc.pid) - before
            out[request[0]] = {"requests_per_s": round(n / wall, 1),
                               "server_cpu_ms_per_request": round(1000 * cpu / max(n, 1), 2),
                               "statuses": sorted(statuses)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    print_json("machine", machine())
    results = {h: measure(h, args.clients, args.seconds) for h in HANDLERS}
    for handler, rows in results.items():
        print_json(handler, rows)
    print_json("madoguchi / django-stock", {
        path: {"requests_per_s": round(results["madoguchi"][path]["requests_per_s"]
                                       / results["django-stock"][path]["requests_per_s"], 2),
               "server_cpu_per_request": round(results["madoguchi"][path]["server_cpu_ms_per_request"]
                                               / results["django-stock"][path]["server_cpu_ms_per_request"], 2)}
        for path in results["madoguchi"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
