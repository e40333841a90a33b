"""Proof-of-work bot protection for bookings: ALTCHA (the ``altcha`` library, protocol v2, as
the vendored widget speaks it), with no third-party service.

A challenge asks the phone to find the counter ``n`` (``0 ≤ n ≤ ALTCHA_MAX_NUMBER``, chosen at
random here) whose SHA-256 of salt + nonce + n starts with the prefix the challenge gives; the
phone tries ``n = 0, 1, 2 …`` — a fraction of a second for one booking, hours for the thousands
a reseller wants. The challenge is signed (HMAC) and expires after ``ALTCHA_EXPIRES_SECONDS``;
the derived key is signed too, so checking a solution costs one HMAC. A solution is accepted
once: its challenge's signature is stored (``UsedChallenge``) until the challenge expires.

Keys: ``MADOGUCHI_ALTCHA_HMAC_KEY``, else derived from ``MADOGUCHI_SECRET_KEY``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import secrets
import time

import altcha
from django.conf import settings
from django.db import IntegrityError, transaction

from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import now

from .models import UsedChallenge

ALGORITHM = "SHA-256"
PURGE_EVERY = 50  # one accepted solution in this many also deletes the expired ones


class AltchaInvalid(ServiceError):
    status = 422
    code = "altcha_invalid"
    message = ("ロボットでないことの確認ができませんでした。ページを読み込み直して、もう一度予約してください。")


def _secret(label: bytes) -> bytes:
    base = getattr(settings, "ALTCHA_HMAC_KEY", "") or settings.SECRET_KEY
    return hmac.new(base.encode(), b"madoguchi altcha " + label, hashlib.sha256).digest()


def challenge() -> dict:
    """A new signed challenge, as the widget fetches it (``GET /api/v1/altcha/challenge``)."""
    expires = int(time.time()) + settings.ALTCHA_EXPIRES_SECONDS
    counter = secrets.randbelow(settings.ALTCHA_MAX_NUMBER + 1)
    made = altcha.create_challenge(
        ALGORITHM, settings.ALTCHA_COST, counter=counter, expires_at=expires,
        hmac_secret=_secret(b"challenge"), hmac_key_secret=_secret(b"key"))
    return made.to_dict()


def solve(challenge_json: dict, *, timeout: float = 60.0) -> str:
    """The payload a widget would send for ``challenge_json`` (tests, bench and the demo's robot
    clients; a browser solves it in the widget)."""
    parsed = altcha.Challenge.from_dict(challenge_json)
    solution = altcha.solve_challenge(parsed, timeout=timeout)
    if solution is None:
        raise TimeoutError("ALTCHA challenge not solved in time")
    return altcha.Payload(parsed, solution).to_base64()


def verify(payload: str | None, *, at: dt.datetime | None = None) -> None:
    """Accept a solution once, or raise 422 ``altcha_invalid`` (detail: missing | invalid |
    expired | replayed)."""
    if not payload or not str(payload).strip():
        raise AltchaInvalid(detail="missing")
    try:
        result = altcha.verify_solution(str(payload).strip(), _secret(b"challenge"),
                                        hmac_key_secret=_secret(b"key"))
    except (ValueError, TypeError, KeyError, AttributeError):
        raise AltchaInvalid(detail="invalid") from None
    if result.expired:
        raise AltchaInvalid(detail="expired")
    if not result.verified:
        raise AltchaInvalid(detail="invalid")
    parsed = altcha.Payload.from_base64(str(payload).strip())
    expires_at = parsed.challenge.parameters.expires_at
    _remember(parsed.challenge.signature, dt.datetime.fromtimestamp(int(expires_at), dt.UTC)
              if expires_at else (at or now()) + dt.timedelta(seconds=settings.ALTCHA_EXPIRES_SECONDS),
              at=at or now())


def _remember(signature: str, expires_at: dt.datetime, *, at: dt.datetime) -> None:
    try:
        with transaction.atomic():
            UsedChallenge.objects.create(challenge=signature[:128], expires_at=expires_at)
    except IntegrityError:
        raise AltchaInvalid(detail="replayed") from None
    if random.randrange(PURGE_EVERY) == 0:  # noqa: S311 - not security: how often to tidy up
        UsedChallenge.objects.filter(expires_at__lt=at).delete()
