"""Test settings: the suite runs on SQLite unless MADOGUCHI_TEST_DATABASE_URL is set."""

import os
import tempfile

os.environ.setdefault("MADOGUCHI_SECRET_KEY", "test-secret-key-only-for-the-test-suite")
os.environ.setdefault("MADOGUCHI_SQLITE_PATH", os.path.join(tempfile.gettempdir(), "madoguchi-unused.sqlite3"))
# The concurrency tests run 20 threads at once, each holding a connection.
os.environ.setdefault("MADOGUCHI_DB_POOL_MAX_SIZE", "32")
if os.environ.get("MADOGUCHI_TEST_DATABASE_URL"):
    os.environ["MADOGUCHI_DATABASE_URL"] = os.environ["MADOGUCHI_TEST_DATABASE_URL"]

from .base import *  # noqa: E402,F403
from .base import DATABASES  # noqa: E402

# A file, not memory: concurrency tests open several connections at once.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"madoguchi-test-{os.getpid()}.sqlite3")
    }
else:
    # Several developers (or CI jobs) may share one PostgreSQL server.
    suffix = os.environ.get("MADOGUCHI_TEST_DB_SUFFIX", "")
    DATABASES["default"]["TEST"] = {"NAME": f"test_madoguchi{'_' + suffix if suffix else ''}"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
# Publish board snapshots in the committing thread: deterministic in tests.
LIVE_INLINE = True
# The suite sends thousands of requests from 127.0.0.1 with the same demo tokens: the limits
# apply only where a test sets them (tests/core/test_throttle.py), counted in this process.
THROTTLE = {"issue": {"device": "100000/m", "address": "100000/m"},
            "notices": {"device": "100000/m", "address": "100000/m"},
            "reserve": {"address": "100000/m"}}
# Small proofs of work: the tests solve hundreds of challenges.
ALTCHA_MAX_NUMBER = 200
SSE_MAX_STREAMS_PER_ADDRESS = 100000
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
          "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                       "LOCATION": "madoguchi-throttle-test"}}
