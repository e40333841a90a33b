"""Server-Sent Events streaming: replay, heartbeat and anti-buffering headers.

The stream loop only reads from the broker; it never touches the ORM (it runs
in the event loop, and 10,000 streams must not hold 10,000 connections).
Once the first events are out, the stream also closes the database
connection its request used (the view's own lookup, a first snapshot):
Django keeps a request's connection until the request ends, and a stream's
request ends only when the viewer leaves.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import StreamingHttpResponse

from .broker import Event, Snapshot, get_broker

log = logging.getLogger(__name__)


def parse_last_event_id(request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


async def initial_events(office: str, last_id: int | None, snapshot: Snapshot) -> list[Event]:
    """What a (re)connecting client needs: the missed events, or else the latest snapshot."""
    try:
        history = await get_broker().history(office)
    except Exception:  # Redis unreachable: a board made now still reaches this process's streams
        log.warning("no live history for %s", office, exc_info=True)
        history = []
    # Ids grow but are not contiguous (they follow the clock), so the history
    # can replay only from an id it still holds. Any other id (older than the
    # history, or from before a restart of the broker) gets the latest board,
    # like a new client.
    if last_id is not None:
        for position, event in enumerate(history):
            if event.id == last_id:
                return history[position + 1:]
    boards = [e for e in history if e.kind == "board"]
    if boards:
        return [boards[-1]]
    return [await snapshot()]


def _release_database() -> None:
    """Close this request thread's connections (never one inside a transaction, e.g. in tests)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


HEARTBEAT = b": heartbeat\n\n"


def sse_response(office: str, last_id: int | None, snapshot: Snapshot) -> StreamingHttpResponse:
    """The stream: a replay or the current board, then live events, with heartbeats.

    The heartbeat does not depend on Redis or the database: it goes out
    whenever nothing was written for ``LIVE_HEARTBEAT_SECONDS``, also while the
    first events are still being fetched (a Redis outage makes that slow or
    fail) and while the inbox brings only events the stream skips.
    """
    broker = get_broker()
    heartbeat = settings.LIVE_HEARTBEAT_SECONDS

    async def first_events() -> list[Event]:
        try:
            events = await initial_events(office, last_id, snapshot)
        except Exception:
            # Redis is unreachable: the stream runs on heartbeats; when the
            # broker's listener reconnects it publishes a fresh board.
            log.warning("no first events for a stream of %s", office, exc_info=True)
            events = []
        await sync_to_async(_release_database)()
        return events

    async def fresh_board() -> Event:
        """For the broker after a gap: publish the current board, outside any request."""
        event = await snapshot()
        await sync_to_async(_release_database)()
        return event

    async def stream() -> AsyncIterator[bytes]:
        yield f"retry: 3000\n: {' ' * 2048}\n\n".encode()  # defeat proxy buffers
        last_write = time.monotonic()
        sub = await broker.subscribe(office, fresh_board)  # before the replay, so nothing falls between
        pending = None
        try:
            pending = asyncio.ensure_future(first_events())
            while not pending.done():
                await asyncio.wait({pending}, timeout=max(0.0, last_write + heartbeat - time.monotonic()))
                if not pending.done() and time.monotonic() - last_write >= heartbeat:
                    yield HEARTBEAT
                    last_write = time.monotonic()
            # ``low``..``sent``: the ids this client has (sent by this stream,
            # or up to its Last-Event-ID when the stream continues from it).
            # An id in that range comes again only as a duplicate (the replay
            # overlaps the inbox); an id below it means the sequence
            # restarted, and is sent.
            first = pending.result()
            low = sent = None
            if last_id is not None and all(e.id > last_id for e in first):
                low = sent = last_id
            for event in first:
                low = event.id if low is None else min(low, event.id)
                sent = event.id if sent is None else max(sent, event.id)
                yield event.wire
                last_write = time.monotonic()
            while True:
                wait = max(0.0, last_write + heartbeat - time.monotonic())
                event = await sub.get(wait) if wait > 0 else None
                if event is not None:
                    if sent is not None and low <= event.id <= sent:
                        event = None  # already sent
                    else:
                        if sent is None or event.id < low:
                            low = event.id  # first event, or a restarted sequence
                        sent = event.id
                        yield event.wire
                        last_write = time.monotonic()
                if time.monotonic() - last_write >= heartbeat:
                    yield HEARTBEAT
                    last_write = time.monotonic()
        finally:
            broker.unsubscribe(sub)
            if pending is not None and not pending.done():
                pending.cancel()

    response = StreamingHttpResponse(stream(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
