"""Writes for open data: storing the aggregates the internal side publishes.

The public side accepts statistics rows only in the exact open-data shape:
these eight keys with these types, nothing else. Whatever the sync sends, no
other field (and so nothing personal) can reach the internet side this way.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from madoguchi.core.db import atomic_with_retry
from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import now

from .models import PublishedStats
from .selectors import COLUMNS

_COUNT_COLUMNS = ("issued", "served", "no_show")
_WAIT_COLUMNS = ("wait_mean_min", "wait_p90_min")


def _invalid(index: int, reason: str) -> ServiceError:
    return ServiceError(_("統計データの形式が正しくありません。"), code="invalid_stats",
                        detail={"row": index, "reason": reason}, status=422)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clean_row(index: int, row, date: dt.date) -> dict:
    if not isinstance(row, dict) or set(row) != set(COLUMNS):
        raise _invalid(index, f"keys must be exactly {', '.join(COLUMNS)}")
    if row["date"] != date.isoformat():
        raise _invalid(index, "date differs from the published date")
    if not _is_int(row["hour"]) or not 0 <= row["hour"] <= 23:
        raise _invalid(index, "hour must be an integer 0-23")
    if not isinstance(row["category"], str) or not 0 < len(row["category"]) <= 32:
        raise _invalid(index, "category must be a category code")
    for column in _COUNT_COLUMNS:
        if not _is_int(row[column]) or row[column] < 0:
            raise _invalid(index, f"{column} must be a non-negative integer")
    for column in _WAIT_COLUMNS:
        value = row[column]
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)
                                  or value < 0):
            raise _invalid(index, f"{column} must be null or a non-negative number")
    return {column: row[column] for column in COLUMNS}


@atomic_with_retry()
def stats_publish(*, office_code: str, date: dt.date | str, rows: list[dict],
                  computed_at: dt.datetime | None = None) -> PublishedStats:
    """Store (or replace) one office's rows for one date on the public side.

    Idempotent: publishing the same date again replaces the rows, so the
    internal side may push today's figures every few minutes and a corrected
    past day later. ``computed_at`` is when the internal side computed them
    (default: now).
    """
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise ServiceError(_("日付は YYYY-MM-DD の形式で指定してください。"), code="invalid_date",
                               detail={"date": date}, status=422) from None
    if not isinstance(rows, list):
        raise _invalid(-1, "rows must be a list")
    cleaned = [_clean_row(index, row, date) for index, row in enumerate(rows)]
    published, _created = PublishedStats.objects.update_or_create(
        office_code=office_code, date=date,
        defaults={"rows": cleaned, "computed_at": computed_at or now()})
    return published
