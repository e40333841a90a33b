"""A large household's hand-over comes as two or three QR codes (``MD1.<n>/<m>:…``): the counter's
scan field collects them as a desk scanner types them (each code, then Enter), in any order,
says which are still to read, ignores a code read twice, starts again on a code of another
hand-over, forgets them on Esc, and opens the case when all are read. Pasting all the codes at
once (several lines) opens it too. In Debian chromium against a real demo server."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from madoguchi.handover import envelope, keystore

from .helpers import counter_action, counters, issue, open_counter, shot
from .test_case_counter import sealed_handover as navigator_handover

pytestmark = pytest.mark.browser


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


def opened_from_a_handover(page) -> None:
    """The case shown is a hand-over's, linked to the visitor called here."""
    expect(page.locator("#case-panel .case-head h3 small")).to_contain_text("引継ぎQR")
    expect(page.locator("#case-link")).to_have_count(0)  # no 「紐付ける」: it already is


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
    opened_from_a_handover(clerk)
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
    opened_from_a_handover(clerk)


def y4m_of_codes(path, texts_and_seconds, *, size=(480, 360), fps=10) -> None:
    """A video file for chromium's fake camera (YUV4MPEG2, 4:2:0): each QR code shown for its
    seconds, black on white as a phone screen held up to the PC's camera shows it."""
    import io

    import segno
    from PIL import Image

    width, height = size
    chroma = bytes([128]) * ((width // 2) * (height // 2) * 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for text, seconds in texts_and_seconds:
            png = io.BytesIO()
            segno.make(text, error="m", boost_error=False).save(png, kind="png", scale=4, border=4)
            code = Image.open(io.BytesIO(png.getvalue())).convert("L")
            side = min(height - 20, code.width * (height - 20) // code.width)
            frame = Image.new("L", size, 255)
            frame.paste(code.resize((side, side), Image.NEAREST), ((width - side) // 2, (height - side) // 2))
            luma = frame.tobytes()
            for _ in range(int(seconds * fps)):
                out.write(b"FRAME\n" + luma + chroma)


def test_the_pc_camera_reads_a_hand_over_in_two_codes(browser, demo_url, artifacts, tmp_path):
    """「カメラで読み取る」: chromium's fake camera plays the phone's two codes in turn; zxing-wasm
    (vendored, its wasm served here; any other host is blocked) decodes them in the browser and
    the case opens. The library loads on the first click only."""
    from ..services_available import CHROMIUM_ARGS, require_chromium
    from .helpers import PageWatch

    parts = in_parts(sealed_handover(demo_url), 2)
    video = tmp_path / "phone.y4m"
    y4m_of_codes(video, [(parts[0], 4), (parts[1], 3)])
    visitor = issue(demo_url, "moving")
    here = counter_id(demo_url, 4)
    assert counter_action(demo_url, here, "call", ticket=visitor["id"]).status_code == 200

    watch = PageWatch(demo_url)
    asked = []
    # A second chromium of the same Playwright, launched with a camera that plays the file.
    with_camera = browser.browser_type.launch(executable_path=require_chromium(), args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = with_camera.new_context(base_url=demo_url, locale="ja-JP", viewport={"width": 1280, "height": 900})
        context.grant_permissions(["camera"])
        watch.attach(context)
        page = context.new_page()
        watch.watch(page)
        page.on("request", lambda r: asked.append(r.url))
        open_counter(page, demo_url, here)
        expect(page.locator("[data-current-number]")).to_have_text(str(visitor["number"]))
        assert not any("zxing" in url for url in asked)  # nothing loaded before the click
        page.locator("#case-camera").click()
        camera = page.locator("#case-camera-box")
        expect(camera).to_be_visible()
        # (On a slow machine the video may have moved on to the second code before the library
        # was ready: it loops, so either code comes first.)
        halfway = re.compile(r"2枚中([12])枚目を読み取りました。次のQRを読み取ってください（残り: [12]枚目）")
        expect(page.locator("#case-scan-parts")).to_contain_text(halfway)
        expect(camera.locator("[data-camera-status]")).to_contain_text(halfway)
        shot(page, artifacts, "case-camera-1-of-2")
        expect(page.locator("#case-panel")).to_be_visible(timeout=20_000)
        opened_from_a_handover(page)
        expect(camera).to_have_count(0)  # the camera is stopped once the case is open
        shot(page, artifacts, "case-camera-opened")
    finally:
        with_camera.close()
    assert any(url.endswith("/static/madoguchi/vendor/zxing-wasm-3.1.6-reader.wasm") for url in asked), asked
    assert watch.problems() == []
