"""Issue 11, the whole path in one test: a citizen books a one-stop visit on a 360 px phone in
English (the ALTCHA widget solves a real challenge) and gets the code and the QR; the test moves
the server's clock to ten minutes before the booked time; the kiosk reads the QR (decoded from
the phone's screenshot, typed as a desk scanner types it) and issues a fast-lane ticket; the
counter calls it before two ordinary tickets issued earlier and sees the booked procedures as a
one-stop case. In Debian chromium against a real demo server whose clock the test moves
(clock_server.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from ..live_server import STARTUP_TIMEOUT, Server, _wait_healthy, free_port, server_env, stop
from .helpers import KIOSK, SMALL_PHONE, assert_accessible, counters, open_counter, shot

pytestmark = pytest.mark.browser

LAUNCHER = Path(__file__).with_name("clock_server.py")
SRC = Path(__file__).resolve().parents[2] / "src"


@contextlib.contextmanager
def clocked_demo(workdir: Path):
    clock = workdir / "clock-offset"
    clock.write_text("0")
    port = free_port()
    log_path = workdir / f"clocked-demo-{port}.log"
    env = server_env(MADOGUCHI_TEST_CLOCK_FILE=str(clock))
    env["PYTHONPATH"] = str(SRC) + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(LAUNCHER), "demo", "--db", str(workdir / "demo.sqlite3"), "--port", str(port)],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(url=f"http://127.0.0.1:{port}", port=port, process=process, log_path=log_path)
    try:
        _wait_healthy(server, STARTUP_TIMEOUT)
        yield server, clock
    finally:
        stop(server)


@pytest.fixture(scope="module")
def clocked(tmp_path_factory):
    with clocked_demo(tmp_path_factory.mktemp("clocked-demo")) as running:
        yield running


@pytest.fixture(scope="module")
def demo_url(clocked):  # the pages of this module (new_page) open the clocked server
    return clocked[0].url


def move_clock_to(clock: Path, at: dt.datetime) -> None:
    clock.write_text(str((at - dt.datetime.now(dt.UTC)).total_seconds()))


def read_qr(locator) -> str:
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(locator.screenshot())))
    assert len(found) == 1, "the booking's QR was not read from the phone's screenshot"
    return found[0].text


def test_book_on_the_phone_check_in_at_the_kiosk_called_first_with_the_case(clocked, new_page, artifacts):
    base, clock = clocked[0].url, clocked[1]
    # ---- the phone, in English, 360 px wide
    phone = new_page(viewport=SMALL_PHONE, locale="en-US", device_scale_factor=2)
    phone.goto("/o/demo/reserve/")
    expect(phone.locator("h1")).to_have_text("Book a visit")
    shot(phone, artifacts, "reserve-1-types")
    phone.locator("[data-type=onestop]").click()
    phone.locator("[data-reserve-days] a").first.click()
    expect(phone.locator("[data-reserve-times]")).to_be_visible()
    assert_accessible(phone, "the booking's days and times")
    shot(phone, artifacts, "reserve-2-times")
    # The navigator was run on this phone before (its draft: a move-in, no dog to register).
    phone.evaluate("""localStorage.setItem('madoguchi.navi.demo', JSON.stringify({v: 1, saved_at: Date.now(),
        life_event: 'tennyu', answers: {owns_dog: false}, current: null, result: true}))""")
    phone.locator("[data-reserve-times] a").first.click()
    expect(phone.locator("[data-reserve-life-event]")).to_have_value("tennyu")  # taken from the navigator
    expect(phone.locator("[data-reserve-navi-used]")).to_be_visible()
    # The widget fetches a challenge and solves it in the phone; the form carries the solution.
    phone.wait_for_function(
        "() => { const w = document.querySelector('altcha-widget'); return w && w.getState && w.getState() === 'verified'; }")
    assert_accessible(phone, "the booking's confirmation page")
    shot(phone, artifacts, "reserve-3-confirm")
    phone.locator("[data-reserve-submit]").click()
    expect(phone.locator("[data-reserve-done]")).to_contain_text("Your visit is booked")
    assert_accessible(phone, "the booking's page with its code and QR")
    shot(phone, artifacts, "reserve-4-booked")
    code = phone.locator("[data-reservation]").get_attribute("data-reservation")
    scanned = read_qr(phone.locator("[data-reserve-qr] svg"))
    assert scanned == f"RSV:{code}"
    booking = httpx.get(f"{base}/api/v1/reservations/{code}").json()
    start = dt.datetime.fromisoformat(booking["start"])
    assert booking["status"] == "booked" and booking["procedures"]
    assert "inu_tennyu" not in booking["procedures"]  # the navigator's answer counted

    # ---- the booked day, ten minutes before the time; two visitors came earlier without booking
    move_clock_to(clock, start - dt.timedelta(minutes=10))
    earlier = [httpx.post(f"{base}/api/v1/offices/demo/tickets", json={"category": "moving"},
                          headers=KIOSK).json() for _ in range(2)]

    kiosk = new_page(viewport={"width": 1280, "height": 900})
    kiosk.goto("/o/demo/kiosk/?device=demo-kiosk")
    expect(kiosk.locator("#kiosk-reservation")).to_be_visible()
    kiosk.keyboard.type(scanned)  # a desk scanner types the QR's text, then Enter, untouched
    kiosk.keyboard.press("Enter")
    card = kiosk.locator("#kiosk-result [data-ticket-card]")
    expect(card).to_have_attribute("data-checkin", "fast")
    number = card.locator("[data-ticket-number]").inner_text().strip()
    assert 1501 <= int(number) <= 1700  # the fast lane's range
    shot(kiosk, artifacts, "reserve-5-kiosk")

    # ---- counter 4 (fast lane, then 転入・転出) calls the booked visitor first, with the case
    counter_id = next(c["id"] for c in counters(base) if c["name"] == "4番窓口")
    clerk = new_page(viewport={"width": 1280, "height": 900})
    open_counter(clerk, base, counter_id)
    clerk.keyboard.press("n")
    expect(clerk.locator("#counter-panel .current-number")).to_have_text(number)
    assert all(str(t["number"]) != number for t in earlier)
    panel = clerk.locator("#case-panel")
    expect(panel).to_be_visible()
    procedures = clerk.locator("#case-side [data-case-procedure]")
    expect(procedures).to_have_count(len(booking["procedures"]))
    shot(clerk, artifacts, "reserve-6-counter")
    assert httpx.get(f"{base}/api/v1/reservations/{code}").json()["status"] == "checked_in"
