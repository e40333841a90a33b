"""Publish after commit, and coalesce snapshot work.

A burst of 50 ticket transitions in one office should cost one board
computation, not 50. ``Coalescer.mark`` is cheap and thread-safe; a daemon
thread computes and publishes each dirty key once per round. With
``MADOGUCHI_LIVE_INLINE`` (tests) the work runs in the committing thread.
"""

import contextlib
import logging
import threading
import time
import zlib
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, transaction

from .broker import get_broker

log = logging.getLogger(__name__)


class Coalescer:
    def __init__(self, work: Callable[[object], None], name: str):
        self._work = work
        self._name = name
        self._dirty: set = set()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._serial = threading.Lock()  # inline mode: committing threads take turns

    def mark(self, key) -> None:
        if getattr(settings, "LIVE_INLINE", False):
            self._run_one(key)
            return
        with self._cv:
            self._dirty.add(key)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cv.notify()

    def _run_one(self, key) -> None:
        try:
            with self._serial, _one_publisher_at_a_time(self._name, key):
                self._work(key)
        except Exception:
            log.exception("live publisher %s failed for %r", self._name, key)

    def _loop(self) -> None:
        # At most one snapshot per office per interval: under a burst of commits
        # the publisher would otherwise recompute boards back to back and take
        # the CPU the requests need (docs/benchmarks.md). The first change after
        # a quiet spell is published at once.
        interval = getattr(settings, "LIVE_MIN_INTERVAL_SECONDS", 0.0)
        last_run = 0.0
        while True:
            with self._cv:
                while not self._dirty:
                    self._cv.wait()
            wait = last_run + interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            with self._cv:
                keys, self._dirty = self._dirty, set()
            last_run = time.monotonic()
            close_old_connections()
            for key in keys:
                self._run_one(key)


@contextlib.contextmanager
def _one_publisher_at_a_time(name: str, key):
    """Read and publish a snapshot while no other process does the same.

    Ids are assigned when an event is published, not when its snapshot is
    read. Two processes (sharing Redis) could otherwise publish a snapshot read
    before the other's commit *after* the other's fresher one, and every
    display would keep the stale board until the next change. A database lock
    (PostgreSQL: an advisory lock; SQLite: the IMMEDIATE write lock) makes the
    later publisher read after the earlier one has published. One process has
    one publisher thread (or ``_serial`` in inline mode), so it needs none.
    """
    if not settings.REDIS_URL:
        yield
        return
    with transaction.atomic():
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            lock_id = zlib.crc32(f"{name}:{key!r}".encode()) - 2**31
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
        yield


def publish_on_commit(office: str, kind: str, data: str) -> None:
    """Publish a ready-made event once the surrounding transaction commits."""
    transaction.on_commit(lambda: get_broker().publish(office, kind, data), robust=True)


def mark_on_commit(coalescer: Coalescer, key) -> None:
    transaction.on_commit(lambda: coalescer.mark(key), robust=True)
