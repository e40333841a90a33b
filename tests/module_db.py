"""Data built once for a module's tests (rolled back after the module)."""

import contextlib


@contextlib.contextmanager
def module_data(django_db_blocker):
    """Data built once for a module's tests, in a transaction rolled back after the module.

    Each test still asks for ``db``: its own transaction is then a savepoint inside this one,
    rolled back to the state built here. For modules of many tests over the same data (the
    permission matrix, schemathesis), where building it for every test cost most of their time.
    """
    from django.db import transaction
    from django.test import override_settings

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with override_settings(DEMO=True):  # as every test runs (conftest's _demo_mode)
            yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
