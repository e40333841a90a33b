"""Throttling: login lock-out, issuing and notice sign-up rates, open live streams.

Three kinds of limit, each answering 429 ``rate_limited`` with a Japanese message and a
``Retry-After`` header (JSON on the API, the site's page or the kiosk's fragment elsewhere):

- **Log-in**: django-axes locks a user name at one address out after
  ``MADOGUCHI_LOGIN_FAILURE_LIMIT`` wrong passwords for ``MADOGUCHI_LOGIN_LOCKOUT_MINUTES``
  (settings/base.py); :func:`login_locked_out` is its answer.
- **Rates** (:func:`limit`): a decorator on the views that issue tickets and sign up for notices.
  It counts per device (the kiosk's or program's token, the clerk, or the ticket a notice is for)
  and per client address in fixed windows with django-ratelimit, in the ``throttle`` cache:
  Redis when ``MADOGUCHI_REDIS_URL`` is set (every server process shares the count), else this
  process's memory. If the store fails, requests pass: throttling must never stop a counter.
- **Streams** (:func:`limit_streams`): live streams open at once per address, counted in this
  process (a stream holds a connection, not a request rate).

The limits are generous on purpose: a busy kiosk issues one ticket every few seconds at most,
and one address (a city's NAT, a phone carrier) may stand for many citizens.
"""

from __future__ import annotations

import functools
import inspect
import ipaddress
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.utils.translation import gettext_lazy
from django_ratelimit.core import get_usage

from .errorpages import error_response
from .errors import ServiceError

log = logging.getLogger(__name__)
T = TypeVar("T")

LOGIN_MESSAGE = gettext_lazy(
    "ログインに続けて失敗したため、このアカウントはしばらくログインできません。"
    "%(minutes)s分ほど待ってからもう一度お試しください。急ぐ場合は管理者に解除を依頼してください。")


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"
    message = "短い時間に操作が集中したため、受付を一時的に止めています。"

    def __init__(self, retry_after: int, limit: str):
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail={"retry_after": self.retry_after, "limit": limit})


def client_address(request) -> str:
    """The caller's address. Behind a reverse proxy uvicorn puts the client's address here
    (``--proxy-headers``, trusted from ``FORWARDED_ALLOW_IPS``), so headers are not read again."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def login_address(request) -> str | None:
    """For django-axes (AXES_CLIENT_IP_CALLABLE), which stores it in an IP address column: a
    request without a usable address (a unix socket, the test client's force_login) gives None."""
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def enabled() -> bool:
    return settings.THROTTLE_ENABLED


# ----------------------------------------------------------------------------- rates


STORE_RETRY_SECONDS = 30
_store_down_until = 0.0


def check_rate(request, scope: str, kind: str, value: str, rate: str | None, *,
               increment: bool = True) -> None:
    """Count one request of ``scope`` for ``kind:value``; raise RateLimited past ``rate``
    (``increment=False`` only looks: is this caller already past it?)."""
    global _store_down_until
    if not rate or not enabled() or time.monotonic() < _store_down_until:
        return
    try:
        usage = get_usage(request, group=f"madoguchi.{scope}.{kind}",
                          key=lambda _group, _request: value, rate=rate, increment=increment)
    except Exception:  # noqa: BLE001 - the store is down: serve, never refuse for our own fault
        # ... and do not wait for it on every request: look again in a while.
        _store_down_until = time.monotonic() + STORE_RETRY_SECONDS
        log.warning("throttle store unavailable; not counting for %ss", STORE_RETRY_SECONDS,
                    exc_info=True)
        return
    if usage is not None and usage["should_limit"]:
        raise RateLimited(usage["time_left"], kind)


def limit(scope: str, *, device: Callable | None = None):
    """Decorator: at most ``THROTTLE[scope]["device"]`` calls per device and
    ``THROTTLE[scope]["address"]`` per client address (each a django-ratelimit rate such as
    ``"20/m"``; empty turns it off). ``device(request, **view_kwargs)`` names the device or
    returns None. Works on Django views and django-ninja operations alike (the answer is JSON
    under /api/); on an operation it runs after authentication, so ``request.actor`` is known."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                check_limits(request, scope, device(request, **kwargs) if device else None)
            except RateLimited as exc:
                return rate_limited_response(request, exc)
            return view(request, *args, **kwargs)

        # django-ninja reads the operation's signature; string annotations (``from __future__
        # import annotations``) must resolve in the view's module, not this one.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)
        return wrapper

    return decorate


def lookup_by_code(request, scope: str, lookup: Callable[[], T | None]) -> T | None:
    """Look something up by a code a caller typed (a booking's), against guessing: only the
    misses count, per address, so the many phones behind one carrier address that open their
    own bookings are never slowed. Past ``THROTTLE[scope]["address"]`` misses the address is
    refused (RateLimited) before any look-up, whatever the code."""
    rate = settings.THROTTLE.get(scope, {}).get("address")
    address = client_address(request)
    check_rate(request, scope, "address", address, rate, increment=False)
    found = lookup()
    if found is None:
        check_rate(request, scope, "address", address, rate)
    return found


def check_limits(request, scope: str, device_key: str | None) -> None:
    rates = settings.THROTTLE.get(scope, {})
    if device_key:
        check_rate(request, scope, "device", device_key, rates.get("device"))
    check_rate(request, scope, "address", client_address(request), rates.get("address"))


def rate_limited_response(request, exc: RateLimited):
    return error_response(request, 429, "rate_limited", detail=exc.detail,
                          retry_after=exc.retry_after)


def api_device(request, **_kwargs) -> str | None:
    """The device behind an API call: its token, else the logged-in clerk."""
    actor = getattr(request, "actor", None)
    if actor is None:
        return None
    if actor.token_id is not None:
        return f"token:{actor.token_id}"
    return f"user:{actor.user_id}" if actor.user_id is not None else None


def ticket_device(request, ticket_id: str | None = None, **_kwargs) -> str | None:
    """Notice sign-ups: the ticket they are for stands for the citizen's phone."""
    return f"ticket:{ticket_id}" if ticket_id else None


# ----------------------------------------------------------------------------- log-in


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out log-in (AXES_LOCKOUT_CALLABLE): the log-in page
    again, saying why and for how long, with 429 and Retry-After."""
    from django.contrib.auth.forms import AuthenticationForm
    from django.shortcuts import render

    minutes = settings.LOGIN_LOCKOUT_MINUTES
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    response = render(request, "registration/login.html", {
        "form": AuthenticationForm(request, initial={"username": username}),
        "lockout_message": LOGIN_MESSAGE % {"minutes": minutes},
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


# ----------------------------------------------------------------------------- streams


class StreamSlots:
    """Live streams open at once per address, in this process."""

    def __init__(self):
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, address: str, maximum: int) -> Callable[[], None] | None:
        """A release function, or None when ``address`` already holds ``maximum`` streams."""
        with self._lock:
            count = self._open.get(address, 0)
            if maximum > 0 and count >= maximum:
                return None
            self._open[address] = count + 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if released:
                    return
                released = True
                left = self._open.get(address, 1) - 1
                if left > 0:
                    self._open[address] = left
                else:
                    self._open.pop(address, None)

        return release

    def open_streams(self, address: str) -> int:
        return self._open.get(address, 0)


STREAMS = StreamSlots()


def limit_streams(view):
    """Decorator for an async streaming view: at most ``SSE_MAX_STREAMS_PER_ADDRESS`` open
    streams per address. The slot is freed when the stream ends or its response is dropped
    (a client that leaves before the first byte never runs the stream's own clean-up)."""

    @functools.wraps(view)
    async def wrapper(request, *args, **kwargs):
        release = None
        if enabled():
            release = STREAMS.acquire(client_address(request), settings.SSE_MAX_STREAMS_PER_ADDRESS)
            if release is None:
                retry = settings.SSE_RETRY_AFTER_SECONDS
                return error_response(request, 429, "rate_limited", retry_after=retry,
                                      detail={"retry_after": retry, "limit": "streams"})
        try:
            response = await view(request, *args, **kwargs)
        except BaseException:
            if release:
                release()
            raise
        if release is None:
            return response
        if not getattr(response, "streaming", False):
            release()
            return response
        response.streaming_content = _release_at_end(response.streaming_content, release)
        weakref.finalize(response, release)
        return response

    return wrapper


async def _release_at_end(content, release):
    try:
        async for chunk in content:
            yield chunk
    finally:
        release()
