"""Full ticket lifecycles per second on PostgreSQL: issue → call next → finish.

Usage::

    .venv/bin/python bench/lifecycles.py                       # HTTP, 1/2/4 uvicorn workers
    .venv/bin/python bench/lifecycles.py --mode http --workers 4 --duration 30
    .venv/bin/python bench/lifecycles.py --mode service        # service layer, in process

What it measures
----------------
``http`` (the primary line, what a deployment sees): a real
``madoguchi serve --workers N`` on a scratch PostgreSQL database
(``madoguchi_bench``, created and dropped here) with the demo office. Eight
clients, each a keep-alive HTTP/1.1 connection driven from one asyncio
process, play a kiosk and a clerk at their own counter (1–8):
``POST /api/v1/offices/demo/tickets`` with ``Bearer demo-kiosk``, then
``POST /api/v1/counters/{id}/call-next`` and ``…/finish`` with
``Bearer demo-staff``. The board publisher, the SSE broker and the audit
event rows all run as in production.

``service``: the same loop through ``services.ticket_issue`` /
``ticket_call_next`` / ``ticket_finish`` in eight threads of one Python
process (no HTTP, no ASGI) — what the database and the service code cost.

Client *i* issues in the first category of counter *i* (counter 3 → moving,
counter 7 → certificates, counter 8 → seal). Counters 7 and 8 share the seal
queue, so now and then call-next at one of them finds nobody (204): that
iteration is counted as ``empty_calls`` and not as a lifecycle. A lifecycle
is a finished ticket; its latency is issue-sent → finish-returned.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time

from _common import (
    HTTPConnection,
    free_port,
    machine,
    prepare_demo_database,
    print_json,
    process_cpu_seconds,
    reachable,
    running,
    scratch_database,
    serve_command,
    server_env,
    summary_ms,
    uptime_load,
)

CLIENT_CATEGORY = {1: "moving", 2: "moving", 3: "moving", 4: "fastlane", 5: "family-register",
                   6: "certificates", 7: "certificates", 8: "seal"}
DB_NAME = "madoguchi_bench"
REDIS_URL = os.environ.get("MADOGUCHI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")



# ------------------------------------------------------------------ HTTP


async def _http_client(port: int, counter_number: int, counter_id: str, stop_at: float,
                       warm_until: float, out: dict) -> None:
    conn = HTTPConnection(port)
    await conn.connect()
    kiosk = {"Authorization": "Bearer demo-kiosk", "Content-Type": "application/json"}
    staff = {"Authorization": "Bearer demo-staff"}
    body = json.dumps({"category": CLIENT_CATEGORY[counter_number]}).encode()
    while True:
        t0 = time.monotonic()
        if t0 >= stop_at:
            break
        status, _, data = await conn.request("POST", "/api/v1/offices/demo/tickets", body, kiosk)
        if status != 201:
            out["errors"].append((status, data[:200]))
            continue
        status, _, data = await conn.request("POST", f"/api/v1/counters/{counter_id}/call-next",
                                             b"", staff)
        if status == 204:
            if t0 >= warm_until:
                out["empty_calls"] += 1
            continue
        if status != 200:
            out["errors"].append((status, data[:200]))
            continue
        status, _, data = await conn.request("POST", f"/api/v1/counters/{counter_id}/finish",
                                             b"", staff)
        if status != 200:
            out["errors"].append((status, data[:200]))
            continue
        t1 = time.monotonic()
        out["all"] += 1
        if t0 >= warm_until:
            out["latencies"].append(t1 - t0)
            out["done_at"].append(t1)
    conn.close()


async def _http_run(port: int, clients: int, duration: float, warmup: float) -> dict:
    conn = HTTPConnection(port)
    status, _, data = await conn.request("GET", "/api/v1/offices/demo/counters")
    conn.close()
    counters = json.loads(data)
    out = {"latencies": [], "done_at": [], "empty_calls": 0, "errors": [], "all": 0}
    start = time.monotonic()
    warm_until = start + warmup
    stop_at = warm_until + duration
    await asyncio.gather(*[
        _http_client(port, i + 1, counters[i]["id"], stop_at, warm_until, out)
        for i in range(clients)])
    return out


async def _bare_client(port: int, stop_at: float, counts: list[int]) -> None:
    conn = HTTPConnection(port)
    await conn.connect()
    while time.monotonic() < stop_at:
        for _ in range(3):
            status, _, _ = await conn.request("GET", "/healthz")
            if status != 200:
                raise RuntimeError(f"/healthz answered {status}")
        counts.append(1)
    conn.close()


async def _bare_run(port: int, clients: int, duration: float) -> tuple[float, int]:
    """The same clients, three empty requests per "lifecycle": what Django, uvicorn and the
    client cost before any work is done. No lifecycle rate can exceed this on the machine.
    Returns the rate and the number of triples."""
    counts: list[int] = []
    start = time.monotonic()
    await asyncio.gather(*[_bare_client(port, start + duration, counts) for _ in range(clients)])
    return len(counts) / (time.monotonic() - start), len(counts)


def run_http(workers: int, clients: int, duration: float, warmup: float) -> dict:
    with scratch_database(DB_NAME) as url:
        # More than one process shares live events through Redis in production (README);
        # measure that, not a set-up whose screens would miss the other process's changes.
        extra = {"MADOGUCHI_REDIS_URL": REDIS_URL} if workers > 1 and reachable(REDIS_URL) else {}
        env = server_env(url, **extra)
        prepare_demo_database(env)
        port = free_port()
        with running(serve_command(port, workers), env, port, f"lifecycles-w{workers}") as proc:
            load_before = uptime_load()
            bare_cpu_before = _server_cpu(proc.pid) + _postgres_cpu()
            ceiling_before, bare_n_before = asyncio.run(_bare_run(port, clients, 5.0))
            bare_cpu = _server_cpu(proc.pid) + _postgres_cpu() - bare_cpu_before
            cpu_before = _server_cpu(proc.pid) + _postgres_cpu()
            client_before = _self_cpu()
            busy_before = _machine_busy()
            t = time.monotonic()
            out = asyncio.run(_http_run(port, clients, duration, warmup))
            wall = time.monotonic() - t - warmup
            server_cpu = _server_cpu(proc.pid) + _postgres_cpu() - cpu_before
            client_cpu = _self_cpu() - client_before
            busy = _machine_busy(busy_before)
            bare_cpu_before = _server_cpu(proc.pid) + _postgres_cpu()
            ceiling_after, bare_n_after = asyncio.run(_bare_run(port, clients, 5.0))
            bare_cpu += _server_cpu(proc.pid) + _postgres_cpu() - bare_cpu_before
    cpu_per_lifecycle = server_cpu / max(out["all"], 1)
    cpu_per_bare = bare_cpu / max(bare_n_before + bare_n_after, 1)
    cpu = {"server_and_postgres_cpu_ms_per_lifecycle": round(1000 * cpu_per_lifecycle, 2),
           "client_cpu_ms_per_lifecycle": round(1000 * client_cpu / max(out["all"], 1), 2),
           "machine_cpu_busy": busy,
           # The same ratio from CPU time: what the share of the ceiling would be if the
           # server had the cores to itself. Steadier than the rates while other work runs.
           "server_cpu_ms_per_empty_triple": round(1000 * cpu_per_bare, 2),
           "cpu_share_of_ceiling": round(cpu_per_bare / cpu_per_lifecycle, 3) if server_cpu else None}
    report = _report(out, wall, {"mode": "http", "uvicorn_workers": workers, "clients": clients,
                                 "redis": bool(extra), "load_before": load_before, **cpu})
    # Measured before and after the run on the same server: this machine's speed drifts.
    ceiling = (ceiling_before + ceiling_after) / 2
    report["empty_request_ceiling_lifecycles_per_s"] = {
        "before": round(ceiling_before, 1), "after": round(ceiling_after, 1), "mean": round(ceiling, 1)}
    if report["lifecycles_per_s"]:
        report["share_of_ceiling"] = round(report["lifecycles_per_s"] / ceiling, 3)
    return report


def _machine_busy(before: tuple[int, int] | None = None):
    """Share of all cores busy (from /proc/stat) since ``before``; or a reading to start from."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle, total = fields[3] + fields[4], sum(fields[:8])
    if before is None:
        return idle, total
    return round(1 - (idle - before[0]) / max(total - before[1], 1), 3)


# ------------------------------------------------------------------ CPU accounting
# CPU seconds spent by the server processes and by the PostgreSQL backends
# connected to the benchmark database (Django keeps them open: CONN_MAX_AGE).
# PostgreSQL's WAL writer and checkpointer are shared and not counted.


def _all_procs() -> list[tuple[int, int, str]]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    text = f.read()
                name = text[text.index("(") + 1:text.rindex(")")]
                ppid = int(text.rsplit(")", 1)[1].split()[1])
                out.append((int(entry), ppid, name))
            except (OSError, ValueError):
                pass
    return out


def _server_cpu(root: int) -> float:
    procs = _all_procs()
    pids, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid, _ in procs:
            if ppid == parent and pid not in pids:
                pids.add(pid)
                frontier.append(pid)
    return sum(process_cpu_seconds(p) for p in pids)


def _postgres_cpu() -> float:
    total = 0.0
    for pid, _, name in _all_procs():
        if name.startswith("postgres"):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if f" {DB_NAME} ".encode() in f.read():
                        total += process_cpu_seconds(pid)
            except OSError:
                pass
    return total


def _self_cpu() -> float:
    t = os.times()
    return t.user + t.system


# ------------------------------------------------------------------ service layer


def run_service(clients: int, duration: float, warmup: float) -> dict:
    with scratch_database(DB_NAME) as url:
        env = server_env(url)
        prepare_demo_database(env)
        os.environ.update({k: v for k, v in env.items() if k.startswith("MADOGUCHI_")})
        os.environ["DJANGO_SETTINGS_MODULE"] = "madoguchi.settings.base"
        import django

        django.setup()
        from django.db import connections

        from madoguchi.core.actors import actor_for_token
        from madoguchi.queueing import services
        from madoguchi.queueing.models import Counter

        kiosk, staff = actor_for_token("demo-kiosk"), actor_for_token("demo-staff")
        counter_ids = dict(Counter.objects.filter(office__code="demo").values_list("number", "pk"))
        connections.close_all()
        out = {"latencies": [], "done_at": [], "empty_calls": 0, "errors": [], "all": 0}
        lock = threading.Lock()
        start = time.monotonic()
        warm_until, stop_at = start + warmup, start + warmup + duration

        def client(number: int) -> None:
            category, counter_id = CLIENT_CATEGORY[number], counter_ids[number]
            try:
                while (t0 := time.monotonic()) < stop_at:
                    services.ticket_issue(actor=kiosk, office_code="demo", category_code=category)
                    if services.ticket_call_next(actor=staff, counter_id=counter_id) is None:
                        if t0 >= warm_until:
                            with lock:
                                out["empty_calls"] += 1
                        continue
                    services.ticket_finish(actor=staff, counter_id=counter_id)
                    t1 = time.monotonic()
                    if t0 >= warm_until:
                        with lock:
                            out["latencies"].append(t1 - t0)
                            out["done_at"].append(t1)
            except Exception as exc:  # record, do not hide
                out["errors"].append(repr(exc))
            finally:
                connections.close_all()

        load_before = uptime_load()
        threads = [threading.Thread(target=client, args=(i + 1,)) for i in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.monotonic() - start - warmup
        connections.close_all()
    return _report(out, wall, {"mode": "service", "threads": clients, "load_before": load_before})


# ------------------------------------------------------------------ report


def _report(out: dict, wall: float, meta: dict) -> dict:
    done = len(out["latencies"])
    return {**meta, "measured_seconds": round(wall, 2), "lifecycles": done,
            "lifecycles_per_s": round(done / wall, 1) if wall > 0 else None,
            "requests_per_s": round(3 * done / wall, 1) if wall > 0 else None,
            "latency": summary_ms(out["latencies"]), "empty_calls": out["empty_calls"],
            "errors": len(out["errors"]), "first_errors": [str(e) for e in out["errors"][:3]],
            "load_after": uptime_load()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["http", "service", "both"], default="both")
    parser.add_argument("--workers", default="1,2,4",
                        help="uvicorn worker counts to try, comma-separated (HTTP mode)")
    parser.add_argument("--clients", type=int, default=8, choices=range(1, 9))
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args(argv)
    print_json("machine", machine())
    if args.mode in ("http", "both"):
        for w in [int(x) for x in args.workers.split(",")]:
            print_json(f"http, {w} uvicorn worker(s)", run_http(w, args.clients, args.duration,
                                                                args.warmup))
    if args.mode in ("service", "both"):
        print_json("service layer", run_service(args.clients, args.duration, args.warmup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
