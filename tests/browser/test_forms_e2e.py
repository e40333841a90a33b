"""Issue 10, the whole path in one test (「書かない窓口」): a household of six with 髙, 﨑 and 𠮷
in the names is typed into the phone form; the QR code(s) it shows are read from a screenshot
(zxing-cpp); the counter's desk scanner types them into the scan field character by character
(each code, then Enter); the case opens for the called visitor; the clerk prints the 住民異動届
and two related forms with the case side's print buttons; the names and addresses are read back
from the PDFs' text, exactly as typed. In Debian chromium against a real demo server.

The print buttons open the PDF in a new tab (``target=_blank``): the test fetches each button's
own address with the clerk's session, as that tab does, and keeps the files in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from ..forms.pdftext import all_text
from .helpers import SMALL_PHONE, counter_action, counters, issue, open_counter, shot
from .test_case_scan_parts import opened_from_a_handover
from .test_citizen_form import HOUSEHOLD, fill_member, lookup, read_codes

pytestmark = pytest.mark.browser

NEW_ADDRESS = "石川県金沢市香林坊"
OLD_ADDRESS = "東京都千代田区千代田"
RELATED = ("jidou_teate", "kodomo_iryo")  # the two children (10 and 3) need these


def phone_codes(new_page, artifacts) -> list[str]:
    """The citizen fills the move form for six on a 360 px phone; what its QR code(s) say."""
    page = new_page(viewport=SMALL_PHONE, device_scale_factor=2)
    page.goto("/o/demo/form/")
    expect(page.locator("#cform[data-ready]")).to_be_attached()
    page.locator('input[name="kind"][value="tennyu"]').check()
    page.locator('[data-field="move_date"]').fill((dt.date.today() - dt.timedelta(days=3)).isoformat())
    lookup(page, "old_address", "1000001")
    expect(page.locator('[data-field="old_address.town"]')).to_have_value("千代田")
    page.locator('[data-field="old_address.banchi"]').fill("1丁目1-1")
    lookup(page, "new_address", "9200961")
    expect(page.locator('[data-field="new_address.town"]')).to_have_value("香林坊")
    page.locator('[data-field="new_address.banchi"]').fill("1丁目1-1")
    page.locator('[data-field="new_address.building"]').fill("香林坊レジデンス 305号室")
    for i, person in enumerate(HOUSEHOLD):
        if i:
            page.locator("[data-member-add]").click()
        fill_member(page, i, person)
    page.locator('[data-field="phone"]').fill("09012345678")
    page.locator("[data-cform-submit]").click()
    expect(page.locator("[data-review-member]")).to_have_count(6)
    shot(page, artifacts, "forms_e2e_phone_qr")
    return read_codes(page, artifacts)  # each code from a screenshot, as the scanner sees it


def test_six_people_from_the_phone_to_three_printed_forms(new_page, demo_url, artifacts):
    codes = phone_codes(new_page, artifacts)
    assert all(c.startswith("MD1") for c in codes) and len(codes) <= 3

    # The visitor is called at 2番窓口; the clerk presses C and scans the phone.
    visitor = issue(demo_url, "moving")
    here = next(c["id"] for c in counters(demo_url) if c["name"] == "2番窓口")
    assert counter_action(demo_url, here, "call", ticket=visitor["id"]).status_code == 200
    clerk = new_page(viewport={"width": 1280, "height": 1000})
    open_counter(clerk, demo_url, here)
    expect(clerk.locator("[data-current-number]")).to_have_text(str(visitor["number"]))
    clerk.keyboard.press("c")
    expect(clerk.locator("#case-scan")).to_be_focused()
    for code in codes:
        clerk.keyboard.type(code)  # one key event per character, as a USB desk scanner types
        clerk.keyboard.press("Enter")
    panel = clerk.locator("#case-panel")
    expect(panel).to_be_visible()
    opened_from_a_handover(clerk)
    forms = clerk.locator("#case-forms")
    expect(forms).to_contain_text("届出内容 第1版")
    for code in ("juumin_idou", *RELATED):
        expect(forms.locator(f'[data-form="{code}"]')).to_have_attribute("data-ready", "true")
    shot(clerk, artifacts, "forms_e2e_counter")

    members = [(p[0], p[1]) for p in HOUSEHOLD]
    children = [(p[0], p[1]) for p in HOUSEHOLD if p[9] == "child"]
    for code in ("juumin_idou", *RELATED):
        link = forms.locator(f'[data-form="{code}"] a')
        expect(link).to_contain_text("印刷: ")
        response = clerk.context.request.get(link.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf", code
        pdf = response.body()
        (artifacts / f"forms_e2e_{code}.pdf").write_bytes(pdf)
        text = all_text(pdf)
        assert NEW_ADDRESS in text, code
        head = f"{members[0][0]}\u3000{members[0][1]}"  # 髙橋　太郎, the 届出人 / 請求者
        assert head in text, code
        if code == "juumin_idou":  # every member, byte-exact (𠮷 U+20BB7, 﨑 U+FA11, 葛 + U+E0100)
            assert OLD_ADDRESS in text
            for family, given in members:
                assert f"{family}\u3000{given}" in text, given
        else:  # the children the allowance and the medical grant are for
            for family, given in children:
                assert f"{family}\u3000{given}" in text, (code, given)
