"""Refits this server process has started in the background and not yet seen end.

``madoguchi demo`` fits the offices' 混雑予想 after the screens are up (cli._demo_history runs
``manage demo_history --refit`` in a process of its own, about a minute for the demo's year), so
for that minute an office has a history but no forecast yet. The calendar page asks ``pending``
to say 「計算しています」 (and to reload itself) instead of 「まだありません」, which would be
untrue. The demo serves its pages from the process that started the refit (one worker); the
nightly ``forecast_refit`` of an installation replaces forecasts that are already there, so the
page never needs to wait for it.
"""

from __future__ import annotations

import threading

_pending: set[str] = set()
_lock = threading.Lock()


def started(office_codes) -> None:
    """The forecasts of these offices are being computed now."""
    with _lock:
        _pending.update(office_codes)


def finished(office_codes) -> None:
    """Their refit ended (stored, or failed: the page then says there is none)."""
    with _lock:
        _pending.difference_update(office_codes)


def pending(office_code: str) -> bool:
    with _lock:
        return office_code in _pending
