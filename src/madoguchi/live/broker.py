"""Live event broker: in-process by default, Redis pub/sub across processes.

Events are whole snapshots (``board``) or one-off notices (``call``) for one
office. Each carries an id that only grows, so an SSE client that reconnects
with ``Last-Event-ID`` gets what it missed from a short history.

Publishing is synchronous and thread-safe (it runs in ``on_commit`` callbacks
and in the board publisher thread). Subscribing is asyncio: each process runs
one hub that fans events out to its open SSE streams, so 10,000 viewers cost
one Redis subscription, not 10,000.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
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
    """Per-process fan-out to the asyncio subscribers of one event loop."""

    def __init__(self):
        self.loop: asyncio.AbstractEventLoop | None = None
        self.subscribers: dict[str, set[Subscription]] = collections.defaultdict(set)

    def attach(self, sub: Subscription) -> None:
        self.loop = asyncio.get_running_loop()
        self.subscribers[sub.office].add(sub)

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
    """Single-process broker: history in memory, ids from a monotonic counter."""

    def __init__(self, history: int):
        self.hub = Hub()
        self._lock = threading.Lock()
        # Start from the wall clock in ms so ids keep growing across restarts.
        self._next_id = int(time.time() * 1000)
        self._history: dict[str, collections.deque[Event]] = collections.defaultdict(
            lambda: collections.deque(maxlen=history))

    def publish(self, office: str, kind: str, data: str) -> Event:
        with self._lock:
            self._next_id += 1
            event = Event(office=office, id=self._next_id, kind=kind, data=data)
            self._history[office].append(event)
        self.hub.dispatch_threadsafe(event)
        return event

    async def subscribe(self, office: str) -> Subscription:
        sub = Subscription(office)
        self.hub.attach(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self.hub.detach(sub)

    async def history(self, office: str) -> list[Event]:
        with self._lock:
            return list(self._history.get(office, ()))


_PUBLISH_LUA = """
local id = redis.call('INCR', KEYS[1])
local msg = id .. '\\n' .. ARGV[1]
redis.call('RPUSH', KEYS[2], msg)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('PUBLISH', KEYS[3], msg)
return id
"""


class RedisBroker:
    """Cross-process broker. One Lua script assigns the id, appends to the
    office's history list and publishes, so every process sees one order."""

    prefix = "madoguchi:live:"

    def __init__(self, url: str, history: int):
        import redis

        self.url = url
        self.history_size = history
        self.hub = Hub()
        self._sync = redis.Redis.from_url(url)
        self._script = self._sync.register_script(_PUBLISH_LUA)
        self._async = None
        self._listener: asyncio.Task | None = None
        self._ready: asyncio.Event | None = None

    def _keys(self, office: str) -> list[str]:
        return [f"{self.prefix}seq:{office}", f"{self.prefix}hist:{office}",
                f"{self.prefix}chan:{office}"]

    def publish(self, office: str, kind: str, data: str) -> Event:
        body = f"{kind}\n{office}\n{data}"
        new_id = int(self._script(keys=self._keys(office), args=[body, self.history_size]))
        return Event(office=office, id=new_id, kind=kind, data=data)

    async def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.done():
            await self._ready.wait()
            return
        import redis.asyncio as aioredis

        self._async = aioredis.Redis.from_url(self.url)
        self._ready = asyncio.Event()
        self._listener = asyncio.get_running_loop().create_task(self._listen())
        await self._ready.wait()

    async def _listen(self) -> None:
        delay = 0.5
        last_seen: dict[str, int] = {}  # office -> newest id dispatched by this process
        while True:
            try:
                pubsub = self._async.pubsub(ignore_subscribe_messages=True)
                await pubsub.psubscribe(f"{self.prefix}chan:*")
                self._ready.set()
                delay = 0.5
                # After a lost connection, what was published meanwhile is in
                # the history: hand it on, so displays do not stay stale (and
                # no call chime is skipped). Streams drop ids they already sent.
                await self._catch_up(last_seen)
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    try:
                        event = Event.decode(message["data"].decode())
                    except Exception:  # a bad message must not end the stream for all
                        log.exception("undecodable live event")
                        continue
                    last_seen[event.office] = max(last_seen.get(event.office, 0), event.id)
                    self.hub.dispatch(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Redis live listener lost its connection; retrying in %.1fs", delay)
                self._ready.set()  # let streams run on heartbeats meanwhile
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def _catch_up(self, last_seen: dict[str, int]) -> None:
        for office in [o for o, subs in self.hub.subscribers.items() if subs and o in last_seen]:
            for event in await self.history(office):
                if event.id > last_seen[office]:
                    last_seen[office] = event.id
                    self.hub.dispatch(event)

    async def subscribe(self, office: str) -> Subscription:
        sub = Subscription(office)
        self.hub.attach(sub)
        await self._ensure_listener()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self.hub.detach(sub)

    async def history(self, office: str) -> list[Event]:
        if self._async is None:
            await self._ensure_listener()
        raw = await self._async.lrange(self._keys(office)[1], 0, -1)
        return [Event.decode(r.decode()) for r in raw]


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
