"""A real demo server and a headless Debian chromium, shared by the browser tests.

Every page is watched (``PageWatch``): a request to any other host than the test
server is aborted and fails the test naming the URL (city networks reach no CDN),
and so does any console error or uncaught page error, unless the test declared
that exact error as expected (``allow_console_error``).
"""

import contextlib

import pytest
from playwright.sync_api import expect

from ..live_server import ARTIFACTS, demo_server
from ..services_available import CHROMIUM_ARGS, require_chromium
from .helpers import PageWatch


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """``python -m madoguchi demo`` on a fresh SQLite file; yields its base URL."""
    with demo_server(tmp_path_factory.mktemp("browser-server")) as server:
        yield server.url


@pytest.fixture(autouse=True)
def _chromium():
    """Every test here needs Debian's chromium: skipped without it (fails under CI=true)."""
    require_chromium()


# Generous waits: a loaded CI machine (2 cores) must not turn a slow screen into a failure.
expect.set_options(timeout=15_000)


@contextlib.contextmanager
def chromium():
    """Debian's chromium, headless, driven by Playwright's sync API."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def browser():
    """One chromium for this package's tests (each test's pages get fresh contexts).

    Package-wide, not session-wide: while Playwright's sync API runs, its event loop is the
    running loop of this thread, which Django's ORM and asyncio code elsewhere must not find
    (tests/handover's browser module has a chromium of its own, for its module only).
    """
    with chromium() as browser:
        yield browser


@pytest.fixture
def new_page(browser, demo_url, request):
    """Pages in fresh browser contexts (a kiosk, a lobby screen, a clerk's PC …).

    After the test, any foreign request or console/page error seen by one of them fails it.
    """
    contexts = []
    watch = PageWatch(demo_url)

    def make(*, viewport=None, locale="ja-JP", device_scale_factor=None, has_touch=False):
        context = browser.new_context(base_url=demo_url, locale=locale,
                                      viewport=viewport or {"width": 1280, "height": 800},
                                      device_scale_factor=device_scale_factor, has_touch=has_touch)
        context.set_default_timeout(20_000)
        watch.attach(context)
        contexts.append(context)
        page = context.new_page()
        watch.watch(page)
        return page

    yield make
    try:
        problems = watch.problems()
    finally:
        for context in contexts:
            context.close()
    if problems:
        pytest.fail(f"{request.node.nodeid}: the browser saw\n  " + "\n  ".join(problems),
                    pytrace=False)


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
