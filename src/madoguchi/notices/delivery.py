"""Sending one notice: Web Push (RFC 8030/8291/8292 through pywebpush) or email.

Each function returns an outcome for ``delivery_record``: ``sent``, ``retry``
(the push service or mail server may accept it later), ``gone`` (the browser
dropped the subscription: 404/410), ``failed`` (retrying will not help) or
``cancelled`` (the subscription no longer exists: the ticket ended).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from urllib.parse import urlsplit

import requests
from django.core.mail import EmailMessage
from pywebpush import WebPushException, webpush

from . import messages
from .models import Channel, NoticeDelivery, NoticeKind
from .vapid import authorization_header

# Seconds a push service keeps an undelivered notice for an offline phone:
# "2 people ahead" is worthless after a quarter of an hour, a call sooner.
TTL = {NoticeKind.NEAR: 900, NoticeKind.CALLED: 600}
PUSH_TIMEOUT = 10
# One Topic per ticket page: a pending "near" notice is replaced by the call.
TOPIC = "madoguchi-ticket"

_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per worker thread.

    The environment is read once (HTTPS_PROXY / HTTP_PROXY for a public zone
    behind a proxy), not per request: requests' per-request environment
    lookup costs more than encrypting and sending the notice.
    """
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.trust_env = False
        proxies = urllib.request.getproxies()
        session.proxies = {k: v for k, v in proxies.items() if k in ("http", "https")}
    return session


def audience(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def send_push(delivery: NoticeDelivery) -> tuple[str, str, float | None]:
    sub = delivery.push_subscription
    if sub is None:
        return "cancelled", "subscription removed (ticket ended)", None
    headers = {
        "Authorization": authorization_header(audience(sub.endpoint)),
        "Urgency": "high",
        "Topic": TOPIC,
    }
    payload = json.dumps(delivery.message, ensure_ascii=False, separators=(",", ":"))
    try:
        webpush({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
                data=payload, headers=headers, ttl=TTL.get(delivery.kind, 600),
                timeout=PUSH_TIMEOUT, requests_session=_session())
    except WebPushException as exc:
        code = exc.response.status_code if exc.response is not None else None
        error = f"push service answered {code}" if code else str(exc)[:300]
        if code in (404, 410):
            return "gone", error, None
        if code is None or code == 429 or code >= 500:
            retry_after = None
            if exc.response is not None and (exc.response.headers.get("Retry-After") or "").isdigit():
                retry_after = float(exc.response.headers["Retry-After"])
            return "retry", error, retry_after
        return "failed", error, None
    except (requests.RequestException, OSError) as exc:
        return "retry", f"{type(exc).__name__}: {exc}"[:300], None
    return "sent", "", None


def send_email(delivery: NoticeDelivery) -> tuple[str, str, float | None]:
    sub = delivery.email_subscription
    if sub is None:
        return "cancelled", "subscription removed (ticket ended)", None
    subject, body = messages.email_text(delivery.message)
    try:
        EmailMessage(subject=subject, body=body, to=[sub.email]).send(fail_silently=False)
    except Exception as exc:  # SMTP errors, refused connections, timeouts: all worth a retry
        return "retry", f"{type(exc).__name__}: {exc}"[:300], None
    return "sent", "", None


def send(delivery: NoticeDelivery) -> tuple[str, str, float | None]:
    if delivery.channel == Channel.EMAIL:
        return send_email(delivery)
    return send_push(delivery)
