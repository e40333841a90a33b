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


def from_db(value) -> dt.datetime | None:
    """A datetime column read by raw SQL → an aware datetime (None stays None): PostgreSQL
    answers it aware, SQLite as UTC text (or naive UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
