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

# Not a change but its consequence: a fresh board snapshot of an office was published to the
# live screens (coalesced: one per burst of changes). Delivered at once in the live publisher's
# thread, with ``extra={"board": <the snapshot>, "office_code": …}``; ``ALL`` subscribers do
# not receive it. The zones app forwards the office's anonymous state from here; the notices
# evaluate their subscriptions.
BOARD_PUBLISHED = "board_published"


def subscribe_board(fn: Subscriber) -> None:
    """Register ``fn`` for every board published (see ``BOARD_PUBLISHED``)."""
    if fn not in _subscribers[BOARD_PUBLISHED]:
        _subscribers[BOARD_PUBLISHED].append(fn)


def board_published(office_id: int, office_code: str, board: dict) -> None:
    """Tell the board's subscribers now (called by queueing/live.py after publishing)."""
    event = QueueEvent(kind=BOARD_PUBLISHED, office_id=office_id,
                       extra={"board": board, "office_code": office_code})
    for fn in list(_subscribers.get(BOARD_PUBLISHED, ())):
        try:
            fn(event)
        except Exception:  # a subscriber's fault must not stop the live screens
            log.exception("board hook %r failed for office %s", fn, office_code)


def subscribe(kind: str, fn: Subscriber) -> None:
    """Register ``fn`` for one kind (or ``ALL``); registering the same function twice is a no-op."""
    if kind != ALL and kind not in KINDS:
        raise ValueError(f"unknown queue event kind: {kind}")
    if fn not in _subscribers[kind]:
        _subscribers[kind].append(fn)


def subscribers(kind: str) -> list[Subscriber]:
    """Who is subscribed to ``kind`` (for tests and the docs)."""
    return list(_subscribers.get(kind, ()))


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


# Parts other apps add to the citizen's ticket page (a template name each), below the state.
# Each is included with the page's context (``ticket_id``, ``status``, ``office``) while the
# ticket is active; once it has ended (done, no-show, cancelled, expired) the parts go, also
# from a page left open (ticket.js removes ``[data-ticket-part]`` elements).
_ticket_page_parts: list[str] = []


def add_ticket_page_part(template_name: str) -> None:
    if template_name not in _ticket_page_parts:
        _ticket_page_parts.append(template_name)


def ticket_page_parts() -> list[str]:
    return list(_ticket_page_parts)


# Parts other apps add to the counter screen's panel (a template name each), after the called
# ticket. Each is included with the panel's context (``office``, ``counter``, ``queue`` whose
# ``current`` is the called ticket or None, ``request``) every time the panel is drawn, so a
# part follows the called ticket (the cases app shows the visitor's one-stop case there).
_counter_panel_parts: list[str] = []


def add_counter_panel_part(template_name: str) -> None:
    if template_name not in _counter_panel_parts:
        _counter_panel_parts.append(template_name)


def counter_panel_parts() -> list[str]:
    return list(_counter_panel_parts)
