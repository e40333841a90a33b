"""The keyed hash of a card-pickup notice (交付通知書番号 + birth date).

The internal side holds the card system's list (``CardNotice``); the public side receives only
``HMAC-SHA256(key, office | number | birth date)`` (``CardNoticeHash``) and checks a citizen's
entry against it, so a copy of the public database reveals neither the numbers nor whether a
given person has a card waiting. The key comes from ``MADOGUCHI_CARD_HASH_KEY``, else it is
derived from the zone secret both sides share (else from the secret key, one process: demo).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata

from django.conf import settings


def _key() -> bytes:
    explicit = getattr(settings, "CARD_HASH_KEY", "")
    if explicit:
        return explicit.encode()
    base = settings.ZONE_SECRET or settings.SECRET_KEY
    return hmac.new(base.encode(), b"madoguchi card notice hash v1", hashlib.sha256).digest()


def normalize_number(number: str) -> str:
    """Full-width digits, spaces and hyphens as people type them off a letter: 「１２３４-５６」 → 123456."""
    text = unicodedata.normalize("NFKC", str(number or ""))
    return "".join(ch for ch in text if ch.isalnum()).upper()


def notice_digest(office_code: str, number: str, birth_date: dt.date) -> str:
    message = f"{office_code}|{normalize_number(number)}|{birth_date.isoformat()}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()
