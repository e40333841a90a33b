"""The notices outbox worker: drains queued ``NoticeDelivery`` rows outside any request.

Runs as a daemon thread in the web process (started when the first notice is
enqueued, like the live board publisher) unless ``MADOGUCHI_NOTICES_WORKER=off``,
and as ``madoguchi manage notices_worker`` on its own. Several workers may run
at once: claims are row-locked (PostgreSQL) or serialised (SQLite).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from . import delivery as sender
from .services import delivery_claim, delivery_record, notice_purge_stale

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=60)
PURGE_EVERY = 600.0


class NoticeWorker:
    def __init__(self, *, batch: int = 20, poll_seconds: float = 1.0):
        self.batch = batch
        self.poll_seconds = poll_seconds
        self._wakeup = threading.Event()
        self._stop = threading.Event()
        self._next_purge = 0.0
        self.processed = 0

    def run_once(self) -> int:
        """Send every delivery that was due when the round began. Returns how many were attempted."""
        from django.utils import timezone

        started = timezone.now()
        done = 0
        while True:
            batch = delivery_claim(limit=self.batch, lease=LEASE, due_by=started)
            if not batch:
                break
            for item in batch:
                try:
                    outcome, error, retry_after = sender.send(item)
                except Exception as exc:  # a bug must not kill the worker; the row records it
                    log.exception("notice %s could not be sent", item.pk)
                    outcome, error, retry_after = "retry", f"{type(exc).__name__}: {exc}", None
                delivery_record(delivery=item, outcome=outcome, error=error, retry_after=retry_after)
                done += 1
        self.processed += done
        return done

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stop.set()
        self._wakeup.set()

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self._wakeup.clear()
            try:
                close_old_connections()
                self.run_once()
                if time.monotonic() >= self._next_purge:
                    notice_purge_stale()
                    self._next_purge = time.monotonic() + PURGE_EVERY
            except Exception:  # the database may be briefly away: keep going
                log.exception("notices worker round failed")
                self._stop.wait(self.poll_seconds)
            self._wakeup.wait(self.poll_seconds)


_worker: NoticeWorker | None = None
_thread: threading.Thread | None = None
_lock = threading.Lock()


def wake() -> None:
    """A delivery was enqueued: make the in-process worker look now (starting it if needed)."""
    global _worker, _thread
    if settings.NOTICES_WORKER != "thread":
        return
    with _lock:
        if _worker is None:
            _worker = NoticeWorker()
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_worker.run_forever, name="madoguchi-notices-worker",
                                       daemon=True)
            _thread.start()
    _worker.wake()


def stop_thread(timeout: float = 5.0) -> None:
    """Stop the in-process worker (tests)."""
    global _worker, _thread
    with _lock:
        worker, thread = _worker, _thread
        _worker = _thread = None
    if worker is not None:
        worker.stop()
    if thread is not None:
        thread.join(timeout)
