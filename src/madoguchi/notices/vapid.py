"""The server's VAPID identity (RFC 8292): one P-256 key pair for every process.

From ``MADOGUCHI_VAPID_PRIVATE_KEY`` (base64url raw 32-byte key, or base64 DER,
or PEM) when set; otherwise generated once and stored in the database, so a
restart or a second process does not invalidate the browsers' subscriptions.
"""

from __future__ import annotations

import base64
import threading
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, transaction
from py_vapid import Vapid02

from .models import VapidKey

# Signed Authorization headers are reused until an hour before they expire:
# one ECDSA signature per push service per ~11 hours instead of per notice.
TOKEN_LIFETIME = 12 * 3600
TOKEN_MARGIN = 3600

_lock = threading.Lock()
_cache: dict = {}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_b64(vapid: Vapid02) -> str:
    point = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def _from_setting(value: str) -> Vapid02:
    value = value.strip()
    if value.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(value.encode(), password=None)
        return Vapid02(key)
    return Vapid02.from_string(value)


def _from_database() -> Vapid02:
    row = VapidKey.objects.order_by("pk").first()
    if row is None:
        key = ec.generate_private_key(ec.SECP256R1())
        raw = key.private_numbers().private_value.to_bytes(32, "big")
        vapid = Vapid02(key)
        try:
            with transaction.atomic():
                VapidKey.objects.create(pk=1, private_key=b64url(raw), public_key=public_key_b64(vapid))
        except IntegrityError:
            pass  # another process generated it first: use theirs
        row = VapidKey.objects.order_by("pk").first()
    return Vapid02.from_raw(row.private_key.encode())


def get_vapid() -> Vapid02:
    """The signing key; read once per process (and per configured key)."""
    configured = settings.VAPID_PRIVATE_KEY
    with _lock:
        cached = _cache.get("vapid")
        if cached is not None and cached[0] == configured:
            return cached[1]
    vapid = _from_setting(configured) if configured else _from_database()
    with _lock:
        _cache["vapid"] = (configured, vapid)
        _cache["tokens"] = {}
    return vapid


def vapid_public_key() -> str:
    return public_key_b64(get_vapid())


def authorization_header(audience: str) -> str:
    """``vapid t=<JWT>, k=<public key>`` for one push service origin, cached while valid."""
    vapid = get_vapid()
    now = time.time()
    with _lock:
        tokens = _cache.setdefault("tokens", {})
        hit = tokens.get(audience)
        if hit is not None and hit[0] - TOKEN_MARGIN > now:
            return hit[1]
    exp = int(now) + TOKEN_LIFETIME
    header = vapid.sign({"aud": audience, "exp": exp, "sub": settings.VAPID_SUBJECT})["Authorization"]
    with _lock:
        _cache.setdefault("tokens", {})[audience] = (exp, header)
    return header


def forget() -> None:
    """Drop the cached key (tests, key rotation)."""
    with _lock:
        _cache.clear()
