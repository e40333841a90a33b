"""JIS X 8341-3 / WCAG 2.1 AA on the citizen screens, checked in a real browser.

axe-core (vendored under tests/browser/vendor/, pinned) runs inside each page
and must report no serious or critical violation on the kiosk, the ticket page,
the public board and the lobby display, in Japanese and in English. Beyond what
axe can see: state changes are announced to screen readers (aria-live), every
control shows a visible focus ring, and touch targets are at least 44×44 px.
"""

import re

import pytest
from playwright.sync_api import expect

from .helpers import (
    FULL_HD,
    PHONE,
    SMALL_PHONE,
    allow_console_error,
    assert_accessible,
    counter_action,
    counter_serving,
    issue,
    wait_live,
)

# second_pass: run by the PostgreSQL pass when there is one, so the two passes take about as long
pytestmark = [pytest.mark.browser, pytest.mark.second_pass]

LANGS = ["ja", "en"]
DESKTOP = {"width": 1280, "height": 900}


def open_page(new_page, path: str, lang: str, viewport: dict):
    page = new_page(viewport=viewport, locale="en-US" if lang == "en" else "ja-JP")
    sep = "&" if "?" in path else "?"
    page.goto(f"{path}{sep}lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{lang}"))
    return page


def kiosk(new_page, lang: str):
    page = new_page(viewport=FULL_HD, locale="en-US" if lang == "en" else "ja-JP")
    page.add_init_script("window.print = () => {};")
    page.goto(f"/o/demo/kiosk/?device=demo-kiosk&lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{lang}"))
    wait_live(page)
    return page


# ------------------------------------------------------------------ axe on every citizen screen


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_menu_and_ticket_card(new_page, lang):
    page = kiosk(new_page, lang)
    assert_accessible(page, f"the kiosk menu ({lang})")

    page.locator('button[data-category="seal"]').click()
    expect(page.locator("[data-ticket-card]")).to_be_visible()
    assert_accessible(page, f"the kiosk with a ticket card ({lang})")


@pytest.mark.parametrize("lang", LANGS)
def test_ticket_page_waiting_and_called(new_page, demo_url, lang):
    counter = counter_serving(demo_url, "certificates")
    ticket = issue(demo_url, "certificates")
    page = open_page(new_page, ticket["status_url"], lang, SMALL_PHONE)
    wait_live(page)
    expect(page.locator("[data-ticket-state] [data-state]")).to_have_attribute("data-state", "waiting")
    assert_accessible(page, f"the ticket page, waiting ({lang})")

    counter_action(demo_url, counter["id"], "finish")  # whoever was there before
    response = counter_action(demo_url, counter["id"], "call", ticket=ticket["id"])
    assert response.status_code == 200, response.text
    expect(page.locator("[data-ticket-state] [data-state]")).to_have_attribute("data-state", "called")
    assert_accessible(page, f"the ticket page, called ({lang})")
    counter_action(demo_url, counter["id"], "finish")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_public_board(new_page, lang, viewport):
    page = open_page(new_page, "/o/demo/board/", lang, viewport)
    wait_live(page)
    assert_accessible(page, f"the public board at {viewport['width']} px ({lang})")


@pytest.mark.parametrize("lang", LANGS)
def test_lobby_display(new_page, demo_url, lang):
    counter = counter_serving(demo_url, "address")
    page = open_page(new_page, "/o/demo/display/", lang, FULL_HD)
    wait_live(page)
    assert_accessible(page, f"the lobby display ({lang})")

    issue(demo_url, "address")
    counter_action(demo_url, counter["id"], "finish")
    assert counter_action(demo_url, counter["id"], "call-next").status_code == 200
    expect(page.locator("[data-announcement]")).not_to_be_empty()
    assert_accessible(page, f"the lobby display announcing a call ({lang})")
    counter_action(demo_url, counter["id"], "finish")


def test_ticket_not_found_page(new_page):
    page = new_page(viewport=SMALL_PHONE)
    allow_console_error(page, r"status of 404 \(Not Found\)")
    response = page.goto("/t/no-such-ticket/")
    assert response.status == 404
    assert_accessible(page, "the ticket-not-found page")


# ------------------------------------------------------------------ what axe cannot see


def test_kiosk_announces_the_ticket_and_keeps_keyboard_focus_in_the_card(new_page):
    page = kiosk(new_page, "ja")
    button = page.locator('button[data-category="certificates"]')
    button.focus()
    page.keyboard.press("Enter")
    number = page.locator("[data-ticket-number]")
    expect(number).to_be_visible()
    announce = page.locator("[data-kiosk-announce]")
    expect(announce).to_have_attribute("aria-live", "assertive")
    expect(announce).to_contain_text(f"受付番号 {number.inner_text()}")
    expect(announce).to_contain_text(re.compile("あなたの前に|次はあなたの番です"))
    # Not the whole card (the URL, the QR hint) read out again and again.
    expect(page.locator("#kiosk-result")).not_to_have_attribute("aria-live", re.compile("."))
    expect(page.locator("[data-kiosk-done]")).to_be_focused()  # Enter again cannot issue a second ticket
    page.keyboard.press("Escape")
    expect(page.locator("[data-ticket-card]")).to_have_count(0)
    expect(button).to_be_focused()
    expect(announce).to_be_empty()


def test_public_board_announces_only_the_newly_called_number(new_page, demo_url):
    counter = counter_serving(demo_url, "seal")
    page = new_page(viewport=PHONE)
    page.goto("/o/demo/board/")
    wait_live(page)
    expect(page.locator("[data-calling]")).not_to_have_attribute("aria-live", re.compile("."))
    announce = page.locator("[data-call-announce]")
    expect(announce).to_have_attribute("aria-live", "polite")
    expect(announce).to_be_empty()

    issue(demo_url, "seal")
    called = counter_action(demo_url, counter["id"], "call-next").json()
    number = called["ticket"]["number"]
    expect(announce).to_have_text(f"{number}番の方 {counter['name']}へ")
    counter_action(demo_url, counter["id"], "finish")


@pytest.mark.parametrize("path,viewport", [
    ("/o/demo/kiosk/?device=demo-kiosk", FULL_HD),   # dark navy background
    ("/o/demo/display/", FULL_HD),                   # dark lobby theme
    ("/o/demo/board/", PHONE),                       # light page
])
def test_keyboard_focus_is_clearly_visible(new_page, path, viewport):
    page = new_page(viewport=viewport)
    page.goto(path)
    page.locator("main").click(position={"x": 1, "y": 1})
    page.keyboard.press("Tab")
    ring = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName, visible: e.matches(':focus-visible'), style: s.outlineStyle,
                width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }""")
    assert ring["tag"] in {"A", "BUTTON", "INPUT", "SELECT"}, ring
    assert ring["visible"] and ring["style"] == "solid" and ring["width"] >= 3, ring
    assert "255, 191, 71" in ring["shadow"], ring  # the yellow inner ring


TARGETS = """() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select')]
  .filter(e => e.offsetParent !== null && !e.closest('p'))   /* links inside a sentence are exempt */
  .map(e => { const r = e.getBoundingClientRect();
              return {what: e.outerHTML.slice(0, 80), w: Math.round(r.width), h: Math.round(r.height)}; })
  .filter(t => t.w < 44 || t.h < 44)"""


@pytest.mark.parametrize("where", ["kiosk", "ticket", "board"])
def test_touch_targets_are_at_least_44px(new_page, demo_url, where):
    if where == "kiosk":
        page = kiosk(new_page, "ja")
    else:
        url = issue(demo_url, "moving")["status_url"] if where == "ticket" else "/o/demo/board/"
        page = new_page(viewport=SMALL_PHONE)
        page.goto(url)
    small = page.evaluate(TARGETS)
    assert not small, f"touch targets smaller than 44×44 px on the {where} page: {small}"


def test_reduced_motion_stops_the_changed_highlight(new_page, demo_url):
    page = new_page(viewport=DESKTOP)
    page.emulate_media(reduced_motion="reduce")
    page.goto("/o/demo/board/")
    wait_live(page)
    issue(demo_url, "moving")
    changed = page.locator('tr[data-category="moving"] td.changed').first
    expect(changed).to_be_attached()
    assert changed.evaluate("e => getComputedStyle(e).animationName") == "none"
