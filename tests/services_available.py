"""Real services for tests: PostgreSQL, Redis, Debian chromium.

On a developer's machine a missing service skips the tests that need it, with
the reason printed in pytest's summary (-ra). Under CI=true a missing service
fails those tests instead: CI must never pass by skipping.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

PG_URL = os.environ.get("MADOGUCHI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("MADOGUCHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("MADOGUCHI_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def missing(reason: str):
    """Fail under CI=true; skip (with the reason in pytest's summary) only on a developer's machine."""
    if not IN_CI:
        pytest.skip(reason)
    pytest.fail(f"CI=true and {reason}", pytrace=False)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> str:
    if not _reachable(PG_URL, 5432):
        missing(f"PostgreSQL is not reachable at {PG_URL} (set MADOGUCHI_TEST_PG_URL)")
    return PG_URL


def require_redis() -> str:
    if not _reachable(REDIS_URL, 6379):
        missing(f"Redis is not reachable at {REDIS_URL} (set MADOGUCHI_TEST_REDIS_URL)")
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        missing(f"Redis at {REDIS_URL} does not answer: {exc}")
    return REDIS_URL


def require_chromium() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        missing(f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("the playwright Python package is not installed (pip install -e '.[test]')")
    return CHROMIUM
