"""After-commit hooks: how other apps learn what happened in the queue.

The queue imports no capability app (zones, notices, opendata, cases, forms …).
They subscribe here from their ``AppConfig.ready()``::

    from madoguchi.queueing import hooks

    hooks.subscribe("called", on_called)          # one kind
    hooks.subscribe(hooks.ALL, on_any_change)     # every kind

A subscriber is called once per event, after the transaction that made the
change commits (never for a rolled-back change), in the committing thread. It
receives a ``QueueEvent``; it must not raise into the queue: an exception is
logged and the other subscribers still run. Work that is slow or talks to the
network belongs on a queue or thread of the subscriber's own.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

log = logging.getLogger(__name__)

ALL = "*"
# Ticket transitions (one per TicketEvent kind that other apps act on) and counter changes.
ISSUED = "issued"
CALLED = "called"
RECALLED = "recalled"
HELD = "held"
RESUMED = "resumed"
ROUTED = "routed"  # moved to another category keeping its place (回送, floor moves, cases)
FINISHED = "finished"
NO_SHOW = "no_show"
REINSTATED = "reinstated"
CANCELLED = "cancelled"
COUNTER_OPENED = "counter_opened"
COUNTER_PAUSED = "counter_paused"
COUNTER_CHANGED = "counter_changed"  # categories served or their order
CATEGORY_CHANGED = "category_changed"  # issuing paused/resumed, names, ranges
KINDS = (ISSUED, CALLED, RECALLED, HELD, RESUMED, ROUTED, FINISHED, NO_SHOW, REINSTATED,
         CANCELLED, COUNTER_OPENED, COUNTER_PAUSED, COUNTER_CHANGED, CATEGORY_CHANGED)


@dataclass(frozen=True)
class QueueEvent:
    kind: str
    office_id: int
    ticket_id: str | None = None  # the ticket's public id
    number: int | None = None
    category_id: int | None = None  # after the change
    counter_id: int | None = None
    event_id: int | None = None  # the TicketEvent / CounterEvent row
    ref: str | None = None  # what the change was made for, e.g. "case:123"
    actor_user_id: int | None = None
    actor_token_id: int | None = None
    extra: dict = field(default_factory=dict)


Subscriber = Callable[[QueueEvent], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(kind: str, fn: Subscriber) -> None:
    """Register ``fn`` for one kind (or ``ALL``); registering the same function twice is a no-op."""
    if kind != ALL and kind not in KINDS:
        raise ValueError(f"unknown queue event kind: {kind}")
    if fn not in _subscribers[kind]:
        _subscribers[kind].append(fn)


def unsubscribe(kind: str, fn: Subscriber) -> None:
    if fn in _subscribers.get(kind, ()):
        _subscribers[kind].remove(fn)


def emit(event: QueueEvent) -> None:
    """Deliver ``event`` to its subscribers once the current transaction commits."""
    if event.kind not in KINDS:
        raise ValueError(f"unknown queue event kind: {event.kind}")
    transaction.on_commit(lambda: _deliver(event))


def _deliver(event: QueueEvent) -> None:
    for fn in [*_subscribers.get(event.kind, ()), *_subscribers.get(ALL, ())]:
        try:
            fn(event)
        except Exception:  # one subscriber's fault must not undo or block the queue
            log.exception("queue hook %r failed for %s", fn, event.kind)
