"""Shared helpers for the benchmarks: machine facts, a scratch PostgreSQL
database, a real ``madoguchi serve`` process, percentiles and a tiny HTTP/1.1
client on raw asyncio streams (httpx costs more CPU per request than the
server we measure, and the machine has only two cores).

Benchmarks are not tests: nothing here asserts, it measures and prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BASE = PG_ADMIN.rsplit("/", 1)[0]


# ------------------------------------------------------------------ machine


def uptime_load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine() -> dict:
    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pg = "?"
    with contextlib.suppress(Exception):
        pg = subprocess.run(["psql", PG_ADMIN, "-Atc", "show server_version"], capture_output=True,
                            text=True, timeout=10).stdout.strip()
    return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "postgresql": pg, "load": uptime_load()}


def print_json(title: str, payload: dict) -> None:
    print(f"## {title}")
    print(json.dumps(payload, ensure_ascii=False, indent=2), flush=True)


# ------------------------------------------------------------------ statistics


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def summary_ms(values_s: list[float]) -> dict:
    v = sorted(values_s)
    return {"n": len(v), "median_ms": round(percentile(v, 50) * 1000, 2),
            "p90_ms": round(percentile(v, 90) * 1000, 2),
            "p99_ms": round(percentile(v, 99) * 1000, 2),
            "max_ms": round(v[-1] * 1000, 2) if v else None}


# ------------------------------------------------------------------ PostgreSQL


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True,
                   capture_output=True)


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A fresh database for one benchmark run, dropped afterwards."""
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_BASE}/{name}"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ------------------------------------------------------------------ server


def reachable(url: str, default_port: int = 6379) -> bool:
    """Whether a TCP service (Redis, PostgreSQL) answers at the URL's host and port."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port),
                                      timeout=1):
            return True
    except OSError:
        return False


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), from /proc; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


def scratch_sqlite_django(prefix: str) -> Path:
    """Django set up in this process on a new, migrated SQLite file (for benches that call the
    services and selectors directly, with no server); returns the scratch directory."""
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(MADOGUCHI_SQLITE_PATH=str(scratch / "db.sqlite3"), MADOGUCHI_DATABASE_URL="",
                      DJANGO_SETTINGS_MODULE="madoguchi.settings.base")
    os.environ.setdefault("MADOGUCHI_SECRET_KEY", "bench-only-" + "x" * 40)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return scratch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """What an operator sets for ``madoguchi serve``, plus demo mode for the demo tokens."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MADOGUCHI_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update({
        "MADOGUCHI_DATABASE_URL": database_url,
        "MADOGUCHI_DEMO": "1",  # the demo-kiosk / demo-staff tokens exist only in demo mode
        "MADOGUCHI_DEBUG": "0",
        "MADOGUCHI_LOG_LEVEL": "WARNING",
        "MADOGUCHI_UVICORN_LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
        # One load generator stands in for many kiosks and phones: rate limits off.
        "MADOGUCHI_THROTTLE": "0",
    })
    # Live-event tuning knobs pass through, so two settings can be compared in one run.
    env.update({k: v for k, v in os.environ.items() if k.startswith("MADOGUCHI_LIVE_")})
    env.update(extra)
    return env


LOAD_DEMO = ("from madoguchi.queueing.demo import load_demo_data; load_demo_data()")


def prepare_demo_database(env: dict[str, str]) -> None:
    """Migrate and load the demo office (counters 1–8, tokens demo-kiosk / demo-staff)."""
    subprocess.run([PYTHON, "-m", "madoguchi", "manage", "migrate", "-v", "0"], env=env,
                   check=True, cwd=ROOT)
    subprocess.run([PYTHON, "-m", "madoguchi", "manage", "shell", "-c", LOAD_DEMO], env=env,
                   check=True, cwd=ROOT)


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], port: int, log_name: str,
            health: str = "/healthz", timeout: float = 60) -> Iterator[subprocess.Popen]:
    log_dir = ROOT / "bench" / "logs"
    log_dir.mkdir(exist_ok=True)
    with open(log_dir / f"{log_name}.log", "wb") as log:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{command} exited early; see bench/logs/{log_name}.log")
            with contextlib.suppress(OSError):
                status, _, _ = asyncio.run(_one_get(port, health))
                if status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not become healthy")
            time.sleep(0.2)
        settle(proc.pid)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of a process and all its descendants (uvicorn's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    total, frontier = 0.0, [root]
    while frontier:
        pid = frontier.pop()
        total += process_cpu_seconds(pid)
        frontier.extend(children.get(pid, []))
    return total


def settle(root: int, *, quiet_share: float = 0.1, window: float = 0.5, timeout: float = 60) -> None:
    """Wait until the server is done starting: ``/healthz`` answers as soon as ONE worker is up,
    while the others may still be importing (seconds of CPU on a busy machine) and would be
    counted as the cost of the first requests measured. Done when the whole process tree uses
    less than ``quiet_share`` of one core for ``window`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = tree_cpu_seconds(root)
        time.sleep(window)
        if tree_cpu_seconds(root) - before < quiet_share * window:
            return


def serve_command(port: int, workers: int) -> list[str]:
    return [PYTHON, "-m", "madoguchi", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)]


# ------------------------------------------------------------------ minimal HTTP/1.1 client


class HTTPConnection:
    """One keep-alive HTTP/1.1 connection on asyncio streams. Just enough for JSON APIs."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
        if self.writer is None:
            await self.connect()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        hdrs = {}
        for line in header_lines:
            if line:
                k, _, v = line.partition(":")
                hdrs[k.strip().lower()] = v.strip()
        if "content-length" in hdrs:
            data = await self.reader.readexactly(int(hdrs["content-length"]))
        elif hdrs.get("transfer-encoding") == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunks.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            data = b"".join(c[:-2] for c in chunks)
        else:
            data = b""
        if hdrs.get("connection") == "close":
            self.close()
        return status, hdrs, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def _one_get(port: int, path: str) -> tuple[int, dict, bytes]:
    conn = HTTPConnection(port)
    try:
        return await asyncio.wait_for(conn.request("GET", path, headers={"Connection": "close"}), 5)
    finally:
        conn.close()


def raise_fd_limit() -> int:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def static_page_server(origin: str, page_html: str, static_dir):
    """A Playwright route handler for ``origin``: ``/`` answers ``page_html`` and
    ``/static/…`` the project's static files, cross-origin isolated (COOP/COEP, so
    ``performance.now()`` has full resolution); anything else is 404. No server runs."""
    static_dir = static_dir.resolve()
    headers = {"Cross-Origin-Opener-Policy": "same-origin",
               "Cross-Origin-Embedder-Policy": "require-corp"}

    def serve(route):
        path = route.request.url.removeprefix(origin).split("?")[0]
        if path == "/":
            return route.fulfill(status=200, content_type="text/html", body=page_html, headers=headers)
        file = (static_dir / path.removeprefix("/static/")).resolve()
        if path.startswith("/static/") and file.is_relative_to(static_dir) and file.is_file():
            return route.fulfill(status=200, content_type="text/javascript", body=file.read_bytes(),
                                 headers=headers)
        return route.fulfill(status=404, body="not found")

    return serve
