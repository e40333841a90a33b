"""Fixtures for the live-event tests."""

from __future__ import annotations

import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
import redis

from ..live_server import free_port
from ..services_available import missing, require_postgres


class OwnRedis:
    """A throw-away redis-server: started, killed with SIGKILL, started again on the same port."""

    def __init__(self, executable: str, workdir: Path):
        self.executable = executable
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115 (kept by the child)
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    executable = shutil.which("redis-server")
    if executable is None:
        missing("redis-server is not on PATH (apt-get install redis-server)")
    server = OwnRedis(executable, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def shared_postgres():
    """A dedicated, throw-away database on the test PostgreSQL server."""
    admin_url = require_postgres()
    name = f"madoguchi_twoproc_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlparse(admin_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
