#!/usr/bin/env python3
"""Run the whole suite: a SQLite pass and a PostgreSQL pass (with Redis), side by side.

Usage: python tests/run.py [extra pytest args]

The SQLite pass uses the in-process live-event broker; the PostgreSQL pass
uses the Redis broker (``MADOGUCHI_REDIS_URL`` = the test Redis,
``MADOGUCHI_TEST_REDIS_URL``), as a city running several processes does.
Without PostgreSQL the second pass is skipped with a clear message, and
without Redis it runs with the in-process broker; under CI=true either
fails the run instead. pytest's exit code 5 (no tests collected) fails.

The two passes share nothing (the SQLite pass has its own test database file
per process, its servers their own SQLite files and free ports; only the
PostgreSQL pass uses the test PostgreSQL database and the test Redis
database), so they run at the same time: the SQLite pass is printed as it
runs, the PostgreSQL pass's output is kept whole in a file and printed after
it. ``MADOGUCHI_TEST_SEQUENTIAL=1`` runs them one after the other instead.

Browser tests run in the SQLite pass, except the modules marked ``second_pass``: the PostgreSQL
pass runs those when it runs (a browser test's demo server is on a SQLite file of its own in
either pass), so that the two passes take about as long.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SEQUENTIAL = os.environ.get("MADOGUCHI_TEST_SEQUENTIAL", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("MADOGUCHI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("MADOGUCHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable(url: str, default_port: int = 5432) -> bool:
    p = urlparse(url)
    try:
        with socket.create_connection((p.hostname or "127.0.0.1", p.port or default_port), timeout=1):
            return True
    except OSError:
        return False


class Pass:
    """One pytest run: streamed to this terminal, or kept in a file until ``show``."""

    def __init__(self, title: str, args: list[str], env: dict, notes: list[str] = ()):
        self.title, self.args, self.env, self.notes = title, args, env, list(notes)
        self.process: subprocess.Popen | None = None
        self.output = None

    def start(self, *, to_file: bool) -> None:
        if to_file:
            self.output = tempfile.TemporaryFile()
        else:
            self.header()
        self.process = subprocess.Popen([sys.executable, "-m", "pytest", *self.args], cwd=ROOT,
                                        env=self.env, stdout=self.output, stderr=subprocess.STDOUT)

    def header(self) -> None:
        for note in self.notes:
            print(f"\n{note}", flush=True)
        print(f"\n===== {self.title} =====", flush=True)

    def show(self) -> None:
        """Print the kept output whole (once the pass has ended)."""
        if self.output is None:
            return
        self.header()
        self.output.seek(0)
        shutil.copyfileobj(self.output, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        self.output.close()
        self.output = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def result(self) -> int:
        code = self.process.wait()
        if code == 5:
            print(f"{self.title}: no tests were collected — failing.", flush=True)
            return 1
        return code


def main() -> int:
    extra = sys.argv[1:]
    base_env = {k: v for k, v in os.environ.items()
                if k not in {"MADOGUCHI_TEST_DATABASE_URL", "MADOGUCHI_REDIS_URL"}}
    results = {}  # each pass's result
    checks = {}  # a missing service under CI=true
    # Browser modules marked second_pass move to the PostgreSQL pass when it runs (their demo
    # servers run on SQLite files of their own in either pass), so the two passes end together.
    passes = {"SQLite": Pass("SQLite pass (+ browser tests)", ["-m", "not postgres", *extra], base_env)}
    late_notes = []  # printed after the passes when there is no PostgreSQL pass to print them
    if reachable(PG_URL):
        pg = urlparse(PG_URL)
        url = pg._replace(path="/madoguchi").geturl()
        env = dict(base_env, MADOGUCHI_TEST_DATABASE_URL=url)
        notes = []
        if reachable(REDIS_URL, 6379):
            env["MADOGUCHI_REDIS_URL"] = REDIS_URL  # the Redis broker for every in-process test
            title = "PostgreSQL pass (Redis broker, two processes)"
        else:
            message = f"Redis is not reachable at {REDIS_URL}: the PostgreSQL pass cannot use the Redis broker."
            if IN_CI:
                notes.append(f"FAIL: CI=true and {message}")
                checks["Redis"] = 1
            else:
                notes.append(f"WARNING: {message} It runs with the in-process broker; "
                             "set MADOGUCHI_TEST_REDIS_URL.")
            title = "PostgreSQL pass (in-process broker: no Redis)"
        passes["SQLite"].args = ["-m", "not postgres and not second_pass", *extra]
        passes["PostgreSQL"] = Pass(f"{title} (+ browser tests marked second_pass)",
                                    ["-m", "(not browser and not dbfree and not sqlite_only) or second_pass",
                                     *extra], env, notes)
    else:
        message = f"PostgreSQL is not reachable at {PG_URL}: the PostgreSQL pass did not run."
        if IN_CI:
            late_notes.append(f"FAIL: CI=true and {message}")
            checks["PostgreSQL"] = 1
        else:
            late_notes.append(f"SKIPPED: {message} Set MADOGUCHI_TEST_PG_URL to run it.")

    together = len(passes) > 1 and not SEQUENTIAL
    if together:
        print(f"Running {' and '.join(p.title for p in passes.values())} at the same time; "
              "the PostgreSQL pass is printed when the SQLite pass has ended "
              "(MADOGUCHI_TEST_SEQUENTIAL=1: one after the other).", flush=True)
    try:
        if together:
            passes["PostgreSQL"].start(to_file=True)
        for name, one in passes.items():
            if one.process is None:
                one.start(to_file=False)
            if one.output is None:  # streamed: this pass's result, then the next one
                results[name] = one.result()
        for name, one in passes.items():
            if one.output is not None:
                one.process.wait()
                one.show()
                results[name] = one.result()
        results = {name: {**results, **checks}[name] for name in ("SQLite", "Redis", "PostgreSQL")
                   if name in results or name in checks}
    finally:
        for one in passes.values():
            one.stop()
    for note in late_notes:
        print(f"\n{note}", flush=True)
    print("\n===== summary =====")
    for name, code in results.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
