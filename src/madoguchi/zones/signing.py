"""Shared-key signatures for zone pushes (HMAC-SHA256), with replay protection.

A push carries four headers, and the signature covers all of them and the body:
everything the receiver trusts is signed.

``X-Madoguchi-Sender``     the sending server's name (``[A-Za-z0-9._-]``, at most
                           64); replays are checked per sender, so it is signed.
``X-Madoguchi-Timestamp``  Unix seconds when it was signed; refused outside ±MAX_SKEW.
``X-Madoguchi-Sequence``   strictly increasing per sender (milliseconds since the
                           epoch, bumped past the last one), so a captured push
                           cannot be played again even inside the time window.
``X-Madoguchi-Signature``  ``v2=`` + hex HMAC-SHA256, keyed with MADOGUCHI_ZONE_SECRET, of
                           ``"madoguchi-zone-sync\nv2\n{sender}\n{timestamp}\n{sequence}\n"``
                           followed by the raw body.

``v1`` signatures (timestamp, sequence and body, not the sender) are refused:
a captured v1 push could be replayed under a sender name never used before.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time

SENDER_HEADER = "X-Madoguchi-Sender"
TIMESTAMP_HEADER = "X-Madoguchi-Timestamp"
SEQUENCE_HEADER = "X-Madoguchi-Sequence"
SIGNATURE_HEADER = "X-Madoguchi-Signature"


VERSION = "v2"
SENDER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DEFAULT_SENDER = "internal"


def signing_message(sender: str, timestamp: int, sequence: int, body: bytes) -> bytes:
    """The bytes the HMAC covers. Newlines cannot occur in header values, so the parts cannot run into each other."""
    return f"madoguchi-zone-sync\n{VERSION}\n{sender}\n{timestamp}\n{sequence}\n".encode() + body


def signature(secret: str, sender: str, timestamp: int, sequence: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), signing_message(sender, timestamp, sequence, body), hashlib.sha256)
    return f"{VERSION}={digest.hexdigest()}"


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
    if not SENDER_PATTERN.fullmatch(sender):
        raise ValueError(f"a zone sender name is [A-Za-z0-9._-], at most 64 characters: {sender!r}")
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        SENDER_HEADER: sender,
        TIMESTAMP_HEADER: str(ts),
        SEQUENCE_HEADER: str(sequence),
        SIGNATURE_HEADER: signature(secret, sender, ts, sequence, body),
    }


class Refused(Exception):
    """A push that must not be applied; ``code`` says why (for logs and the reply)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def verify(secret: str, headers, body: bytes, *, max_skew: int, now: float | None = None) -> tuple[str, int]:
    """Check the signature and the time window; returns (sender, sequence), both signed.

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
    sender = headers.get(SENDER_HEADER) or DEFAULT_SENDER
    if not SENDER_PATTERN.fullmatch(sender):
        raise Refused("bad_headers", "the sender header is not a valid sender name")
    given = headers.get(SIGNATURE_HEADER, "")
    if not given.startswith(f"{VERSION}="):
        raise Refused("bad_signature", f"only {VERSION} signatures (covering the sender) are accepted")
    if not hmac.compare_digest(signature(secret, sender, ts, seq, body), given):
        raise Refused("bad_signature", "the signature does not match")
    current = time.time() if now is None else now
    if abs(current - ts) > max_skew:
        raise Refused("stale_timestamp", "the timestamp is outside the accepted window")
    return sender, seq
