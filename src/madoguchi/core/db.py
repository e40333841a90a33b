"""Retry a short write transaction when the database reports contention.

PostgreSQL may abort one side of a deadlock or serialisation conflict, and
SQLite may stay locked past its busy timeout. Both are transient: retrying
the whole transaction is correct, and the user should never see them.
"""

import functools
import random
import time

from django.db import IntegrityError, OperationalError, transaction

from .errors import Busy

RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def _is_transient(exc: Exception) -> bool:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    text = str(exc).lower()
    return "database is locked" in text or "deadlock" in text or "could not serialize" in text


def atomic_with_retry(attempts: int = 6):
    """Run the function in its own transaction, retrying transient conflicts."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(attempts):
                try:
                    with transaction.atomic():
                        return func(*args, **kwargs)
                except (OperationalError, IntegrityError) as exc:
                    if transaction.get_connection().in_atomic_block:
                        raise  # nested: let the outermost transaction decide
                    retry_integrity = isinstance(exc, IntegrityError) and getattr(exc, "retryable", False)
                    if not (_is_transient(exc) or retry_integrity) or attempt == attempts - 1:
                        if _is_transient(exc):
                            raise Busy() from exc
                        raise
                    time.sleep(0.005 * (2 ** attempt) * (1 + random.random()))
            raise Busy()

        return wrapper

    return decorator
