"""Floor control in a real browser (issue 8 §3 and fault 1.3).

The supervisor pauses a counter and moves a ticket with the keyboard; the lobby display and
the public board follow without a reload. A visitor called as 不在 appears on the lobby
display's 「お呼びしましたがお越しでない番号」 and leaves it when reinstated.
"""

import re

import httpx
import pytest
from playwright.sync_api import expect

from .helpers import (
    FULL_HD,
    PHONE,
    STAFF,
    api_board,
    assert_accessible,
    assert_not_reloaded,
    board_row,
    cell,
    counter_action,
    counters,
    issue,
    login,
    mark_page,
    shot,
    wait_live,
)

pytestmark = pytest.mark.browser


def counter_id(base_url: str, number: int) -> str:
    return next(c["id"] for c in counters(base_url) if c["name"] == f"{number}番窓口")


def people(n: int) -> str:
    return f"{n}人"


def test_supervisor_pauses_a_counter_and_moves_a_ticket_display_and_board_follow(new_page, demo_url, artifacts):
    # Two visitors for 住居表示 (address): served by counters 3 and 8.
    issue(demo_url, "address")
    moved = issue(demo_url, "address")
    before = api_board(demo_url)
    address = next(r for r in before["rows"] if r["category"] == "address")
    seal = next(r for r in before["rows"] if r["category"] == "seal")

    display = new_page(viewport=FULL_HD)
    display.goto("/o/demo/display/")
    board = new_page(viewport=PHONE)
    board.goto("/o/demo/board/")
    for page in (display, board):
        wait_live(page)
        mark_page(page)
        expect(cell(page, "address", "waiting")).to_have_text(people(address["waiting"]))
        expect(cell(page, "address", "wait_minutes")).to_have_text(f"{address['wait_minutes']}分")

    supervisor = new_page()
    login(supervisor, "/o/demo/supervisor/", "admin", "admin")
    wait_live(supervisor)
    supervisor.locator("#counter-" + counter_id(demo_url, 3) + "-categories summary").click()  # an editor open
    assert_accessible(supervisor, "the floor-control screen")

    # 1. Pause counter 8 with the keyboard: address loses one of its two open counters.
    pause = supervisor.get_by_role("button", name="8番窓口を休止")
    pause.focus()
    supervisor.keyboard.press("Enter")
    expect(supervisor.locator("[data-flash]")).to_have_text("8番窓口を受付休止にしました。")
    expect(supervisor.locator('tr[data-counter="8"] [data-paused]')).to_have_text("休止中")
    paused = board_row(demo_url, "address")
    assert paused["wait_minutes"] > address["wait_minutes"]  # fewer open counters: a longer wait
    for page in (display, board):
        expect(cell(page, "address", "wait_minutes")).to_have_text(f"{paused['wait_minutes']}分")

    # 2. Move the second address ticket to seal, keeping its place (keyboard: select, then 移す).
    row = supervisor.locator(f'tr[data-ticket="{moved["number"]}"]')
    row.get_by_label(f"{moved['number']}番の移動先").select_option("seal")
    row.get_by_role("button", name="移す").focus()
    supervisor.keyboard.press("Enter")
    expect(supervisor.locator("[data-flash]")).to_contain_text(f"{moved['number']}番を「印鑑登録")
    for page in (display, board):
        expect(cell(page, "address", "waiting")).to_have_text(people(address["waiting"] - 1))
        expect(cell(page, "seal", "waiting")).to_have_text(people(seal["waiting"] + 1))
    ticket = httpx.get(f"{demo_url}/api/v1/tickets/{moved['id']}", timeout=10).json()
    assert ticket["category"] == "seal" and ticket["state"] == "waiting"

    shot(supervisor, artifacts, "floor-control-supervisor")
    shot(display, artifacts, "floor-control-display")
    for page in (display, board):
        assert_not_reloaded(page)


def test_display_lists_a_no_show_live_and_drops_it_when_reinstated(new_page, demo_url, artifacts):
    display = new_page(viewport=FULL_HD)
    display.goto("/o/demo/display/")
    wait_live(display)
    mark_page(display)
    missed = display.locator("[data-missed]")

    ticket = issue(demo_url, "family-register")  # served by counter 5 only
    desk = counter_id(demo_url, 5)
    assert counter_action(demo_url, desk, "call", ticket=ticket["id"]).status_code == 200
    assert counter_action(demo_url, desk, "no-show").status_code == 200
    expect(missed.get_by_text(str(ticket["number"]), exact=True)).to_be_visible()
    expect(display.locator("[data-missed-section] h2")).to_be_visible()
    shot(display, artifacts, "display-missed-numbers")

    response = httpx.post(f"{demo_url}/api/v1/tickets/{ticket['id']}/reinstate", headers=STAFF, timeout=10)
    assert response.status_code == 200, response.text
    expect(missed.get_by_text(str(ticket["number"]), exact=True)).to_have_count(0)
    assert_not_reloaded(display)

    # On a quiet floor a number still leaves on time: a snapshot whose entry is already past
    # its missed_until shows nothing, without waiting for another queue change.
    display.evaluate("""() => document.dispatchEvent(new CustomEvent("madoguchi:board", {detail: {
        office: "demo", updated_at: new Date().toISOString(), rows: [], calling: [],
        missed: [4242], missed_until: ["2000-01-01T00:00:00+09:00"]}}))""")
    expect(missed.get_by_text("4242", exact=True)).to_have_count(0)
    expect(display.locator("[data-missed-section]")).to_be_hidden()


def test_running_timer_counts_up_on_the_supervisor_screen(new_page, demo_url):
    ticket = issue(demo_url, "seal")
    desk = counter_id(demo_url, 7)
    assert counter_action(demo_url, desk, "call", ticket=ticket["id"]).status_code == 200
    supervisor = new_page()
    login(supervisor, "/o/demo/supervisor/", "admin", "admin")
    timer = supervisor.locator('tr[data-counter="7"] time[data-since]')
    elapsed = re.compile(r"^(\d+):(\d\d)$")  # m:ss since the call, counted in the page

    def seconds() -> int:
        expect(timer).to_have_text(elapsed)
        m = elapsed.match(timer.inner_text())
        return int(m.group(1)) * 60 + int(m.group(2))

    first = seconds()
    supervisor.wait_for_timeout(2100)
    assert seconds() >= first + 2


def test_kiosk_follows_issuing_paused_and_resumed_at_the_floor(new_page, demo_url, artifacts):
    kiosk = new_page()
    kiosk.goto("/o/demo/kiosk/?device=demo-kiosk")
    wait_live(kiosk)
    button = kiosk.locator('.kiosk-button[data-category="fastlane"]:not([disabled])')
    expect(button).to_have_count(1)

    supervisor = new_page()
    login(supervisor, "/o/demo/supervisor/", "admin", "admin")
    wait_live(supervisor)
    item = supervisor.locator('.floor-issuing li[data-category="fastlane"]')
    item.get_by_role("button", name="発券を停止").click()
    expect(supervisor.locator("[data-flash]")).to_contain_text("の発券を停止しました。")
    expect(button).to_have_count(0)  # the kiosk redrew its menu by itself
    shot(kiosk, artifacts, "kiosk-after-issuing-paused")
    assert httpx.post(f"{demo_url}/api/v1/offices/demo/tickets", json={"category": "fastlane"},
                      headers={"Authorization": "Bearer demo-kiosk"}, timeout=10).json()["code"] == "category_closed"

    item.get_by_role("button", name="発券を再開").click()
    expect(supervisor.locator("[data-flash]")).to_contain_text("の発券を再開しました。")
    expect(button).to_have_count(1)


def test_live_refresh_never_swallows_what_the_supervisor_is_typing(new_page, demo_url):
    first = issue(demo_url, "certificates")
    supervisor = new_page()
    login(supervisor, "/o/demo/supervisor/", "admin", "admin")
    wait_live(supervisor)
    editor = supervisor.locator("#counter-" + counter_id(demo_url, 6) + "-categories")
    editor.locator("summary").click()
    memo = supervisor.get_by_label(f"{first['number']}番のメモ")
    memo.fill("書類を取りに戻られました")
    later = issue(demo_url, "certificates")  # the queue changes while the supervisor types
    supervisor.wait_for_timeout(1500)
    expect(memo).to_have_value("書類を取りに戻られました")  # not re-rendered under the hands
    expect(supervisor.locator(f'tr[data-ticket="{later["number"]}"]')).to_have_count(0)
    supervisor.keyboard.press("Enter")  # the memo is saved, then the panel catches up
    expect(supervisor.locator("[data-flash]")).to_have_text(f"{first['number']}番にメモを残しました。")
    expect(supervisor.locator(f'tr[data-ticket="{later["number"]}"]')).to_have_count(1)
    expect(supervisor.locator(f'tr[data-ticket="{first["number"]}"] [data-memo]')).to_contain_text(
        "書類を取りに戻られました")
    rows = supervisor.locator("tr[data-ticket]").count()
    issue(demo_url, "seal")  # one more live refresh: the opened editor stays open
    expect(supervisor.locator("tr[data-ticket]")).to_have_count(rows + 1)
    expect(editor).to_have_attribute("open", "")
