"""Business dates are Japanese calendar dates (Asia/Tokyo), whatever the server's zone."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

JST = ZoneInfo("Asia/Tokyo")


def now() -> dt.datetime:
    return timezone.now()


def business_date(at: dt.datetime | None = None) -> dt.date:
    """The counter's business day for an aware datetime (default: now)."""
    return (at or now()).astimezone(JST).date()


def to_jst(at: dt.datetime) -> dt.datetime:
    return at.astimezone(JST)
