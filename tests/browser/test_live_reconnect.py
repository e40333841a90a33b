"""A live screen refused a stream (429: too many open from one address) comes back by itself.

EventSource retries a dropped connection on its own but gives up for good on an HTTP error
answer; the page must open a new stream after a pause, or a lobby display stays 「接続が切れました」
until someone reloads it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..live_server import demo_server, server_env
from .helpers import allow_console_error, wait_live

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """A demo server that lets one address hold a single live stream.

    The other demo servers of the suite start from a migrated copy (live_server.migrated_template);
    this one migrates its new, empty SQLite file itself, as a first ``madoguchi demo`` does.
    """
    env = server_env(MADOGUCHI_THROTTLE="1", MADOGUCHI_SSE_MAX_STREAMS_PER_ADDRESS="1")
    with demo_server(tmp_path_factory.mktemp("reconnect-server"), env=env, template=False) as server:
        yield server.url


def test_a_board_refused_a_stream_reconnects_once_a_slot_is_free(new_page):
    first = new_page(viewport={"width": 390, "height": 800})
    first.goto("/o/demo/board/")
    wait_live(first)

    second = new_page(viewport={"width": 390, "height": 800})
    allow_console_error(second, r"429|event-stream|EventSource")
    second.goto("/o/demo/board/")
    root = second.locator("[data-live-office]")
    expect(root).to_have_class(re.compile(r"\boffline\b"))
    assert not second.evaluate("document.querySelector('[data-live-office]').dataset.lastEventId")

    first.close()  # the lobby's other screen is switched off: its slot is free again
    wait_live(second)
    expect(root).not_to_have_class(re.compile(r"\boffline\b"))
