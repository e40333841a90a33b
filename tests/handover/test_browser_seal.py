"""The citizen's browser seals (vendored @hpke/core, CompressionStream, base45, QR); the
internal side opens it. Debian chromium against a real demo server.

A 360 px phone makes the QR code for a household of six; the code is read back from a
screenshot with zxing-cpp, as a counter's scanner would read it off the phone, and the text
it carries is opened by POST /api/v1/handover/open as demo staff.
"""

from __future__ import annotations

import io

import httpx
import pytest
import segno
import zxingcpp
from PIL import Image

from madoguchi.handover import base45

from ..browser.helpers import SMALL_PHONE, STAFF
from ..services_available import require_chromium

pytestmark = pytest.mark.browser

SEAL = "/static/madoguchi/handover/seal.js"
BASE45 = "/static/madoguchi/handover/base45.js"

HOUSEHOLD_OF_SIX = {
    "life_event": "tennyu", "on": "2026-11-28", "lang": "ja",
    "answers": {
        "move_date": "2026-11-20", "previous_insurance": "kokuho", "has_car": True,
        "has_pet_dog": "unknown",
        "household": [{"relationship": "head", "birth_date": "1985-04-02"},
                      {"relationship": "spouse", "birth_date": "1987-09-30"},
                      {"relationship": "child", "birth_date": "2023-05-05"},
                      {"relationship": "child", "birth_date": "2016-01-20"},
                      {"relationship": "parent", "birth_date": "1956-01-10"},
                      {"relationship": "parent", "birth_date": "1958-12-03"}]},
}


@pytest.fixture(autouse=True)
def _chromium():
    require_chromium()


def phone(new_page):
    page = new_page(viewport=SMALL_PHONE)
    page.goto("/")  # an http://127.0.0.1 page: a secure context, WebCrypto is there
    assert page.evaluate("window.isSecureContext")
    return page


def test_base45_in_the_browser_matches_rfc_9285(new_page):
    page = phone(new_page)
    got = page.evaluate("""async (url) => {
        const { encode } = await import(url);
        const te = new TextEncoder();
        return ["AB", "Hello!!", "base-45", "ietf!"].map((s) => encode(te.encode(s)));
      }""", BASE45)
    assert got == ["BB8", "%69 VD92EX0", "UJCLQE7W581", "QED8WEX0"]
    random = page.evaluate("""async (url) => {
        const { encode } = await import(url);
        const bytes = crypto.getRandomValues(new Uint8Array(301));
        return [Array.from(bytes), encode(bytes)];
      }""", BASE45)
    assert base45.decode(random[1]) == bytes(random[0])


def test_sealed_in_the_browser_read_from_the_screen_opened_inside(new_page, demo_url, artifacts):
    page = phone(new_page)
    made = page.evaluate("""async ([url, content]) => {
        const { fetchKeys, sealHandover } = await import(url);
        const keys = await fetchKeys("demo");
        const made = await sealHandover(keys, "demo", content);
        const box = document.createElement("div");
        box.id = "handover-qr";
        box.style.cssText = "width:320px;box-sizing:content-box;padding:8px;background:#fff";
        box.innerHTML = made.qrSvg;
        document.body.prepend(box);
        window.scrollTo(0, 0);
        return { text: made.text, version: made.version, kid: made.kid };
      }""", [SEAL, HOUSEHOLD_OF_SIX])
    assert made["text"].startswith("MD1:") and set(made["text"]) <= set(base45.ALPHABET)

    shot = page.locator("#handover-qr").screenshot(path=str(artifacts / "handover-qr.png"))
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, "the QR code on the phone's screen could not be read"
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode and found[0].ec_level == "M"
    assert found[0].text == made["text"]
    # The version the bench (bench/handover_qr.py, segno) reports is the one the phone shows.
    assert segno.make(made["text"], error="m", mode="alphanumeric", boost_error=False).version \
        == made["version"]
    # The standard's quiet zone of four modules around it (scanners need it).
    module = 320 / (17 + 4 * made["version"] + 8)
    assert found[0].position.top_left.x >= 8 + 3.5 * module, found[0].position

    response = httpx.post(f"{demo_url}/api/v1/handover/open", json={"payload": found[0].text},
                          headers=STAFF, timeout=10)
    assert response.status_code == 200, response.text
    opened = response.json()
    assert opened["answers"] == HOUSEHOLD_OF_SIX["answers"]
    assert (opened["office"], opened["life_event"], opened["on"]) == ("demo", "tennyu", "2026-11-28")

    # One character changed on the way: refused, with a message the clerk can act on.
    text = made["text"]
    broken = text[:100] + ("A" if text[100] != "A" else "B") + text[101:]
    response = httpx.post(f"{demo_url}/api/v1/handover/open", json={"payload": broken},
                          headers=STAFF, timeout=10)
    assert response.status_code == 422
    assert response.json()["code"] == "handover_tampered" and "書き換え" in response.json()["message"]


def test_no_key_for_the_office_is_said_plainly(new_page):
    page = phone(new_page)
    code = page.evaluate("""async (url) => {
        const { sealHandover } = await import(url);
        try { await sealHandover([], "demo", {}); return null; } catch (e) { return e.code; }
      }""", SEAL)
    assert code == "no_key"
