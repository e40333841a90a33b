"""The browser tests of the hand-over use the shared demo server and chromium (tests/browser)."""

from ..browser.conftest import artifacts, browser, demo_url, new_page  # noqa: F401
