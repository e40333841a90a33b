"""Publish after commit, and coalesce snapshot work.

A burst of 50 ticket transitions in one office should cost one board
computation, not 50. ``Coalescer.mark`` is cheap and thread-safe; a daemon
thread computes and publishes each dirty key once per round. With
``MADOGUCHI_LIVE_INLINE`` (tests) the work runs in the committing thread.
"""

import logging
import threading
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
            self._work(key)
        except Exception:
            log.exception("live publisher %s failed for %r", self._name, key)

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._dirty:
                    self._cv.wait()
                keys, self._dirty = self._dirty, set()
            close_old_connections()
            for key in keys:
                self._run_one(key)


def publish_on_commit(office: str, kind: str, data: str) -> None:
    """Publish a ready-made event once the surrounding transaction commits."""
    transaction.on_commit(lambda: get_broker().publish(office, kind, data), robust=True)


def mark_on_commit(coalescer: Coalescer, key) -> None:
    transaction.on_commit(lambda: coalescer.mark(key), robust=True)
