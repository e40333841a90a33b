"""The citizen's phone: the ticket page the kiosk's QR code opens, live, on a 360 px screen.

A visitor takes a ticket at the kiosk with three people ahead in the same
category; the page opened from the printed link shows 「あなたの前に 3人」 and
counts down as the counter calls the others, then shows the large
「お呼びしています ○番窓口へお越しください」 — all without a reload. Held and
finished states say what to do now; an unknown ticket id gets a clear page.
"""

import re
import secrets

import pytest
from playwright.sync_api import expect

from .helpers import (
    FULL_HD,
    SMALL_PHONE,
    allow_console_error,
    assert_not_reloaded,
    call_next_with_keyboard,
    counter_action,
    counter_serving,
    issue,
    mark_page,
    open_counter,
    shot,
    wait_live,
)

pytestmark = pytest.mark.browser

# Counter 5 is the only one serving 戸籍 (DEMO_COUNTERS): nobody else calls these tickets.
CATEGORY = "family-register"
AHEAD = 3


def take_ticket_at_kiosk(new_page, category: str) -> tuple[int, int, str]:
    """Press the category's button on the kiosk; return the number, people ahead and the link."""
    kiosk = new_page(viewport=FULL_HD)
    kiosk.add_init_script("window.print = () => {};")
    kiosk.goto("/o/demo/kiosk/?device=demo-kiosk")
    wait_live(kiosk)
    kiosk.locator(f'button[data-category="{category}"]').click()
    card = kiosk.locator("[data-ticket-card]")
    expect(card).to_be_visible()
    number = int(kiosk.locator("[data-ticket-number]").inner_text())
    ahead = int(re.search(r"あなたの前に (\d+)人", card.locator(".ahead").inner_text()).group(1))
    link = card.locator("a").get_attribute("href")
    assert re.search(r"/t/[\w-]{16,}/$", link), f"not an unguessable ticket link: {link}"
    return number, ahead, link


def test_the_page_counts_down_and_shows_the_call_without_reload(new_page, demo_url, artifacts):
    counter = counter_serving(demo_url, CATEGORY)
    for _ in range(AHEAD):  # on top of whoever the demo office already has waiting
        issue(demo_url, CATEGORY)
    number, ahead_at_start, link = take_ticket_at_kiosk(new_page, CATEGORY)
    assert ahead_at_start >= AHEAD

    phone = new_page(viewport=SMALL_PHONE)
    phone.goto(link)
    state = phone.locator("[data-ticket-state]")
    expect(phone.locator(".number")).to_have_text(str(number))
    expect(state).to_contain_text(f"あなたの前に {ahead_at_start}人")
    expect(state).to_have_attribute("aria-live", "polite")
    wait_live(phone)
    mark_page(phone)
    shot(phone, artifacts, "ticket-page-waiting-360")

    clerk = new_page(viewport={"width": 1366, "height": 900})
    dialogs = open_counter(clerk, demo_url, counter["id"])
    for ahead in range(ahead_at_start - 1, 0, -1):
        call_next_with_keyboard(clerk, dialogs)
        expect(state).to_contain_text(f"あなたの前に {ahead}人")
        assert_not_reloaded(phone)
    call_next_with_keyboard(clerk, dialogs)
    expect(state).to_contain_text("次はあなたの番です")  # not 「あなたの前に 0人」
    expect(state).to_contain_text("窓口の近くでお待ちください。")
    expect(state).not_to_contain_text("約0分")
    assert_not_reloaded(phone)
    shot(phone, artifacts, "ticket-page-next-360")

    call_next_with_keyboard(clerk, dialogs)
    expect(clerk.locator("[data-current-number]")).to_have_text(str(number))
    called = state.locator(".called")
    expect(called).to_have_text(f"お呼びしています {counter['name']}へお越しください")
    expect(state).to_have_class(re.compile(r"\bstate-called\b"))
    expect(state).to_have_attribute("aria-live", "assertive")
    assert_not_reloaded(phone)
    shot(phone, artifacts, "ticket-page-called-360")

    # The call must be unmistakable on a small phone: large, inside the screen, no sideways scrolling.
    box = called.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"]
    assert float(called.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 22  # large text
    assert phone.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]


def test_held_and_finished_states_say_what_to_do(new_page, demo_url, artifacts):
    counter = counter_serving(demo_url, CATEGORY)
    ticket = issue(demo_url, CATEGORY)
    phone = new_page(viewport=SMALL_PHONE)
    phone.goto(ticket["status_url"])
    state = phone.locator("[data-ticket-state]")
    wait_live(phone)
    mark_page(phone)

    assert counter_action(demo_url, counter["id"], "call", ticket=ticket["id"]).status_code == 200
    expect(state).to_have_class(re.compile(r"\bstate-called\b"))

    assert counter_action(demo_url, counter["id"], "hold").status_code == 200
    expect(state).to_contain_text("保留中です。書類の準備などが整いましたら職員がお呼びします。")
    expect(state).to_have_class(re.compile(r"\bstate-held\b"))
    expect(state).to_have_attribute("aria-live", "polite")
    shot(phone, artifacts, "ticket-page-held-360")

    assert counter_action(demo_url, counter["id"], "call", ticket=ticket["id"]).status_code == 200
    expect(state.locator(".called")).to_be_visible()
    assert counter_action(demo_url, counter["id"], "finish").status_code == 200
    expect(state).to_contain_text("手続きは完了しました。ご来庁ありがとうございました。")
    expect(state).to_have_class(re.compile(r"\bstate-done\b"))
    assert_not_reloaded(phone)
    shot(phone, artifacts, "ticket-page-done-360")

    # Reopened later from the QR code, the finished ticket still says so (no live parts needed).
    phone.reload()
    expect(state).to_contain_text("手続きは完了しました。")


def test_an_unknown_ticket_shows_a_clear_page(new_page, artifacts):
    phone = new_page(viewport=SMALL_PHONE)
    allow_console_error(phone, r"status of 404 \(Not Found\)")
    response = phone.goto(f"/t/{secrets.token_urlsafe(16)}/")
    assert response.status == 404
    expect(phone.locator("h1")).to_have_text("番号札が見つかりません")
    expect(phone.locator("main")).to_contain_text("URL が正しいかご確認ください。")
    expect(phone.locator("[data-ticket-state]")).to_have_count(0)
    shot(phone, artifacts, "ticket-page-not-found-360")
