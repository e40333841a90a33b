"""A large household's hand-over comes as two or three QR codes (``MD1.<n>/<m>:…``): the counter's
scan field collects them as a desk scanner types them (each code, then Enter), in any order,
says which are still to read, ignores a code read twice, starts again on a code of another
hand-over, forgets them on Esc, and opens the case when all are read. Pasting all the codes at
once (several lines) opens it too. In Debian chromium against a real demo server."""

import httpx
import pytest
from playwright.sync_api import expect

from madoguchi.handover import envelope, keystore

from .helpers import counter_action, counters, issue, open_counter, shot
from .test_case_counter import sealed_handover as navigator_handover


def counter_id(base_url: str, number: int) -> str:
    return next(c["id"] for c in counters(base_url) if c["name"] == f"{number}番窓口")


def in_parts(payload: str, count: int) -> list[str]:
    size = -(-len(payload) // count) + len("MD1.1/3:")
    parts = envelope.split(payload, max_chars=size)
    assert len(parts) == count
    return parts


def sealed_handover(base_url: str, **extra) -> str:
    """The demo office's navigator hand-over; ``extra`` content makes another of a longer text
    (the codes of a set have lengths the scan field checks; the extra is never opened)."""
    if not extra:
        return navigator_handover(base_url)
    key = next(k for k in httpx.get(f"{base_url}/api/v1/handover/keys", timeout=10).json()
               if k["office"] == "demo")
    public = envelope.public_key_from_bytes(keystore.b64url_decode(key["public_key"]))
    return envelope.seal({"v": 1, **extra}, kid=key["kid"], public_key=public)


def scan(page, text: str) -> None:
    """What a USB desk scanner does: one key event per character, then Enter."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


@pytest.fixture
def clerk(new_page, demo_url):
    visitor = issue(demo_url, "moving")
    here = counter_id(demo_url, 3)
    assert counter_action(demo_url, here, "call", ticket=visitor["id"]).status_code == 200
    page = new_page(viewport={"width": 1280, "height": 900})
    open_counter(page, demo_url, here)
    expect(page.locator("[data-current-number]")).to_have_text(str(visitor["number"]))
    page.keyboard.press("c")
    expect(page.locator("#case-scan")).to_be_focused()
    return page


def test_a_desk_scanner_reads_the_codes_one_by_one_in_any_order(clerk, demo_url, artifacts):
    one, two, three = in_parts(sealed_handover(demo_url), 3)
    status = clerk.locator("#case-scan-parts")
    expect(status).to_be_hidden()

    scan(clerk, two)
    expect(status).to_have_text("12✓3" "3枚中2枚目を読み取りました。次のQRを読み取ってください（残り: 1枚目・3枚目）")
    expect(clerk.locator("#case-scan")).to_have_value("")
    expect(clerk.locator("#case-scan")).to_be_focused()
    expect(clerk.locator("#case-panel")).to_have_count(0)
    expect(clerk.locator("#case-side [data-case-flash]")).to_have_count(0)  # nothing was sent
    shot(clerk, artifacts, "case-scan-parts-2-of-3")

    # A live redraw of the counter panel (another visitor takes a ticket) keeps what was read.
    clerk.evaluate("document.getElementById('case-scan-parts').dataset.before = 'yes'")
    issue(demo_url, "moving")
    expect(clerk.locator("#case-scan-parts:not([data-before])")).to_contain_text("3枚中2枚目を読み取りました")

    scan(clerk, two)  # the same code again: ignored, and said so
    expect(status).to_contain_text("2枚目はもう読み取っています。次のQRを読み取ってください（残り: 1枚目・3枚目）")

    other = in_parts(sealed_handover(demo_url, note="x" * 300), 3)  # a longer hand-over
    scan(clerk, other[0])  # a code of another hand-over: what was read is dropped
    expect(status).to_contain_text("別の引継ぎQRの一部を読み取りました。先に読み取った分を取り消し、これから読み取り直します。")
    expect(status).to_contain_text("3枚中1枚目を読み取りました")
    expect(status.locator(".part.read")).to_have_count(1)
    expect(status).to_have_class("case-scan-parts restart")

    clerk.keyboard.press("Escape")  # the clerk starts over
    expect(status).to_have_text("読み取りを取り消しました。")
    expect(status.locator(".part")).to_have_count(0)

    scan(clerk, three.lower())  # Caps Lock on: still the same code
    expect(status).to_contain_text("3枚中3枚目を読み取りました。次のQRを読み取ってください（残り: 1枚目・2枚目）")
    scan(clerk, one)
    expect(status).to_contain_text("3枚中1枚目を読み取りました。次のQRを読み取ってください（残り: 2枚目）")
    scan(clerk, two)
    panel = clerk.locator("#case-panel")
    expect(panel).to_be_visible()
    expect(clerk.locator("#case-side .case-flash")).to_contain_text("を開きました")
    expect(status).to_be_hidden()
    shot(clerk, artifacts, "case-scan-parts-opened")


def test_pasting_all_the_codes_at_once_opens_the_case(clerk, demo_url):
    parts = in_parts(sealed_handover(demo_url), 2)
    clerk.locator("#case-scan").evaluate(
        """(el, text) => {
             const data = new DataTransfer();
             data.setData("text/plain", text);
             el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
           }""", "\r\n".join(reversed(parts)) + "\r\n")
    expect(clerk.locator("#case-panel")).to_be_visible()
    expect(clerk.locator("#case-side .case-flash")).to_contain_text("を開きました")
