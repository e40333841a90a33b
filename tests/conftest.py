import pytest
from django.db import connection

from madoguchi.core.actors import actor_for_user
from madoguchi.queueing.demo import load_demo_data

from .module_db import module_data
from .services_available import missing


@pytest.fixture(autouse=True)
def _postgres_pass_only(request):
    """Tests marked ``postgres`` need the suite's database to be PostgreSQL.

    tests/run.py deselects them in the SQLite pass and runs them in the
    PostgreSQL pass; a bare ``pytest`` on SQLite reports them as skipped.
    """
    if request.node.get_closest_marker("postgres"):
        from django.conf import settings

        if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
            missing("this test runs in the PostgreSQL pass (python tests/run.py, or set "
                    "MADOGUCHI_TEST_DATABASE_URL=postgresql://…)")


@pytest.fixture
def office(db):
    """The demo office: six categories from the seed's table, eight counters."""
    return load_demo_data()


@pytest.fixture(scope="module")
def module_office(django_db_setup, django_db_blocker):
    """The demo office, loaded once for the module (see ``module_data``); tests ask for ``db``."""
    with module_data(django_db_blocker):
        with django_db_blocker.unblock():
            office = load_demo_data()
        yield office


@pytest.fixture
def staff_user(office):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="staff")


@pytest.fixture
def staff(staff_user):
    return actor_for_user(staff_user)


@pytest.fixture
def kiosk(office):
    from madoguchi.core.actors import actor_for_token

    actor = actor_for_token("demo-kiosk")
    assert actor is not None
    return actor


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    """Each test's database is rolled back without signals: start without resolved tokens."""
    from madoguchi.core.actors import clear_token_cache

    clear_token_cache()
    yield
    clear_token_cache()


@pytest.fixture(autouse=True)
def _demo_mode(settings):
    """Demo tokens and log-ins exist only in demo mode; tests run in it unless they say otherwise."""
    settings.DEMO = True


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"



DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
               "live_server"}


BROWSER_FIXTURES = {"browser", "new_page"}


def pytest_collection_modifyitems(config, items):
    """A test marked ``dbfree`` (left out of the PostgreSQL pass) must not use the database;
    a test driving chromium must be marked ``browser``: its demo server runs on SQLite in
    either pass, so tests/run.py runs it once (in the SQLite pass, or the PostgreSQL pass
    when its module is marked ``second_pass``)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("dbfree") and (
                DB_FIXTURES & fixtures or item.get_closest_marker("django_db")):
            raise pytest.UsageError(f"{item.nodeid} is marked dbfree but uses the database")
        if BROWSER_FIXTURES & fixtures and not item.get_closest_marker("browser"):
            raise pytest.UsageError(f"{item.nodeid} drives chromium but is not marked browser "
                                    "(pytestmark = pytest.mark.browser)")


@pytest.fixture(autouse=True)
def _fresh_wait_estimates():
    """Rolled-back tests reuse ids: an estimate cached for one test's office must not answer the next."""
    from madoguchi.queueing import estimates

    estimates.clear_cache()
    yield
    estimates.clear_cache()


@pytest.fixture
def formula_estimate():
    """The queue's own formula (no estimator registered): what offices see without the forecasting app."""
    from madoguchi.queueing import estimates

    engine = estimates.registered()
    estimates.register_estimator(None)
    yield
    estimates.register_estimator(engine)
