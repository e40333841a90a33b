"""The browser harness itself bites: foreign hosts, console errors and page errors fail a test.

Each check drives a real page of the demo server through ``PageWatch`` (the same
object the ``new_page`` fixture attaches to every page) and asserts what it
reports; nothing leaves 127.0.0.1 because the foreign request is aborted by the
browser before any lookup.
"""

import pytest

from .helpers import PageWatch, allow_console_error

pytestmark = pytest.mark.browser

FOREIGN = "https://cdn.example.com/htmx.min.js"


@pytest.fixture
def watched(browser, demo_url):
    watch = PageWatch(demo_url)
    context = browser.new_context(base_url=demo_url)
    watch.attach(context)
    page = context.new_page()
    watch.watch(page)
    page.goto("/o/demo/board/")
    yield page, watch
    context.close()


def test_a_request_to_another_host_is_blocked_and_named(watched):
    page, watch = watched
    reached = page.evaluate(f"""() => fetch({FOREIGN!r}).then(() => true, () => false)""")
    assert reached is False  # aborted: the page got a network error, nothing left the machine
    assert f"a request to another host than the test server (blocked): {FOREIGN}" in watch.problems()


def test_the_server_itself_is_not_foreign(watched):
    page, watch = watched
    assert page.evaluate("() => fetch('/api/v1/offices/demo/board').then(r => r.status)") == 200
    page.wait_for_timeout(100)  # let late console messages arrive
    assert watch.problems() == []


def test_console_errors_and_page_errors_are_reported(watched):
    page, watch = watched
    page.evaluate("() => console.error('something broke on the board')")
    page.evaluate("() => setTimeout(() => { throw new Error('uncaught in a timer'); })")
    page.wait_for_timeout(200)
    problems = watch.problems()
    assert any("console error" in p and "something broke on the board" in p for p in problems), problems
    assert any("page error" in p and "uncaught in a timer" in p for p in problems), problems


def test_an_allowed_console_error_is_not_reported(watched):
    page, watch = watched
    allow_console_error(page, r"expected refusal")
    page.evaluate("() => console.error('an expected refusal')")
    page.wait_for_timeout(100)
    assert watch.problems() == []
