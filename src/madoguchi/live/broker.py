"""Live event broker: in-process by default, Redis pub/sub across processes.

Events are whole snapshots (``board``) or one-off notices (``call``) for one
office. Each carries an id that only grows, so an SSE client that reconnects
with ``Last-Event-ID`` gets what it missed from a short history.

Ids never go backwards, across processes and across restarts of the broker:
an id is ``max(previous id + 1, floor)`` where the floor is the wall clock in
milliseconds (and, with Redis, also past every id the publishing process has
seen). Redis without persistence forgets its counter when it restarts; the
floor carries the sequence on from the clock, so a display that stayed
connected through the restart does not mistake new events for old ones.
Ids are therefore increasing but not contiguous.

Publishing is synchronous and thread-safe (it runs in ``on_commit`` callbacks
and in the board publisher thread). Subscribing is asyncio: each process runs
one hub that fans events out to its open SSE streams, so 10,000 viewers cost
one Redis subscription, not 10,000.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    office: str
    id: int
    kind: str
    data: str  # JSON text

    @cached_property
    def wire(self) -> bytes:
        """The SSE bytes, encoded once and shared by every stream the event fans out to."""
        return f"id: {self.id}\nevent: {self.kind}\ndata: {self.data}\n\n".encode()

    def encode(self) -> str:
        return f"{self.id}\n{self.kind}\n{self.office}\n{self.data}"

    @classmethod
    def decode(cls, text: str) -> Event:
        id_, kind, office, data = text.split("\n", 3)
        return cls(office=office, id=int(id_), kind=kind, data=data)


def clock_floor() -> int:
    """The smallest id an event published now may take: the wall clock in milliseconds."""
    return int(time.time() * 1000)


Snapshot = Callable[[], Awaitable[Event]]


def _wake(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Subscription:
    """One SSE stream's inbox. When a client is too slow it drops the oldest
    board event (boards are full snapshots, so the newest one is enough) and
    keeps the call notices the lobby display chimes on.

    A deque and one waiter future rather than ``asyncio.Queue`` plus
    ``asyncio.wait_for``: the latter wraps every wait in a new Task, which at
    10,000 streams is most of the cost of fanning one event out.
    """

    def __init__(self, office: str, maxsize: int = 32):
        self.office = office
        self.maxsize = maxsize
        self.pending: collections.deque[Event] = collections.deque()
        self._waiter: asyncio.Future | None = None

    def offer(self, event: Event) -> None:
        """Runs in the hub's loop."""
        if len(self.pending) >= self.maxsize:
            # Drop the oldest board snapshot (a newer one follows); a call
            # notice is dropped only when nothing but calls is waiting.
            oldest_board = next((e for e in self.pending if e.kind == "board"), None)
            if oldest_board is not None:
                self.pending.remove(oldest_board)
            else:
                self.pending.popleft()
        self.pending.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self, timeout: float) -> Event | None:
        """The next event, or None after ``timeout`` seconds without one (heartbeat time)."""
        if not self.pending:
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            timer = loop.call_later(timeout, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        return self.pending.popleft() if self.pending else None


class Hub:
    """Per-process fan-out to the asyncio subscribers of one event loop.

    It also remembers, per office, how to publish the current board
    (``snapshot``, given by the SSE view), so that after a gap in the event
    stream (a lost Redis connection, a Redis restart) one fresh board per
    office and process reaches every open stream.
    """

    def __init__(self):
        self.loop: asyncio.AbstractEventLoop | None = None
        self.subscribers: dict[str, set[Subscription]] = collections.defaultdict(set)
        self.snapshots: dict[str, Snapshot] = {}
        self._resyncing: dict[str, asyncio.Task] = {}

    def attach(self, sub: Subscription, snapshot: Snapshot | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        self.subscribers[sub.office].add(sub)
        if snapshot is not None:
            self.snapshots[sub.office] = snapshot

    def offices(self) -> list[str]:
        """Offices with at least one open stream in this process."""
        return [office for office, subs in self.subscribers.items() if subs]

    def resync(self, office: str) -> None:
        """Publish the office's current board once (in the hub's loop); a no-op while one is on its way.

        The board goes out through the broker like any other, so every stream
        of every process gets it, with an id past everything sent before.
        """
        snapshot = self.snapshots.get(office)
        running = self._resyncing.get(office)
        if snapshot is None or (running is not None and not running.done()):
            return

        async def run():
            try:
                await snapshot()
            except Exception:
                log.warning("could not publish a fresh board for %s after a gap", office, exc_info=True)

        self._resyncing[office] = asyncio.get_running_loop().create_task(
            run(), context=contextvars.Context())

    def detach(self, sub: Subscription) -> None:
        subs = self.subscribers.get(sub.office)
        if subs is not None:
            subs.discard(sub)

    def dispatch(self, event: Event) -> None:
        """Runs in the hub's loop."""
        subs = self.subscribers.get(event.office)
        if subs:
            event.wire  # noqa: B018 (encode once, before the fan-out)
            for sub in list(subs):
                sub.offer(event)

    def dispatch_threadsafe(self, event: Event) -> None:
        loop = self.loop
        if loop is None or loop.is_closed() or not self.subscribers.get(event.office):
            return
        try:
            loop.call_soon_threadsafe(self.dispatch, event)
        except RuntimeError:  # loop closed between the check and the call
            pass

    def count(self) -> int:
        return sum(len(s) for s in self.subscribers.values())


class LocalBroker:
    """Single-process broker: history in memory, ids from the clock-floored counter."""

    def __init__(self, history: int):
        self.hub = Hub()
        self._lock = threading.Lock()
        self._last_id = 0
        self._history: dict[str, collections.deque[Event]] = collections.defaultdict(
            lambda: collections.deque(maxlen=history))

    def publish(self, office: str, kind: str, data: str) -> Event:
        with self._lock:
            # Never below the clock: a restarted process continues past the ids
            # the previous one handed out (its screens reconnect with them).
            self._last_id = max(self._last_id + 1, clock_floor())
            event = Event(office=office, id=self._last_id, kind=kind, data=data)
            self._history[office].append(event)
        self.hub.dispatch_threadsafe(event)
        return event

    async def subscribe(self, office: str, snapshot: Snapshot | None = None) -> Subscription:
        sub = Subscription(office)
        self.hub.attach(sub, snapshot)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self.hub.detach(sub)

    async def history(self, office: str) -> list[Event]:
        with self._lock:
            return list(self._history.get(office, ()))


_PUBLISH_LUA = """
-- KEYS: sequence, history list, channel. ARGV: body, history size, floor.
-- The id follows the last one and is never below the floor (the publisher's
-- clock in ms, past every id it has seen). Redis without persistence starts
-- INCR at 1 again after a restart; the floor carries the sequence on.
local id = redis.call('INCR', KEYS[1])
if id < tonumber(ARGV[3]) then
  id = tonumber(ARGV[3])
  redis.call('SET', KEYS[1], ARGV[3])
end
local msg = string.format('%d', id) .. '\\n' .. ARGV[1]
redis.call('RPUSH', KEYS[2], msg)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('PUBLISH', KEYS[3], msg)
return id
"""


class RedisBroker:
    """Cross-process broker. One Lua script assigns the id, appends to the
    office's history list and publishes, so every process sees one order.

    The listener (one pub/sub connection per process) knows of every
    reconnect: redis-py's own silent reconnects are switched off for it, and
    each ``psubscribe`` confirmation after the first one is a gap. After a gap
    it hands on what the history holds beyond the last id it saw and, when the
    history no longer reaches back to that id (Redis restarted, or more was
    published than it keeps), publishes a fresh board for each office with
    open streams.
    """

    prefix = "madoguchi:live:"
    retry_first = 0.2   # seconds before the first reconnect attempt, doubling ...
    retry_cap = 2.0     # ... up to this, so a restarted Redis is found again quickly
    ping_every = 10.0   # a quiet pub/sub connection is checked this often
    outage_pause = 1.0  # after a failed publish, publish locally this long before trying Redis again

    def __init__(self, url: str, history: int):
        import redis

        self.url = url
        self.history_size = history
        self.hub = Hub()
        # Bounded waits: publishing runs in request threads (on_commit) and in
        # the board publisher, which must not hang on an unreachable Redis.
        self._sync = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._script = self._sync.register_script(_PUBLISH_LUA)
        self._high = 0  # the highest id this process has published or received
        self._local_lock = threading.Lock()
        self._down_until = 0.0  # monotonic time before which publishing skips Redis
        self._last_seen: dict[str, int] = {}  # office -> newest id the listener handed on
        self._async = None
        self._pubsub_client = None
        self._listener: asyncio.Task | None = None
        self._ready: asyncio.Event | None = None
        self.gaps = 0  # reconnects of the listener (for tests and logs)

    def _keys(self, office: str) -> list[str]:
        return [f"{self.prefix}seq:{office}", f"{self.prefix}hist:{office}",
                f"{self.prefix}chan:{office}"]

    def _note(self, event_id: int) -> None:
        if event_id > self._high:
            self._high = event_id

    def publish(self, office: str, kind: str, data: str) -> Event:
        """Publish through Redis; while Redis is unreachable, to this process's own streams only.

        The fallback keeps a one-process office working through an outage
        (its lobby display still chimes); other processes' screens get a
        fresh board when their listener is back. Publishers do not wait on a
        dead Redis more than once a second (``outage_pause``).
        """
        import redis

        if time.monotonic() >= self._down_until:
            body = f"{kind}\n{office}\n{data}"
            floor = max(clock_floor(), self._high + 1)
            try:
                new_id = int(self._script(keys=self._keys(office),
                                          args=[body, self.history_size, floor]))
            except redis.RedisError as exc:
                self._down_until = time.monotonic() + self.outage_pause
                log.warning("Redis unreachable for live events (%s): this process's screens only", exc)
            else:
                self._note(new_id)
                return Event(office=office, id=new_id, kind=kind, data=data)
        with self._local_lock:
            new_id = max(clock_floor(), self._high + 1)
            self._note(new_id)
        event = Event(office=office, id=new_id, kind=kind, data=data)
        self.hub.dispatch_threadsafe(event)
        return event

    async def _ensure_listener(self) -> None:
        listener = self._listener
        if (listener is not None and not listener.done()
                and listener.get_loop() is asyncio.get_running_loop()):
            await self._ready.wait()
            return
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # New clients with each listener: asyncio connections belong to the loop
        # that opened them (a server has one loop; tests run several).
        timeouts = {"socket_connect_timeout": 2, "socket_timeout": 5}
        # One quick retry: a pooled connection may be left over from before a restart.
        self._async = aioredis.Redis.from_url(self.url, retry=Retry(NoBackoff(), 1), **timeouts)
        self._pubsub_client = aioredis.Redis.from_url(self.url, retry=Retry(NoBackoff(), 0), **timeouts)
        self._ready = asyncio.Event()
        # A fresh context: the task outlives the request that happened to start
        # it (and that request's thread for sync_to_async).
        self._listener = asyncio.get_running_loop().create_task(
            self._listen(), context=contextvars.Context())
        await self._ready.wait()

    async def _listen(self) -> None:
        delay = self.retry_first
        subscribed_before = False
        while True:
            pubsub = self._pubsub_client.pubsub()
            echoes: set[int] = set()  # ids handed on by a catch-up that pub/sub may bring again
            try:
                await pubsub.psubscribe(f"{self.prefix}chan:*")
                last_heard = time.monotonic()
                while True:
                    message = await pubsub.get_message(timeout=self.ping_every)
                    if message is None:
                        # A peer that vanished without closing the connection
                        # (network cut) would leave us waiting for ever.
                        if time.monotonic() - last_heard > 3 * self.ping_every:
                            raise ConnectionError("no answer from Redis to the listener's pings")
                        await pubsub.ping()
                        continue
                    last_heard = time.monotonic()
                    kind = message.get("type")
                    if kind == "psubscribe":
                        self._ready.set()
                        delay = self.retry_first
                        if subscribed_before:
                            self.gaps += 1
                            echoes = await self._after_gap()
                        subscribed_before = True
                    elif kind == "pmessage":
                        self._receive(message["data"], echoes)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Redis live listener lost its connection (%s); retrying in %.1fs",
                            exc, delay)
                self._ready.set()  # let streams run on heartbeats meanwhile
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_cap)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _receive(self, raw: bytes, echoes: set[int]) -> None:
        try:
            event = Event.decode(raw.decode())
        except Exception:  # a bad message must not end the stream for all
            log.exception("undecodable live event")
            return
        if event.id in echoes:
            echoes.discard(event.id)
            return
        last = self._last_seen.get(event.office)
        self._last_seen[event.office] = event.id
        self._note(event.id)
        self.hub.dispatch(event)
        if last is not None and event.id < last:
            # The sequence went backwards (a publisher without the clock floor,
            # a clock stepped back across a restart): streams take the new
            # sequence; a fresh board makes sure they show the present.
            log.warning("live event ids for %s went back from %d to %d", event.office, last, event.id)
            self.hub.resync(event.office)

    async def _after_gap(self) -> set[int]:
        """Hand on what was published while the listener was cut off; resync where that is unknown."""
        echoes: set[int] = set()
        for office in self.hub.offices():
            last = self._last_seen.get(office)
            try:
                history = await self.history(office)
            except Exception:
                log.warning("could not read the live history of %s after a gap", office, exc_info=True)
                history = []
            if last is not None:
                for event in history:
                    if event.id > last:
                        echoes.add(event.id)
                        self._last_seen[office] = event.id
                        self._note(event.id)
                        self.hub.dispatch(event)
            if last is None or last not in {e.id for e in history}:
                # Redis restarted (its history is gone) or trimmed past our
                # last id: what happened meanwhile is unknown; show the present.
                self.hub.resync(office)
        return echoes

    async def subscribe(self, office: str, snapshot: Snapshot | None = None) -> Subscription:
        sub = Subscription(office)
        self.hub.attach(sub, snapshot)
        await self._ensure_listener()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self.hub.detach(sub)

    async def history(self, office: str) -> list[Event]:
        await self._ensure_listener()
        raw = await self._async.lrange(self._keys(office)[1], 0, -1)
        events = [Event.decode(r.decode()) for r in raw]
        if events:
            self._note(events[-1].id)
            # A stream's first events come from here: a later gap is measured from them.
            self._last_seen.setdefault(office, events[-1].id)
        return events


_broker = None
_broker_lock = threading.Lock()


def get_broker():
    global _broker
    if _broker is None:
        with _broker_lock:
            if _broker is None:
                if settings.REDIS_URL:
                    _broker = RedisBroker(settings.REDIS_URL, settings.LIVE_REPLAY)
                else:
                    _broker = LocalBroker(settings.LIVE_REPLAY)
    return _broker


def reset_broker() -> None:
    """For tests that switch between brokers."""
    global _broker
    _broker = None
