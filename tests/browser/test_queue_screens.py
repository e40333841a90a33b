"""What citizens and clerks see, in a real browser against a real demo server.

A ticket taken at the kiosk shows up on the lobby display and the public
congestion page without a reload; the counter screen calls it and the lobby
display announces 「○番の方 ○番窓口へ」. Wrong input gets a clear Japanese
answer. Each screen is saved to test-artifacts/ for a human to look at.
"""

import re

import httpx
import pytest
from playwright.sync_api import expect

from ..services_available import require_chromium

pytestmark = pytest.mark.browser

RECALL_LIMIT = 3  # the server runs with the default MADOGUCHI_RECALL_LIMIT
KIOSK = {"Authorization": "Bearer demo-kiosk"}
PHONE = {"width": 390, "height": 844}
FULL_HD = {"width": 1920, "height": 1080}


@pytest.fixture(autouse=True)
def _chromium():
    require_chromium()


# ------------------------------------------------------------------ helpers


def api_board(base_url: str) -> dict:
    response = httpx.get(f"{base_url}/api/v1/offices/demo/board", timeout=10)
    response.raise_for_status()
    return response.json()


def board_row(base_url: str, category: str) -> dict:
    return next(r for r in api_board(base_url)["rows"] if r["category"] == category)


def counter_serving(base_url: str, category: str) -> dict:
    """The first counter that serves ``category``."""
    counters = httpx.get(f"{base_url}/api/v1/offices/demo/counters", timeout=10).json()
    return next(c for c in counters if category in c["categories"])


def issue(base_url: str, category: str) -> dict:
    response = httpx.post(f"{base_url}/api/v1/offices/demo/tickets", json={"category": category},
                          headers=KIOSK, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def wait_live(page) -> None:
    """Wait until the page's EventSource has delivered its first board snapshot.

    From then on the server has this page subscribed, so no event can be missed.
    """
    page.wait_for_function(
        "() => { const r = document.querySelector('[data-live-office]');"
        " return r && r.dataset.lastEventId; }")


def mark_page(page) -> None:
    """A flag that only survives if the page is never reloaded."""
    page.evaluate("window.__sameDocument = true")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def cell(page, category: str, column: str):
    return page.locator(f'tr[data-category="{category}"] [data-col="{column}"]')


def login(page, next_path: str, username: str = "staff", password: str = "staff") -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**{next_path}")


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def open_counter(page, base_url: str, counter_id: str) -> list[str]:
    """Log in as counter staff and open the counter screen; returns confirm() texts seen."""
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    path = f"/o/demo/counter/{counter_id}/"
    login(page, path)
    wait_live(page)
    return dialogs


def call_next_with_keyboard(page, dialogs: list[str]) -> None:
    """Press N; when someone is still being served the screen asks first (accepted)."""
    current = page.locator("[data-current-number]")
    serving = current.count() and current.inner_text().strip()
    asked_before = len(dialogs)
    page.keyboard.press("n")
    if serving:
        expect(current).not_to_have_text(serving)
        assert len(dialogs) == asked_before + 1
        assert f"{serving}番を完了にして、次の方を呼び出しますか" in dialogs[-1]


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
    expect(card).to_contain_text("あなたの前に 0人 お待ちです")
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
    expect(phone.locator("[data-ticket-state]")).to_contain_text("あなたの前に 0人")
    shot(phone, artifacts, "ticket-status-phone")

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

    announcement = display.locator("[data-announcement]")
    expect(announcement).to_have_text(f"{expected}番の方 {counter['name']}へ")
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
    expect(page.locator("button.kiosk-button")).to_have_count(6)
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
        clerk.keyboard.press("r")
        expect(clerk.locator(".current")).to_contain_text(f"再呼出 {n}回")
        expect(clerk.locator("[data-flash]")).to_have_text(f"{number}番を再呼出しました。")
    # Each recall is announced again on the lobby display.
    expect(display.locator("[data-announcement]")).to_have_text(f"{number}番の方 {counter['name']}へ")

    clerk.keyboard.press("r")
    error = clerk.locator(".alert.error")
    expect(error).to_have_text(f"再呼出は{RECALL_LIMIT}回までです。不在にするか、保留にしてください。")
    expect(clerk.locator("[data-current-number]")).to_have_text(number)  # still at this counter
    expect(clerk.locator(".current")).to_contain_text(f"再呼出 {RECALL_LIMIT}回")
    shot(clerk, artifacts, "counter-recall-limit")
