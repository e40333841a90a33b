"""Reads of the hand-over keys."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings

from madoguchi.core.timeutil import now

from .models import OfficeKey


def grace() -> dt.timedelta:
    return dt.timedelta(days=settings.HANDOVER_KEY_GRACE_DAYS)


def decrypts_until(key: OfficeKey) -> dt.datetime | None:
    """When a rotated-out key stops decrypting (None: the office's current key)."""
    return key.retired_at + grace() if key.retired_at else None


def served_keys(office: str | None = None) -> list[dict]:
    """The public keys a browser may seal to: each office's current key, nothing private.

    ``expires_at`` is null for a current key (it has no planned end; a rotation replaces it
    and the old one keeps decrypting for the grace period).
    """
    rows = OfficeKey.objects.filter(retired_at__isnull=True)
    if office is not None:
        rows = rows.filter(office_code=office)
    return [{"kid": k.kid, "office": k.office_code, "public_key": k.public_key, "expires_at": None}
            for k in rows.order_by("office_code", "-created_at")]


def key_for_kid(kid: str) -> OfficeKey | None:
    """The internal side's own key with this id (never a public copy)."""
    return OfficeKey.objects.filter(kid=kid, is_copy=False).first()


def key_state(key: OfficeKey, at: dt.datetime | None = None) -> str:
    """current | grace (rotated out, still decrypting) | expired | copy (public side)."""
    if key.is_copy:
        return "copy"
    if key.retired_at is None:
        return "current"
    return "grace" if (at or now()) <= decrypts_until(key) else "expired"


def key_list(office: str | None = None) -> list[OfficeKey]:
    rows = OfficeKey.objects.all()
    if office is not None:
        rows = rows.filter(office_code=office)
    return list(rows.order_by("office_code", "-created_at"))


def handover_digest(payload: str) -> str | None:
    """A stable id of one sealed hand-over (SHA-256 of its envelope bytes, hex), the same
    however the scanner typed it (case, trailing Enter); None when it cannot be parsed.
    Two seals of the same answers differ (HPKE is randomised): this tells a rescan of one
    QR code from a new one."""
    from .envelope import parse
    from .errors import HandoverRefused

    try:
        sealed = parse(payload)
    except HandoverRefused:
        return None
    return hashlib.sha256(sealed.header + sealed.body).hexdigest()
