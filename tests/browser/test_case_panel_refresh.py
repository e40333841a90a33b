"""A live refresh of the counter screen never undoes what the clerk chose in the case panel.

The counter screen is re-rendered whenever the office's queue changes (every few seconds on a
busy morning). A clerk who picked the next section in 「次の窓口」 and moved on to the button
must find the choice and the focus where they left them, or 「次の窓口へ」 would send the
visitor to the section shown by default, which the clerk did not choose.
"""

import pytest
from playwright.sync_api import expect

from .helpers import counters, issue, open_counter

pytestmark = pytest.mark.browser


def counter_number(base_url: str, number: int) -> str:
    return next(c["id"] for c in counters(base_url) if c["name"] == f"{number}番窓口")


def test_the_next_section_chosen_survives_a_live_refresh(new_page, demo_url):
    clerk = new_page(viewport={"width": 1280, "height": 900})
    open_counter(clerk, demo_url, counter_number(demo_url, 1))
    clerk.keyboard.press("n")  # the demo morning's next visitor carries a one-stop case
    expect(clerk.locator("#case-panel")).to_be_visible()
    choice = clerk.locator("#case-next-category")
    default = choice.input_value()
    clerk.keyboard.press("g")
    expect(choice).to_be_focused()
    clerk.keyboard.press("ArrowDown")
    chosen = choice.input_value()
    assert chosen != default
    clerk.keyboard.press("Tab")
    expect(clerk.locator("#case-route")).to_be_focused()

    arrived = issue(demo_url, "moving")  # the queue changes: the screen is re-rendered
    expect(clerk.get_by_text(str(arrived["number"]), exact=True)).to_be_visible()
    expect(choice).to_have_value(chosen)
    expect(clerk.locator("#case-route")).to_be_focused()
