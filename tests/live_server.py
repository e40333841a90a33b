"""Start real Madoguchi servers as subprocesses for browser and live-event tests.

The servers are what a city runs: ``python -m madoguchi demo`` under uvicorn,
with the demo office, demo log-ins and demo tokens. Nothing is mocked; the
tests talk HTTP to them like a kiosk, a lobby display or a browser would.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
STARTUP_TIMEOUT = 60.0


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.2):
    """Poll ``predicate`` until it gives something true (returned), or fail naming the last value:
    what another process (a zone push, a pull) does arrives when it arrives."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**overrides: str) -> dict[str, str]:
    """The parent's environment without pytest's Django and MADOGUCHI_* settings.

    pytest-django exports ``DJANGO_SETTINGS_MODULE=madoguchi.settings.test`` and
    the PostgreSQL pass exports ``MADOGUCHI_DATABASE_URL``; a demo server must
    start from its own defaults, exactly as an operator would run it.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MADOGUCHI_") and k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONUNBUFFERED"] = "1"
    # Many tests share one server and its demo tokens: no rate limits unless a test asks.
    env["MADOGUCHI_THROTTLE"] = "0"
    # A first demo start simulates a year of history (~10 s CPU) and refits the forecast: servers
    # under test start without it unless a test asks (tests/forecasting/test_demo_history.py).
    env["MADOGUCHI_DEMO_HISTORY_DAYS"] = "0"
    env.update(overrides)
    return env



def public_zone_env(workdir: Path, secret: str, **overrides: str) -> dict[str, str]:
    """A public-side server (MADOGUCHI_ROLE=public) of a two-zone test, on its own SQLite file."""
    return server_env(MADOGUCHI_ROLE="public", MADOGUCHI_ZONE_SECRET=secret,
                      MADOGUCHI_SECRET_KEY="public-side-key-0123456789abcdef",
                      MADOGUCHI_SQLITE_PATH=str(workdir / "public.sqlite3"), **overrides)


def internal_zone_env(public_url: str, secret: str, **overrides: str) -> dict[str, str]:
    """The internal side pushing to ``public_url`` every second."""
    return server_env(MADOGUCHI_ROLE="internal", MADOGUCHI_ZONE_SECRET=secret,
                      MADOGUCHI_PUBLIC_URL=public_url, MADOGUCHI_ZONE_HEARTBEAT_SECONDS="1", **overrides)

@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode} before "
                               f"answering /healthz:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f}s:\n{server.log()}")


def stop(server: Server) -> None:
    proc = server.process
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


_template_lock = threading.Lock()
_template: Path | None = None


def migrated_template() -> Path:
    """An empty SQLite database with every migration applied, made once per test process.

    Migrating a new SQLite file takes a demo server about 1.5 s of CPU; the suite starts
    some twenty of them. Each starts from a copy of this file instead: ``demo`` still runs
    ``migrate`` (nothing left to apply) and seeds its data exactly as on a new file.
    """
    global _template
    with _template_lock:
        if _template is None:
            directory = Path(tempfile.mkdtemp(prefix="madoguchi-template-"))
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            path = directory / "migrated.sqlite3"
            done = subprocess.run(
                [sys.executable, "-m", "madoguchi", "manage", "migrate", "--verbosity", "0"],
                cwd=directory, env=server_env(MADOGUCHI_DEMO="1", MADOGUCHI_SQLITE_PATH=str(path)),
                capture_output=True, text=True, timeout=STARTUP_TIMEOUT)
            if done.returncode != 0:
                raise RuntimeError(f"migrating the template database failed:\n{done.stdout}{done.stderr}")
            _template = path
        return _template


@contextlib.contextmanager
def demo_server(workdir: Path, *, db: Path | None = None, env: dict[str, str] | None = None,
                args: list[str] | None = None, name: str = "server",
                template: bool = True) -> Iterator[Server]:
    """``python -m madoguchi demo`` on a free port; yields once /healthz answers.

    A new SQLite file starts as a copy of ``migrated_template()`` unless ``template=False``.
    """
    with madoguchi_server(workdir, ["demo", "--db", str(db or workdir / f"{name}.sqlite3"), *(args or [])],
                          env=env, name=name, template=template) as server:
        yield server


@contextlib.contextmanager
def madoguchi_server(workdir: Path, command_args: list[str], *, env: dict[str, str] | None = None,
                     name: str = "server", port: int | None = None,
                     template: bool = True) -> Iterator[Server]:
    """``python -m madoguchi <command_args> --port <free port>``; yields once /healthz answers.

    ``demo --db <new file>`` on SQLite starts from a copy of ``migrated_template()``
    (``template=False``: from an empty file, migrating it, as on a first run).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    env = env if env is not None else server_env()
    if template and command_args[:1] == ["demo"] and not env.get("MADOGUCHI_DATABASE_URL"):
        db = Path(workdir, command_args[command_args.index("--db") + 1] if "--db" in command_args
                   else "madoguchi-demo.sqlite3")
        if not db.exists():
            shutil.copyfile(migrated_template(), db)
    port = port or free_port()
    log_path = workdir / f"{name}-{port}.log"
    command = [sys.executable, "-m", "madoguchi", *command_args, "--port", str(port)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=workdir, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    server = Server(url=f"http://127.0.0.1:{port}", port=port, process=process, log_path=log_path)
    try:
        _wait_healthy(server, STARTUP_TIMEOUT)
        yield server
    finally:
        stop(server)


# ------------------------------------------------------------------ SSE reading


@dataclass
class SSEBlock:
    """One block of an event stream: an event, or only comments (heartbeat)."""

    id: int | None
    event: str | None
    data: str | None
    comments: list[str]
    retry: int | None = None

    @property
    def is_event(self) -> bool:
        return self.data is not None


def parse_block(text: str) -> SSEBlock:
    fields: dict[str, list[str]] = {}
    comments = []
    for line in text.split("\n"):
        if line.startswith(":"):
            comments.append(line[1:].strip())
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)
    return SSEBlock(
        id=int(fields["id"][-1]) if "id" in fields else None,
        event=fields["event"][-1] if "event" in fields else None,
        data="\n".join(fields["data"]) if "data" in fields else None,
        comments=comments,
        retry=int(fields["retry"][-1]) if "retry" in fields else None,
    )


class SSEReader:
    """Reads blocks from a streaming httpx response, one at a time, with deadlines.

    The server sends a heartbeat comment every few seconds, so a blocked read
    returns regularly and deadlines are honoured without threads.
    """

    def __init__(self, response: httpx.Response):
        self.response = response
        self._chunks = response.iter_text()
        self._buffer = ""

    def next_block(self) -> SSEBlock:
        while "\n\n" not in self._buffer:
            self._buffer += next(self._chunks).replace("\r\n", "\n")
        raw, self._buffer = self._buffer.split("\n\n", 1)
        return parse_block(raw)

    def next_event(self, timeout: float = 10.0, kind: str | None = None) -> SSEBlock:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            block = self.next_block()
            if block.is_event and (kind is None or block.event == kind):
                return block
        raise TimeoutError(f"no {kind or 'SSE'} event within {timeout}s")

    def wait_for(self, predicate, timeout: float = 10.0) -> SSEBlock:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            block = self.next_block()
            if predicate(block):
                return block
        raise TimeoutError(f"no matching SSE block within {timeout}s")


@contextlib.contextmanager
def sse_stream(client: httpx.Client, url: str, last_event_id: int | None = None
               ) -> Iterator[tuple[httpx.Response, SSEReader]]:
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    with client.stream("GET", url, headers=headers,
                       timeout=httpx.Timeout(10.0, read=25.0)) as response:
        yield response, SSEReader(response)
