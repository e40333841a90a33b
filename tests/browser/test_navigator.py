"""手続きナビ end to end, in Debian chromium against a real demo server.

A family moving in (転入) — a parent of 40, a 3-year-old and a grandparent of 70 — answers on a
360 px phone and sees 児童手当, こども医療費助成 and 介護保険 with what to bring; nothing of the
answers leaves the phone (every request the page makes is watched) and a reload keeps the
draft. The result's hand-over QR is decoded from a screenshot (zxing-cpp) and typed character
by character into the counter's scan field, as a USB desk scanner types: a case opens. The
clerk completes two procedures and sends the visitor on to こども課; the next counter calls the
routed ticket and sees the case with those two 完了.

The same navigator on the office's kiosk issues a ticket for the first counter and opens a
case printed on it; the clerk's interview (聞き取り) runs with the keyboard alone.
Screenshots of every screen go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from ..services_available import require_chromium
from .helpers import (
    SMALL_PHONE,
    STAFF,
    assert_accessible,
    counter_action,
    counter_serving,
    issue,
    login,
    open_counter,
    shot,
)

# second_pass: run by the PostgreSQL pass when there is one, so the two passes take about as long
pytestmark = [pytest.mark.browser, pytest.mark.second_pass]

TODAY = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
FAMILY = [("head", 40), ("child", 3), ("parent", 70)]
YES = {"mynumber_card"}  # they hold My Number Cards (市民課 then has two procedures for them)
# What the family must be told, with documents (codes of the sample catalogue).
EXPECTED = {"jidou_teate_nintei": "児童手当", "kodomo_iryo_tennyu": "こども医療費助成",
            "kaigo_shikaku_tennyu": "介護保険"}
KIOSK_PORTRAIT = {"width": 1080, "height": 1920}
RECEIPT = {"width": 302, "height": 1200}  # 80 mm at 96 dpi
A4 = {"width": 794, "height": 1123}


@pytest.fixture(autouse=True)
def _chromium():
    require_chromium()


def born(years: int) -> str:
    """A birth date that makes someone ``years`` old today (the 1st of this month)."""
    return dt.date(TODAY.year - years, TODAY.month, 1).isoformat()


def fill_household(page, family) -> None:
    rows = page.locator("[data-member]")
    while rows.count() < len(family):
        page.locator("[data-member-add]").click()
    for i, (relationship, years) in enumerate(family):
        rows.nth(i).locator("[data-member-relationship]").select_option(relationship)
        rows.nth(i).locator("[data-member-birth]").fill(born(years))


def current_question(page) -> tuple[str, str | None, str | None]:
    step = page.locator("[data-step]")
    expect(step).to_have_count(1)
    return (step.get_attribute("data-step"), step.get_attribute("data-question"),
            step.get_attribute("data-type"))


def answer_until_result(page, family, *, on_question=None, keyboard=False) -> list[str]:
    """Answer every question the navigator still asks: the move 3 days ago, the family, 「はい」
    to YES and 「いいえ」 to the other yes/no questions, 「わからない」 to choices and numbers.
    Returns the question ids in order."""
    asked = []
    while True:
        step, qid, kind = current_question(page)
        if step == "result":
            return asked
        asked.append(qid)
        if on_question:
            on_question(qid)
        if qid == "move_date":
            page.locator("[data-navi-input]").fill((TODAY - dt.timedelta(days=3)).isoformat())
            page.keyboard.press("Enter") if keyboard else page.locator("[data-navi-next]").click()
        elif kind == "household":
            fill_household(page, family)
            if keyboard:
                page.locator("[data-member-birth]").last.press("Enter")
            else:
                page.locator("[data-navi-next]").click()
        elif kind == "yes_no":
            key, answer = ("y", "yes") if qid in YES else ("n", "no")
            page.keyboard.press(key) if keyboard else page.locator(f'[data-answer="{answer}"]').click()
        else:
            page.keyboard.press("u") if keyboard else page.locator('[data-answer="unknown"]').click()
        expect(page.locator(f'[data-step="question"][data-question="{qid}"]')).to_have_count(0)


def procedure(page, code):
    return page.locator(f'[data-procedure="{code}"]')


def decode_qr(locator) -> str:
    """What a scanner reads off the screen: the QR code's text, decoded from a screenshot."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(locator.screenshot())), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return found[0].text


# ------------------------------------------------------------------ the citizen's phone


def test_a_family_moving_in_from_phone_to_two_counters(new_page, demo_url, artifacts):
    phone = new_page(viewport=SMALL_PHONE)
    requests = []
    phone.on("request", lambda r: requests.append((r.method, r.url, r.post_data or "")))
    phone.goto("/o/demo/navi/")
    expect(phone.locator('[data-life-event="tennyu"]')).to_be_visible()
    shot(phone, artifacts, "navi-phone-1-life-events-360")
    phone.locator('[data-life-event="tennyu"]').click()

    reloaded = []

    def on_question(qid):
        if qid == "household":
            fill_household(phone, FAMILY)
            # The grandparent's birth date as many know it, in 和暦 (昭和): it fills the date.
            grandparent = phone.locator("[data-member]").nth(2)
            grandparent.locator("[data-member-birth]").fill("")
            grandparent.locator("[data-wareki-entry] summary").click()
            birth = dt.date.fromisoformat(born(70))
            grandparent.locator("[data-wareki-era]").select_option("showa")
            grandparent.locator("[data-wareki-year]").fill(str(birth.year - 1925))
            grandparent.locator("[data-wareki-month]").fill(str(birth.month))
            grandparent.locator("[data-wareki-day]").fill(str(birth.day))
            expect(grandparent.locator("[data-member-birth]")).to_have_value(born(70))
            expect(grandparent.locator("[data-member-age]")).to_have_text("70歳")
            shot(phone, artifacts, "navi-phone-2-household-360")
        if qid == "insurance" and not reloaded:
            # The draft survives a reload (this browser's storage only): the same question
            # comes back with the household already answered.
            phone.reload()
            expect(phone.locator('[data-step="question"][data-question="insurance"]')).to_be_visible()
            phone.locator("[data-navi-answered] summary").click()
            expect(phone.locator('[data-answered="household"]')).to_contain_text("3人")
            expect(phone.locator('[data-answered="move_date"]')).to_be_visible()
            reloaded.append(qid)
            shot(phone, artifacts, "navi-phone-3-question-after-reload-360")

    asked = answer_until_result(phone, FAMILY, on_question=on_question)
    assert asked[:2] == ["move_date", "household"] and reloaded

    # The result by section, each procedure with why it applies and what to bring.
    expect(phone.locator("[data-navi-summary]")).to_be_visible()
    for code, name in EXPECTED.items():
        item = procedure(phone, code)
        expect(item).to_have_attribute("data-status", "applies")
        expect(item.locator(".name")).to_contain_text(name)
        expect(item.locator(".navi-why")).not_to_be_empty()
        assert item.locator("[data-documents] li").count() >= 1, f"{name}: no documents shown"
    expect(procedure(phone, "kaigo_shikaku_tennyu").locator("xpath=ancestor::section[1]/h3")).to_have_text("介護保険課")
    # 「わからない」 about insurance: the 国保 procedure stays, marked 要確認 with what to check.
    to_check = phone.locator('[data-procedure][data-status="to_check"]')
    assert to_check.count() >= 1
    expect(to_check.first.locator("[data-to-check]")).to_have_text("要確認")
    expect(to_check.first.locator(".navi-check-what")).to_contain_text("確認すること")

    # The hand-over QR, made in the browser with the office's public key.
    handover = phone.locator("[data-handover]")
    expect(handover).to_contain_text("窓口でこのQRコードをお見せください")
    qr = phone.locator("[data-handover-qr] svg")
    expect(qr).to_be_visible()
    expect(phone.locator("[data-handover-expiry]")).to_contain_text("有効期限")
    handover.scroll_into_view_if_needed()
    shot(phone, artifacts, "navi-phone-4-result-360")
    assert_accessible(phone, "the navigator's result on a phone")
    text = decode_qr(qr)
    assert text.startswith("MD1:") and re.fullmatch(r"[0-9A-Z $%*+\-./:]+", text)

    # Nothing of the answers went to the server: only GETs, no body, no answer in an address.
    sent = [(m, u, body) for m, u, body in requests if m != "GET" or body]
    assert not sent, f"the citizen's page sent something: {sent}"
    values = [born(years) for _rel, years in FAMILY] + [(TODAY - dt.timedelta(days=3)).isoformat()]
    leaked = [u for _m, u, _b in requests for value in values if value in u]
    assert not leaked, f"an answer in a request's address: {leaked}"
    assert any("/api/v1/procedures/catalogue" in u for _m, u, _b in requests)

    # Printed on A4: the list and the QR code.
    phone.set_viewport_size(A4)
    phone.emulate_media(media="print")
    expect(qr).to_be_visible()
    expect(phone.locator("[data-navi-restart]")).to_be_hidden()
    expect(phone.locator(".lang-switch")).to_be_hidden()
    shot(phone, artifacts, "navi-phone-5-print-a4")
    phone.emulate_media(media="screen")

    # 市民課: the visitor's ticket is called; the clerk scans the QR with a desk scanner.
    ticket = issue(demo_url, "moving")
    first = counter_serving(demo_url, "moving")
    assert counter_action(demo_url, first["id"], "call", ticket=ticket["id"]).status_code == 200
    clerk = new_page(viewport={"width": 1366, "height": 900})
    open_counter(clerk, demo_url, first["id"])
    scan = clerk.locator("#case-scan")
    scan.click()
    scan.press_sequentially(text)  # one key event per character, as a keyboard-wedge scanner
    scan.press("Enter")
    panel = clerk.locator("#case-panel[data-case-code]")
    expect(panel).to_be_visible()
    case_code = panel.get_attribute("data-case-code")
    for code in EXPECTED:
        expect(panel.locator(f'[data-case-procedure="{code}"]')).to_be_visible()

    # The clerk completes two procedures of 市民課 and sends the visitor to こども課.
    done = [el.get_attribute("data-case-procedure")
            for el in panel.locator('[data-case-section="shimin"] [data-case-procedure]').all()[:2]]
    assert len(done) == 2, "市民課 has fewer than two procedures for this family"
    for code in done:
        clerk.locator(f'[data-case-procedure="{code}"] button[data-status="done"]').click()
        expect(clerk.locator(f'[data-case-procedure="{code}"]')).to_have_attribute("data-status", "done")
    expect(clerk.locator('#case-next-category option[value="children"]')).to_have_count(1)
    shot(clerk, artifacts, "navi-counter-1-case-opened-from-qr")
    # Choose こども課 and press 「次の窓口へ」 in one go: the counter's panel redraws itself on
    # any queue event, which may land between two separate Playwright steps.
    clerk.evaluate("""() => {
        document.querySelector('#case-next-category').value = 'children';
        document.querySelector('#case-route').click();
    }""")
    expect(clerk.locator("[data-case-flash]")).to_contain_text("ご案内しました")

    # こども課: the routed ticket is called; the case opens beside it with the two 完了.
    routed = httpx.get(f"{demo_url}/api/v1/tickets/{ticket['id']}", timeout=10).json()
    assert routed["category"] == "children"
    second = counter_serving(demo_url, "children")
    assert second["id"] != first["id"]
    assert counter_action(demo_url, second["id"], "call", ticket=ticket["id"]).status_code == 200
    clerk2 = new_page(viewport={"width": 1366, "height": 900})
    open_counter(clerk2, demo_url, second["id"])
    panel2 = clerk2.locator(f'#case-panel[data-case-code="{case_code}"]')
    expect(panel2).to_be_visible()
    for code in done:
        item = panel2.locator(f'[data-case-procedure="{code}"]')
        expect(item).to_have_attribute("data-status", "done")
        expect(item.locator("button.current")).to_contain_text("完了")
    expect(panel2.locator('[data-case-procedure="jidou_teate_nintei"]')).to_have_attribute("data-status", "pending")
    shot(clerk2, artifacts, "navi-counter-2-next-counter-sees-the-case")


# ------------------------------------------------------------------ the kiosk in the office


def test_the_kiosk_navigator_prints_a_ticket_with_its_case(new_page, demo_url, artifacts):
    kiosk = new_page(viewport=KIOSK_PORTRAIT)
    kiosk.add_init_script("window.__prints = 0; window.print = () => { window.__prints += 1; };")
    kiosk.goto("/o/demo/kiosk/navi/?device=demo-kiosk")
    expect(kiosk.locator('[data-life-event="tennyu"]')).to_be_visible()
    shot(kiosk, artifacts, "navi-kiosk-1-life-events")
    kiosk.locator('[data-life-event="tennyu"]').click()

    def on_question(qid):
        if qid == "household":
            fill_household(kiosk, FAMILY)
            shot(kiosk, artifacts, "navi-kiosk-2-household")

    answer_until_result(kiosk, FAMILY, on_question=on_question)
    for code in EXPECTED:
        expect(procedure(kiosk, code)).to_be_visible()
    expect(kiosk.locator("[data-handover]")).to_have_count(0)  # inside the office: a ticket instead
    shot(kiosk, artifacts, "navi-kiosk-3-result")
    assert_accessible(kiosk, "the navigator's result on the kiosk")

    kiosk.locator("[data-kiosk-issue]").click()
    card = kiosk.locator("[data-ticket-card]")
    expect(card).to_be_visible()
    expect(card.locator("[data-case-code-text]")).to_have_text(re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}$"))
    assert kiosk.evaluate("window.__prints") == 1, "the kiosk prints the ticket once"
    shot(kiosk, artifacts, "navi-kiosk-4-ticket")
    kiosk.set_viewport_size(RECEIPT)
    kiosk.emulate_media(media="print")
    # The receipt: the ticket with its case code first, then the list to bring; no buttons.
    ticket_box = card.bounding_box()
    first_section = kiosk.locator("[data-section]").first.bounding_box()
    assert ticket_box["y"] + ticket_box["height"] <= first_section["y"]
    assert ticket_box["width"] <= RECEIPT["width"]
    expect(card.locator("[data-kiosk-done]")).to_be_hidden()
    expect(kiosk.locator(".fact-notes").first).to_be_hidden()
    shot(kiosk, artifacts, "navi-kiosk-5-receipt-80mm")
    kiosk.emulate_media(media="screen")
    kiosk.set_viewport_size(KIOSK_PORTRAIT)

    # The ticket is for the first counter the family needs (市民課, 転入届), and the case it
    # carries holds the answers and every procedure the kiosk showed.
    ticket = httpx.get(f"{demo_url}/api/v1/tickets/{card.get_attribute('data-ticket-id')}", timeout=10).json()
    assert ticket["category"] == "moving"
    case = httpx.get(f"{demo_url}/api/v1/cases/{card.get_attribute('data-case-code')}", headers=STAFF,
                     timeout=10).json()
    assert case["source"] == "kiosk" and case["life_event"] == "tennyu"
    assert [t["id"] for t in case["tickets"]] == [card.get_attribute("data-ticket-id")]
    assert set(EXPECTED) <= {p["code"] for p in case["procedures"]}
    assert len(case["answers"]["household"]) == len(FAMILY)

    # The next visitor finds the kiosk empty: the answers are gone from the browser.
    card.locator("[data-kiosk-done]").click()
    expect(kiosk.locator('[data-step="events"]')).to_be_visible()
    assert kiosk.evaluate("sessionStorage.getItem('madoguchi.navi.demo')") is None
    kiosk.reload()
    expect(kiosk.locator('[data-step="events"]')).to_be_visible()


# ------------------------------------------------------------------ the clerk's interview


def test_the_interview_runs_on_the_keyboard_and_opens_a_case(new_page, demo_url, artifacts):
    clerk = new_page(viewport={"width": 1366, "height": 900})
    login(clerk, "/o/demo/interview/")
    expect(clerk.locator('[data-step="events"]')).to_be_visible()
    shot(clerk, artifacts, "navi-interview-1-life-events")
    clerk.keyboard.press("1")  # 転入, the first life event
    expect(clerk.locator("[data-chosen-event]")).to_have_attribute("data-chosen-event", "tennyu")
    shots = []

    def on_question(qid):
        if qid in ("household", "mynumber_card") and qid not in shots:
            if qid == "household":
                fill_household(clerk, FAMILY)
            shots.append(qid)
            shot(clerk, artifacts, f"navi-interview-{len(shots) + 1}-{qid}")

    answer_until_result(clerk, FAMILY, on_question=on_question, keyboard=True)
    for code in EXPECTED:
        expect(procedure(clerk, code)).to_be_visible()
    create = clerk.locator("[data-create-case]")
    expect(create).to_be_focused()
    shot(clerk, artifacts, "navi-interview-4-result")
    clerk.keyboard.press("Enter")  # 「案件を作成」
    clerk.wait_for_url(re.compile(r"/o/demo/cases/[0-9A-Z]+/$"))
    code = clerk.url.rstrip("/").rsplit("/", 1)[1]
    case = httpx.get(f"{demo_url}/api/v1/cases/{code}", headers=STAFF, timeout=10).json()
    assert case["source"] == "interview"
    assert set(EXPECTED) <= {p["code"] for p in case["procedures"]}
    assert case["answers"]["owns_dog"] is False  # an 「いいえ」 typed as N
    shot(clerk, artifacts, "navi-interview-5-case-page")


def test_switching_language_keeps_the_answers(new_page, artifacts):
    phone = new_page(viewport=SMALL_PHONE)
    phone.goto("/o/demo/navi/")
    phone.locator('[data-life-event="tennyu"]').click()
    phone.locator("[data-navi-input]").fill((TODAY - dt.timedelta(days=3)).isoformat())
    phone.locator("[data-navi-next]").click()
    expect(phone.locator('[data-question="household"]')).to_be_visible()
    phone.get_by_role("link", name="Tiếng Việt").click()
    expect(phone.locator("html")).to_have_attribute("lang", "vi")
    # The same question, now in Vietnamese (the catalogue's own translation), answers kept.
    expect(phone.locator('[data-question="household"] [data-navi-heading]')).to_contain_text("hộ")
    expect(phone.locator('[data-answer="unknown"]')).to_have_text("Không biết")
    phone.locator("[data-navi-answered] summary").click()
    expect(phone.locator('[data-answered="move_date"]')).to_be_visible()
    shot(phone, artifacts, "navi-phone-6-household-vi-360")


def test_the_kiosk_forgets_a_visitor_who_walks_away(new_page):
    kiosk = new_page(viewport=KIOSK_PORTRAIT)
    kiosk.clock.install()
    kiosk.goto("/o/demo/kiosk/navi/?device=demo-kiosk")
    kiosk.locator('[data-life-event="tennyu"]').click()
    kiosk.locator("[data-navi-input]").fill((TODAY - dt.timedelta(days=3)).isoformat())
    kiosk.locator("[data-navi-next]").click()
    expect(kiosk.locator('[data-question="household"]')).to_be_visible()
    kiosk.clock.fast_forward("01:50")
    expect(kiosk.locator('[data-question="household"]')).to_be_visible()  # still thinking
    kiosk.clock.fast_forward("00:15")  # two minutes untouched: the next visitor starts afresh
    expect(kiosk.locator('[data-step="events"]')).to_be_visible()
    assert kiosk.evaluate("sessionStorage.getItem('madoguchi.navi.demo')") is None
