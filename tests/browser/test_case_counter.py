"""The one-stop case on the counter screen, in Debian chromium against a real demo server.

(1) The demo morning: 1番窓口 presses N and the next visitor's case opens beside the number.
(2) A desk scanner types a hand-over QR's base45 text into the scan field character by
    character, then Enter: the case opens for the called visitor; the clerk completes two
    procedures with the keyboard and sends the visitor on with 「次の窓口へ」; the next
    section's counter calls them and sees the case with those two 完了.
"""

import datetime as dt
import io

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from madoguchi.cases.demo import demo_answers
from madoguchi.core.timeutil import JST
from madoguchi.handover import envelope, keystore

from .helpers import assert_accessible, counter_action, counters, issue, login, open_counter, shot

pytestmark = pytest.mark.browser


def counter_number(base_url: str, number: int) -> str:
    return next(c["id"] for c in counters(base_url) if c["name"] == f"{number}番窓口")


def test_the_demo_case_opens_when_counter_1_calls_the_next_visitor(new_page, demo_url, artifacts):
    clerk = new_page(viewport={"width": 1280, "height": 900})
    dialogs = open_counter(clerk, demo_url, counter_number(demo_url, 1))
    expect(clerk.locator("#case-panel")).to_have_count(0)
    clerk.keyboard.press("n")
    panel = clerk.locator("#case-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-case-code-display]")).to_have_text(
        panel.get_attribute("data-case-code")[:4] + "-" + panel.get_attribute("data-case-code")[4:])
    expect(clerk.locator('#case-side [data-case-section="kodomo"]')).to_be_visible()
    clerk.locator("#case-answers summary").click()  # the answers heard, opened too
    expect(clerk.locator('#case-answers [data-answer="household"]')).to_contain_text("親（1956-01-10生")
    assert_accessible(clerk, "the counter screen with a one-stop case")
    shot(clerk, artifacts, "case-counter-demo")
    assert not dialogs


def sealed_handover(base_url: str) -> str:
    """What the citizen's phone shows as a QR: the answers sealed to the office's key."""
    key = next(k for k in httpx.get(f"{base_url}/api/v1/handover/keys", timeout=10).json()
               if k["office"] == "demo")
    created = dt.datetime.now(JST)
    answers = demo_answers(created.date())[0][1]
    content = {"v": 1, "kind": "navigator", "office": "demo", "created_at": created.isoformat(),
               "expires_at": (created + dt.timedelta(days=1)).isoformat(), "life_event": "tennyu",
               "answers": answers, "on": created.date().isoformat(), "lang": "ja"}
    public = envelope.public_key_from_bytes(keystore.b64url_decode(key["public_key"]))
    return envelope.seal(content, kid=key["kid"], public_key=public)


def test_a_scanned_handover_case_follows_the_visitor_to_the_next_counter(new_page, demo_url, artifacts):
    payload = sealed_handover(demo_url)
    visitor = issue(demo_url, "moving")
    first = counter_number(demo_url, 2)
    assert counter_action(demo_url, first, "call", ticket=visitor["id"]).status_code == 200

    clerk = new_page(viewport={"width": 1280, "height": 900})
    open_counter(clerk, demo_url, first)
    expect(clerk.locator("[data-current-number]")).to_have_text(str(visitor["number"]))
    clerk.keyboard.press("c")  # to the scan field, as the desk scanner's first key would not
    expect(clerk.locator("#case-scan")).to_be_focused()
    clerk.keyboard.type(payload)  # one key event per character, as a USB desk scanner types
    expect(clerk.locator("#case-scan")).to_have_value(payload)
    clerk.keyboard.press("Enter")
    panel = clerk.locator("#case-panel")
    expect(panel).to_be_visible()
    code = panel.get_attribute("data-case-code")
    expect(clerk.locator("#case-side .case-flash")).to_contain_text("を開きました")
    expect(clerk.locator("#case-scan")).to_have_value("")

    # Two procedures done with the keyboard: 1 D, ↓ D.
    rows = clerk.locator("#case-side [data-case-procedure]")
    one, two = rows.nth(0).get_attribute("data-case-procedure"), rows.nth(1).get_attribute("data-case-procedure")
    # After the scan the keys go to the case's first procedure (not back into the scan field).
    expect(rows.nth(0).locator("button.case-status.current")).to_be_focused()
    clerk.keyboard.press("1")
    clerk.keyboard.press("d")
    expect(clerk.locator(f'#case-side [data-case-procedure="{one}"]')).to_have_attribute("data-status", "done")
    expect(clerk.locator(f'#case-side [data-case-procedure="{one}"] button.case-status.current')).to_be_focused()
    # The queue changes meanwhile (a busy morning) and the screen is re-rendered: the status
    # buttons have no id, yet the focus stays on the row the clerk is on.
    arrived = issue(demo_url, "moving")
    expect(clerk.get_by_text(str(arrived["number"]), exact=True)).to_be_visible()
    expect(clerk.locator(f'#case-side [data-case-procedure="{one}"] button.case-status.current')).to_be_focused()
    # A fast clerk presses G between htmx's swap and its settle (stretched here to 1.5 s so that
    # the key surely falls inside it): the row's refocus after the settle must not take G's focus.
    clerk.evaluate("htmx.config.defaultSettleDelay = 1500")
    clerk.keyboard.press("ArrowDown")
    clerk.keyboard.press("d")
    expect(clerk.locator(f'#case-side [data-case-procedure="{two}"]')).to_have_attribute("data-status", "done")
    assert clerk.locator("[data-current-number]").inner_text().strip() == str(visitor["number"])  # no shortcut fired

    # 「次の窓口へ」: こども課.
    clerk.keyboard.press("g")
    expect(clerk.locator("#case-next-category")).to_be_focused()
    clerk.wait_for_timeout(2000)  # past the settle
    expect(clerk.locator("#case-next-category")).to_be_focused()
    clerk.evaluate("htmx.config.defaultSettleDelay = 20")
    clerk.locator("#case-next-category").select_option("children")
    clerk.locator("#case-route").click()
    expect(clerk.locator("#case-side .case-flash")).to_contain_text("ご案内しました")
    expect(clerk.locator("#counter-panel .current-number")).to_have_text("—")  # the visitor left here
    expect(clerk.locator("#case-panel")).to_have_attribute("data-case-code", code)
    shot(clerk, artifacts, "case-counter-routed")

    # こども課's counter calls the next visitor: the same case, the two procedures 完了.
    second = new_page(viewport={"width": 1280, "height": 900})
    open_counter(second, demo_url, counter_number(demo_url, 10))
    second.keyboard.press("n")
    expect(second.locator("[data-current-number]")).to_have_text(str(visitor["number"]))
    expect(second.locator("#case-panel")).to_have_attribute("data-case-code", code)
    for done in (one, two):
        expect(second.locator(f'#case-side [data-case-procedure="{done}"]')).to_have_attribute(
            "data-status", "done")
    shot(second, artifacts, "case-counter-next-section")

    # The printed case sheet carries the code as a QR code the scan field reads back.
    sheet = new_page(viewport={"width": 1280, "height": 900})
    login(sheet, f"/o/demo/cases/{code}/")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(sheet.locator("#case-qr svg").screenshot())),
                                   formats=zxingcpp.BarcodeFormat.QRCode)
    assert [f.text for f in found] == [f"CASE:{code}"]
    sheet.emulate_media(media="print")
    shot(sheet, artifacts, "case-sheet-print")
