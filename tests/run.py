#!/usr/bin/env python3
"""Run the whole suite: a SQLite pass, then a PostgreSQL pass (with Redis).

Usage: python tests/run.py [extra pytest args]

The SQLite pass uses the in-process live-event broker; the PostgreSQL pass
uses the Redis broker (``MADOGUCHI_REDIS_URL`` = the test Redis,
``MADOGUCHI_TEST_REDIS_URL``), as a city running several processes does.
Without PostgreSQL the second pass is skipped with a clear message, and
without Redis it runs with the in-process broker; under CI=true either
fails the run instead. pytest's exit code 5 (no tests collected) fails.
"""

import os
import socket
import subprocess
import sys
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("MADOGUCHI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("MADOGUCHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable(url: str, default_port: int = 5432) -> bool:
    p = urlparse(url)
    try:
        with socket.create_connection((p.hostname or "127.0.0.1", p.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def run(title: str, args: list[str], env: dict) -> int:
    print(f"\n===== {title} =====", flush=True)
    code = subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)
    if code == 5:
        print(f"{title}: no tests were collected — failing.", flush=True)
        return 1
    return code


def main() -> int:
    extra = sys.argv[1:]
    base_env = {k: v for k, v in os.environ.items()
                if k not in {"MADOGUCHI_TEST_DATABASE_URL", "MADOGUCHI_REDIS_URL"}}
    results = {}
    results["SQLite"] = run("SQLite pass (+ browser tests)", ["-m", "not postgres", *extra], base_env)
    if reachable(PG_URL):
        pg = urlparse(PG_URL)
        url = pg._replace(path="/madoguchi").geturl()
        env = dict(base_env, MADOGUCHI_TEST_DATABASE_URL=url)
        if reachable(REDIS_URL, 6379):
            env["MADOGUCHI_REDIS_URL"] = REDIS_URL  # the Redis broker for every in-process test
            title = "PostgreSQL pass (Redis broker, two processes)"
        else:
            message = f"Redis is not reachable at {REDIS_URL}: the PostgreSQL pass cannot use the Redis broker."
            if IN_CI:
                print(f"\nFAIL: CI=true and {message}", flush=True)
                results["Redis"] = 1
            else:
                print(f"\nWARNING: {message} It runs with the in-process broker; "
                      "set MADOGUCHI_TEST_REDIS_URL.", flush=True)
            title = "PostgreSQL pass (in-process broker: no Redis)"
        results["PostgreSQL"] = run(title, ["-m", "not browser and not dbfree", *extra], env)
    else:
        message = f"PostgreSQL is not reachable at {PG_URL}: the PostgreSQL pass did not run."
        if IN_CI:
            print(f"\nFAIL: CI=true and {message}", flush=True)
            results["PostgreSQL"] = 1
        else:
            print(f"\nSKIPPED: {message} Set MADOGUCHI_TEST_PG_URL to run it.", flush=True)
    print("\n===== summary =====")
    for name, code in results.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
