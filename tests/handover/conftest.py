"""The browser tests of the hand-over use the demo server fixtures of tests/browser."""

import pytest

from ..browser.conftest import artifacts, chromium, demo_url, new_page  # noqa: F401


@pytest.fixture(scope="module")
def browser():
    """A chromium for the browser module only: the other modules here use the ORM, which
    must not run while Playwright's event loop is this thread's running loop."""
    with chromium() as browser:
        yield browser
