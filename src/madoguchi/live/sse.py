"""Server-Sent Events streaming: replay, heartbeat and anti-buffering headers.

The stream loop only reads from the broker; it never touches the ORM (it runs
in the event loop, and 10,000 streams must not hold 10,000 connections).
Once the first events are out, the stream also closes the database
connection its request used (the view's own lookup, a first snapshot):
Django keeps a request's connection until the request ends, and a stream's
request ends only when the viewer leaves.
"""

from collections.abc import AsyncIterator, Awaitable, Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import StreamingHttpResponse

from .broker import Event, get_broker


def parse_last_event_id(request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


async def initial_events(office: str, last_id: int | None,
                         snapshot: Callable[[], Awaitable[Event]]) -> list[Event]:
    """What a (re)connecting client needs: the missed events, or else the latest snapshot."""
    history = await get_broker().history(office)
    # Replay only when the client's id lies inside the history. An id beyond
    # its end means ids restarted (Redis without persistence, a broker
    # switch): the client gets the latest board like a new one.
    if last_id is not None and history and history[0].id <= last_id + 1 <= history[-1].id + 1:
        return [e for e in history if e.id > last_id]
    boards = [e for e in history if e.kind == "board"]
    if boards:
        return [boards[-1]]
    return [await snapshot()]


def _release_database() -> None:
    """Close this request thread's connections (never one inside a transaction, e.g. in tests)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


def sse_response(office: str, last_id: int | None,
                 snapshot: Callable[[], Awaitable[Event]]) -> StreamingHttpResponse:
    broker = get_broker()

    async def stream() -> AsyncIterator[bytes]:
        sub = await broker.subscribe(office)  # before the replay, so nothing falls between
        try:
            sent = -1
            yield f"retry: 3000\n: {' ' * 2048}\n\n".encode()  # defeat proxy buffers
            for event in await initial_events(office, last_id, snapshot):
                sent = max(sent, event.id)
                yield event.wire
            await sync_to_async(_release_database)()
            heartbeat = settings.LIVE_HEARTBEAT_SECONDS
            while True:
                event = await sub.get(heartbeat)
                if event is None:
                    yield b": heartbeat\n\n"
                    continue
                if event.id <= sent:
                    continue
                sent = event.id
                yield event.wire
        finally:
            broker.unsubscribe(sub)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
