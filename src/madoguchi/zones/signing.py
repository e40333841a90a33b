"""Shared-key signatures for zone pushes (HMAC-SHA256), with replay protection.

A push carries three headers:

``X-Madoguchi-Timestamp``  Unix seconds when it was signed; refused outside ±MAX_SKEW.
``X-Madoguchi-Sequence``   strictly increasing per sender (milliseconds since the
                           epoch, bumped past the last one), so a captured push
                           cannot be played again even inside the time window.
``X-Madoguchi-Signature``  ``v1=`` + hex HMAC-SHA256 of ``"{timestamp}.{sequence}."``
                           followed by the raw body, keyed with MADOGUCHI_ZONE_SECRET.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time

SENDER_HEADER = "X-Madoguchi-Sender"
TIMESTAMP_HEADER = "X-Madoguchi-Timestamp"
SEQUENCE_HEADER = "X-Madoguchi-Sequence"
SIGNATURE_HEADER = "X-Madoguchi-Signature"


def signature(secret: str, timestamp: int, sequence: int, body: bytes) -> str:
    message = f"{timestamp}.{sequence}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class SequenceClock:
    """Strictly increasing sequence numbers that also survive a restart (clock based)."""

    def __init__(self):
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, int(time.time() * 1000))
            return self._last


def signed_headers(secret: str, body: bytes, *, sequence: int, sender: str,
                   timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        SENDER_HEADER: sender,
        TIMESTAMP_HEADER: str(ts),
        SEQUENCE_HEADER: str(sequence),
        SIGNATURE_HEADER: signature(secret, ts, sequence, body),
    }


class Refused(Exception):
    """A push that must not be applied; ``code`` says why (for logs and the reply)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def verify(secret: str, headers, body: bytes, *, max_skew: int, now: float | None = None) -> tuple[str, int]:
    """Check the signature and the time window; returns (sender, sequence).

    The sequence check against the last accepted one happens in the receiver's
    transaction, so two copies of one push racing each other cannot both pass.
    """
    if not secret:
        raise Refused("zone_not_configured", "MADOGUCHI_ZONE_SECRET is not set on the public side")
    try:
        ts = int(headers.get(TIMESTAMP_HEADER, ""))
        seq = int(headers.get(SEQUENCE_HEADER, ""))
    except ValueError:
        raise Refused("bad_headers", "timestamp and sequence headers are required") from None
    sender = (headers.get(SENDER_HEADER) or "internal")[:64]
    expected = signature(secret, ts, seq, body)
    if not hmac.compare_digest(expected, headers.get(SIGNATURE_HEADER, "")):
        raise Refused("bad_signature", "the signature does not match")
    current = time.time() if now is None else now
    if abs(current - ts) > max_skew:
        raise Refused("stale_timestamp", "the timestamp is outside the accepted window")
    return sender, seq
