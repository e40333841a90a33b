"""What citizens and clerks see, in a real browser against a real demo server.

A ticket taken at the kiosk shows up on the lobby display and the public
congestion page without a reload; the counter screen calls it and the lobby
display announces 「○番の方 ○番窓口へ」. Wrong input gets a clear Japanese
answer. Each screen is saved to test-artifacts/ for a human to look at.
"""

import re

import pytest
from playwright.sync_api import expect

from .helpers import (
    FULL_HD,
    PHONE,
    allow_console_error,
    api_board,
    assert_not_reloaded,
    board_row,
    call_next_with_keyboard,
    cell,
    counter_serving,
    issue,
    mark_page,
    open_counter,
    shot,
    wait_live,
)

pytestmark = pytest.mark.browser

RECALL_LIMIT = 3  # the server runs with the default MADOGUCHI_RECALL_LIMIT


# ------------------------------------------------------------------ (a) kiosk → display, board


def test_kiosk_ticket_appears_live_on_display_and_public_board(new_page, demo_url, artifacts):
    rows = api_board(demo_url)["rows"]
    # A category nobody waits for: its 次回呼出予定番号 becomes the new ticket's number.
    category = next(r for r in rows if r["waiting"] == 0 and r["category"] == "fastlane")["category"]
    before = board_row(demo_url, category)

    display = new_page(viewport=FULL_HD)
    display.goto("/o/demo/display/")
    board = new_page(viewport=PHONE)
    board.goto("/o/demo/board/")
    for page in (display, board):
        wait_live(page)
        mark_page(page)
        expect(cell(page, category, "waiting")).to_have_text(f"{before['waiting']}人")
        expect(cell(page, category, "next_number")).to_have_text("")

    kiosk = new_page(viewport=FULL_HD)
    kiosk.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; }")
    kiosk.goto("/o/demo/kiosk/?device=demo-kiosk")
    expect(kiosk).to_have_url(re.compile(r"/o/demo/kiosk/$"))  # the key left the address bar
    wait_live(kiosk)
    kiosk.locator(f'button[data-category="{category}"]').click()

    card = kiosk.locator("[data-ticket-card]")
    expect(card).to_be_visible()
    number = int(kiosk.locator("[data-ticket-number]").inner_text())
    assert before["range"][0] <= number <= before["range"][1]
    expect(card).to_contain_text("次はあなたの番です")  # nobody ahead (not 「あなたの前に 0人」)
    expect(card.locator(".wait")).not_to_contain_text("約0分")
    expect(card).to_contain_text("発券時刻")
    expect(card.locator(".qr svg")).to_be_visible()
    kiosk.wait_for_function("() => window.__printed === 1")  # the kiosk prints the ticket
    expect(kiosk.locator(f'[data-kiosk-meta="{category}"]')).to_contain_text(
        f"待ち {before['waiting'] + 1}人")
    shot(kiosk, artifacts, "kiosk-ticket")

    for page in (display, board):
        expect(cell(page, category, "waiting")).to_have_text(f"{before['waiting'] + 1}人")
        expect(cell(page, category, "next_number")).to_have_text(str(number))
        assert_not_reloaded(page)
    shot(display, artifacts, "display-after-kiosk")
    shot(board, artifacts, "public-board-phone")

    # The QR code's status page, as a phone opens it.
    status_url = card.locator("a").get_attribute("href")
    phone = new_page(viewport=PHONE)
    phone.goto(status_url)
    expect(phone.locator(".number")).to_have_text(str(number))
    expect(phone.locator("[data-ticket-state]")).to_contain_text("次はあなたの番です")
    shot(phone, artifacts, "ticket-status-phone")

    # Tapping the printed address on the kiosk does not take the kiosk away from its menu.
    card.locator("a").click()
    expect(card).to_be_visible()
    assert re.search(r"/o/demo/kiosk/$", kiosk.url), kiosk.url
    kiosk.locator("[data-kiosk-done]").click()
    expect(card).to_have_count(0)


# ------------------------------------------------------------------ (b) counter → display


def test_counter_calls_the_ticket_and_display_announces_it(new_page, demo_url, artifacts):
    counter = counter_serving(demo_url, "fastlane")
    ticket = issue(demo_url, "fastlane")
    # The fast lane goes first; this is the number the board promises next.
    expected = board_row(demo_url, "fastlane")["next_number"]
    assert expected is not None

    display = new_page(viewport=FULL_HD)
    display.goto("/o/demo/display/")
    board = new_page(viewport={"width": 1280, "height": 900})
    board.goto("/o/demo/board/")
    phone = new_page(viewport=PHONE)
    phone.goto(ticket["status_url"])
    for page in (display, board, phone):
        wait_live(page)
        mark_page(page)

    clerk = new_page(viewport={"width": 1366, "height": 900})
    dialogs = open_counter(clerk, demo_url, counter["id"])
    expect(clerk.locator(".counter-head h1")).to_contain_text(counter["name"])
    call_next_with_keyboard(clerk, dialogs)

    expect(clerk.locator("[data-current-number]")).to_have_text(str(expected))
    expect(clerk.locator("[data-flash]")).to_have_text(f"{expected}番を呼び出しました。")

    # The lobby display announces in Japanese, then in English.
    announcement = display.locator("[data-announcement] [lang=ja]")
    expect(announcement).to_have_text(f"{expected}番の方 {counter['name']}へ")
    expect(display.locator("[data-announcement] [lang=en]")).to_have_text(
        re.compile(rf"^Number {expected}, please go to (Counter \d+|the counter|\S.*)$"))
    calling = display.locator("[data-calling] li").filter(has_text=str(expected))
    expect(calling).to_have_count(1)
    expect(calling).to_contain_text(counter["name"])
    expect(board.locator("[data-calling] li").filter(has_text=str(expected))).to_contain_text(
        counter["name"])
    expect(cell(board, "fastlane", "last_called")).to_have_text(str(expected))
    if expected == ticket["number"]:
        expect(phone.locator("[data-ticket-state]")).to_contain_text(
            f"お呼びしています {counter['name']}へお越しください")
    for page in (display, board, phone):
        assert_not_reloaded(page)

    shot(clerk, artifacts, "counter-called")
    shot(display, artifacts, "display-announcing")
    shot(board, artifacts, "public-board-desktop")
    shot(phone, artifacts, "ticket-status-called")


# ------------------------------------------------------------------ (c) wrong input


def test_kiosk_without_device_key_shows_setup(new_page, artifacts):
    page = new_page()
    allow_console_error(page, r"status of 403 \(Forbidden\)")  # the wrong key, on purpose
    page.goto("/o/demo/kiosk/")
    expect(page.locator("h1")).to_have_text("発券機の設定")
    expect(page.locator("button.kiosk-button")).to_have_count(0)

    page.locator("#device").fill("not-a-device-key")
    with page.expect_navigation() as navigation:
        page.locator("main button.primary").click()
    assert navigation.value.status == 403
    expect(page.locator(".alert.error")).to_have_text(
        "端末キーが正しくないか、この庁舎の発券機用ではありません。")
    expect(page.locator("button.kiosk-button")).to_have_count(0)
    shot(page, artifacts, "kiosk-setup-wrong-key")

    page.locator("#device").fill("demo-kiosk")
    page.locator("main button.primary").click()
    expect(page.locator("button.kiosk-button")).to_have_count(12)  # the seed's six and the one-stop case's six sections
    shot(page, artifacts, "kiosk-menu")


def test_counter_screen_sends_a_stranger_to_login(new_page, demo_url, artifacts):
    counter = counter_serving(demo_url, "moving")
    path = f"/o/demo/counter/{counter['id']}/"
    page = new_page()
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=" + re.escape(path) + "$"))
    expect(page.locator("h1")).to_have_text("職員ログイン")
    expect(page.locator("[data-current-number], .counter-panel")).to_have_count(0)
    shot(page, artifacts, "login-for-counter")

    page.locator("#id_username").fill("staff")
    page.locator("#id_password").fill("wrong")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".alert.error")).to_have_text("ユーザー名またはパスワードが正しくありません。")
    expect(page.locator(".counter-panel")).to_have_count(0)


def settled(page) -> None:
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def test_recall_beyond_the_limit_shows_a_japanese_error(new_page, demo_url, artifacts):
    counter = counter_serving(demo_url, "fastlane")
    issue(demo_url, "fastlane")
    clerk = new_page(viewport={"width": 1366, "height": 900})
    dialogs = open_counter(clerk, demo_url, counter["id"])
    call_next_with_keyboard(clerk, dialogs)
    number = clerk.locator("[data-current-number]").inner_text()
    assert number.isdigit()

    display = new_page(viewport=FULL_HD)
    display.goto("/o/demo/display/")
    wait_live(display)

    for n in range(1, RECALL_LIMIT + 1):
        # The flash reads the same after every recall: wait until htmx has finished swapping in
        # (and wiring up) the last answer, or the key lands on a button not yet wired.
        settled(clerk)
        clerk.keyboard.press("r")
        expect(clerk.locator(".current")).to_contain_text(f"再呼出 {n}回")
        expect(clerk.locator("[data-flash]")).to_have_text(f"{number}番を再呼出しました。")
    # Each recall is announced again on the lobby display.
    expect(display.locator("[data-announcement] [lang=ja]")).to_have_text(f"{number}番の方 {counter['name']}へ")

    settled(clerk)
    clerk.keyboard.press("r")
    error = clerk.locator(".alert.error")
    expect(error).to_have_text(f"再呼出は{RECALL_LIMIT}回までです。不在にするか、保留にしてください。")
    expect(clerk.locator("[data-current-number]")).to_have_text(number)  # still at this counter
    expect(clerk.locator(".current")).to_contain_text(f"再呼出 {RECALL_LIMIT}回")
    shot(clerk, artifacts, "counter-recall-limit")
