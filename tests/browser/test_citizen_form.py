"""The citizen's move form on a 360 px phone (issue 10): a household of six with 髙, 﨑 and 𠮷,
postcode lookup, the draft surviving a reload, the hand-over QR code(s) read back from a
screenshot with zxing-cpp and opened by the internal side with every name byte-exact; the
navigator filled from the form (ワンスオンリー); nothing personal sent to any server; the
draft gone after the hand-over and after seven days.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from urllib.parse import unquote

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from madoguchi.handover import envelope

from .helpers import SMALL_PHONE, STAFF, axe_violations, shot

pytestmark = pytest.mark.browser

VS17 = "\U000E0100"
# family, given, furigana as a phone types it (hiragana, half-width), era, y, m, d, sex, relationship
HOUSEHOLD = [
    ("髙橋", "太郎", "たかはし", "たろう", "showa", "60", "4", "2", "male", "head"),
    ("髙橋", "花子", "タカハシ", "ハナコ", "western", "1987", "9", "30", "female", "spouse"),
    ("髙橋", "𠮷男", "ﾀｶﾊｼ", "ﾖｼｵ", "heisei", "28", "1", "20", "male", "child"),
    ("髙橋", "﨑美", "たかはし", "さきみ", "reiwa", "5", "5", "5", "female", "child"),
    ("山﨑", "葛" + VS17 + "子", "やまさき", "かずこ", "showa", "31", "1", "10", "female", "parent"),
    ("山﨑", "正一", "やまさき", "しょういち", "western", "1954", "12", "3", "male", "parent"),
]
BIRTHS = ["1985-04-02", "1987-09-30", "2016-01-20", "2023-05-05", "1956-01-10", "1954-12-03"]
KANA = [("タカハシ", "タロウ"), ("タカハシ", "ハナコ"), ("タカハシ", "ヨシオ"), ("タカハシ", "サキミ"),
        ("ヤマサキ", "カズコ"), ("ヤマサキ", "ショウイチ")]


def fill_member(page, i: int, person) -> None:
    family, given, fk, gk, era, y, m, d, sex, rel = person
    li = page.locator("[data-member]").nth(i)
    li.locator('[data-m="family_name"]').fill(family)
    li.locator('[data-m="given_name"]').fill(given)
    li.locator('[data-m="family_kana"]').fill(fk)
    li.locator('[data-m="given_kana"]').fill(gk)
    li.locator('[data-m="era"]').select_option(era)
    li.locator('[data-m="year"]').fill(y)
    li.locator('[data-m="month"]').fill(m)
    li.locator('[data-m="day"]').fill(d)
    li.locator('[data-m="sex"]').select_option(sex)
    li.locator('[data-m="relationship"]').select_option(rel)


def lookup(page, which: str, postcode: str) -> None:
    page.locator(f'[data-field="{which}.postcode"]').fill(postcode)
    page.locator(f'[data-postcode-lookup="{which}"]').click()


def read_codes(page, artifacts) -> list[str]:
    """Each code the phone shows, read from a screenshot of the screen as a scanner would."""
    codes = page.locator("[data-handover-qr] .handover-codes")
    expect(codes).to_be_visible()
    count = int(codes.get_attribute("data-qr-parts"))
    texts = []
    for n in range(1, count + 1):
        expect(codes).to_have_attribute("data-qr-part", str(n))
        png = page.locator("[data-handover-qr] svg").screenshot()
        (artifacts / f"citizen_form_qr_{n}_of_{count}.png").write_bytes(png)
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
        assert len(found) == 1, f"code {n}/{count} not read from the screenshot"
        texts.append(found[0].text)
        if n < count:
            page.locator("[data-qr-next]").click()
    return texts


def test_a_household_of_six_from_the_phone_to_the_counter(new_page, demo_url, artifacts):
    page = new_page(viewport=SMALL_PHONE, device_scale_factor=2)
    sent = []
    page.on("request", lambda r: sent.append((r.method, r.url, r.post_data or "")))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.goto("/o/demo/form/")
    expect(page.locator("#cform[data-ready]")).to_be_attached()
    assert page.evaluate("window.isSecureContext")
    assert page.locator("text=マイナンバー").count() == 1  # said once: it is not asked for
    shot(page, artifacts, "citizen_form_empty_360")
    assert axe_violations(page) == []

    page.locator('input[name="kind"][value="tennyu"]').check()
    move_date = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    page.locator('[data-field="move_date"]').fill(move_date)
    lookup(page, "old_address", "１００-０００１")  # full-width digits and a hyphen, as typed
    expect(page.locator('[data-field="old_address.town"]')).to_have_value("千代田")
    page.locator('[data-field="old_address.banchi"]').fill("１丁目１－１")
    lookup(page, "new_address", "9200961")
    expect(page.locator('[data-field="new_address.city"]')).to_have_value("金沢市")
    expect(page.locator('[data-field="new_address.town"]')).to_have_value("香林坊")
    page.locator('[data-field="new_address.banchi"]').fill("1丁目1-1")
    page.locator('[data-field="new_address.building"]').fill("香林坊レジデンス 305号室")
    fill_member(page, 0, HOUSEHOLD[0])
    for i in (1, 2):
        page.locator("[data-member-add]").click()
        fill_member(page, i, HOUSEHOLD[i])

    # The phone is put away: the draft is in this browser only and survives a reload.
    page.wait_for_timeout(400)
    page.reload()
    expect(page.locator("#cform[data-ready]")).to_be_attached()
    expect(page.locator("[data-cform-restored]")).to_contain_text("前回の入力を復元しました")
    expect(page.locator("[data-member]")).to_have_count(3)
    expect(page.locator('[data-member] [data-m="given_name"]').nth(2)).to_have_value("𠮷男")
    expect(page.locator('[data-field="new_address.town"]')).to_have_value("香林坊")
    draft = json.loads(page.evaluate("localStorage.getItem('madoguchi.form.demo')"))
    assert draft["saved_at"] > 0 and draft["members"][2]["given_name"] == "𠮷男"

    for i in (3, 4, 5):
        page.locator("[data-member-add]").click()
        fill_member(page, i, HOUSEHOLD[i])
    page.locator('[data-field="phone"]').fill("０９０－１２３４－５６７８")

    # A mistake first: the message is in Japanese, beside the field.
    page.locator('[data-member] [data-m="family_kana"]').nth(5).fill("Yamasaki")
    page.locator("[data-cform-submit]").click()
    error = page.locator('[data-member]').nth(5).locator('[data-error-m="family_kana"]')
    expect(error).to_have_text("ふりがなは、ひらがなかカタカナで入力してください。")
    expect(page.locator("[data-cform-summary]")).to_contain_text("入力内容を確認してください（1か所）")
    shot(page, artifacts, "citizen_form_error_360")
    page.locator('[data-member] [data-m="family_kana"]').nth(5).fill("やまさき")
    page.locator("[data-cform-submit]").click()

    expect(page.locator("[data-cform-result]")).to_be_visible()
    review = page.locator("[data-review-member]")
    expect(review).to_have_count(6)
    expect(review.nth(0)).to_contain_text("昭和60年4月2日")
    shot(page, artifacts, "citizen_form_result_360")
    assert axe_violations(page) == []
    texts = read_codes(page, artifacts)
    payload = envelope.join_parts(texts)
    assert len(texts) == len(envelope.split(payload))

    # The internal side opens it: every name byte-exact, furigana in katakana, digits half-width.
    response = httpx.post(f"{demo_url}/api/v1/handover/open", json={"payload": "\r\n".join(texts)},
                          headers=STAFF, timeout=10)
    assert response.status_code == 200, response.text
    opened = response.json()
    form = opened["form"]
    got = [(m["family_name"], m["given_name"]) for m in form["members"]]
    want = [(p[0], p[1]) for p in HOUSEHOLD]
    assert [(a.encode(), b.encode()) for a, b in got] == [(a.encode(), b.encode()) for a, b in want]
    assert [(m["family_kana"], m["given_kana"]) for m in form["members"]] == KANA
    assert [m["birth_date"] for m in form["members"]] == BIRTHS
    assert form["phone"] == "09012345678" and form["old_address"]["banchi"] == "1丁目1-1"
    assert form["new_address"] == {"postcode": "9200961", "prefecture": "石川県", "city": "金沢市",
                                   "town": "香林坊", "banchi": "1丁目1-1",
                                   "building": "香林坊レジデンス 305号室"}
    assert form["move_date"] == move_date and opened["life_event"] == "tennyu" and opened["lang"] == "ja"
    # ... with the navigator's answers derived from the members (ワンスオンリー)
    assert opened["answers"]["household"] == [
        {"relationship": p[9], "birth_date": b} for p, b in zip(HOUSEHOLD, BIRTHS, strict=True)]

    # The navigator finds its household question answered, and offers the form back.
    page.locator("[data-cform-navigator]").click()
    page.wait_for_url("**/o/demo/navi/")
    expect(page.locator('[data-chosen-event="tennyu"]')).to_be_visible()
    answered = page.locator('[data-answered="household"]')
    expect(answered).to_contain_text("6")
    shot(page, artifacts, "citizen_form_navigator_360")
    page.locator("[data-navi-show-result]").click()
    expect(page.locator("[data-navi-form]")).to_have_text("届出書を準備する")
    expect(page.locator("[data-handover-form]")).to_contain_text("6人分")
    page.locator("[data-navi-form]").click()
    page.wait_for_url("**/o/demo/form/")

    # After the hand-over the citizen clears the phone: nothing is left, also after a reload.
    page.locator("[data-cform-submit]").click()
    page.locator("[data-cform-done]").click()
    assert any("消しますか" in d for d in dialogs)
    page.reload()
    expect(page.locator("#cform[data-ready]")).to_be_attached()
    expect(page.locator("[data-member]")).to_have_count(1)
    expect(page.locator('[data-m="family_name"]')).to_have_value("")
    assert page.evaluate("localStorage.getItem('madoguchi.form.demo')") is None
    assert page.evaluate("localStorage.getItem('madoguchi.navi.demo')") is None

    # Nothing typed ever left the phone: no request carries a name, a phone number or a birth date.
    secrets = [p[0] + p[1] for p in HOUSEHOLD] + [p[1] for p in HOUSEHOLD] + ["髙橋", "山﨑", "09012345678",
                                                                             "1985-04-02", "305号室"]
    for method, url, body in sent:
        seen = unquote(url) + body
        assert not any(s in seen for s in secrets), f"{method} {url} carries personal data"
        assert method == "GET", f"the form page sent {method} {url}"
    assert any("/api/v1/postcodes/9200961" in url for _m, url, _b in sent)


def test_a_large_household_is_shown_as_codes_in_turn(new_page, demo_url, artifacts):
    """Eight people with long names (varied kanji deflate cannot shrink) need more than one
    version-25 code: the phone shows 「1/2つ目」, then 「次のQRコード」; the counter joins them."""
    page = new_page(viewport=SMALL_PHONE, device_scale_factor=2)
    page.goto("/o/demo/form/")
    expect(page.locator("#cform[data-ready]")).to_be_attached()
    page.locator('input[name="kind"][value="tenkyo"]').check()
    page.locator('[data-field="move_date"]').fill(dt.date.today().isoformat())
    for which in ("old_address", "new_address"):
        lookup(page, which, "9200961")
        expect(page.locator(f'[data-field="{which}.town"]')).to_have_value("香林坊")
    kanji = [chr(0x4E00 + (i * 7919) % 20000) for i in range(200)]
    people = HOUSEHOLD + [HOUSEHOLD[2], HOUSEHOLD[3]]
    names = []
    for i, person in enumerate(people):
        if i:
            page.locator("[data-member-add]").click()
        given = person[1] + "".join(kanji[i * 20:i * 20 + 20])
        names.append(person[0] + given)
        fill_member(page, i, (person[0], given, *person[2:]))
    page.locator('[data-field="phone"]').fill("0762201111")
    page.locator("[data-cform-submit]").click()
    codes = page.locator("[data-handover-qr] .handover-codes")
    expect(codes).to_have_attribute("data-qr-parts", "2")
    expect(page.locator("[data-qr-label]")).to_have_text("1/2つ目")
    shot(page, artifacts, "citizen_form_two_codes_360")
    texts = read_codes(page, artifacts)
    expect(page.locator("[data-qr-label]")).to_have_text("2/2つ目")
    assert [t[:8] for t in texts] == ["MD1.1/2:", "MD1.2/2:"]
    response = httpx.post(f"{demo_url}/api/v1/handover/open", json={"payload": "\n".join(reversed(texts))},
                          headers=STAFF, timeout=10)
    assert response.status_code == 200, response.text
    got = [m["family_name"] + m["given_name"] for m in response.json()["form"]["members"]]
    assert got == names
    one = httpx.post(f"{demo_url}/api/v1/handover/open", json={"payload": texts[1]}, headers=STAFF, timeout=10)
    assert one.status_code == 422 and one.json()["detail"]["progress"] == "1/2 読み取り済み"


def test_a_draft_older_than_seven_days_is_dropped(new_page):
    page = new_page(viewport=SMALL_PHONE)
    page.goto("/o/demo/form/")
    expect(page.locator("#cform[data-ready]")).to_be_attached()
    page.locator('[data-m="family_name"]').fill("髙橋")
    page.wait_for_timeout(400)
    page.evaluate("""() => { const d = JSON.parse(localStorage.getItem('madoguchi.form.demo'));
        d.saved_at = Date.now() - 8 * 86400000; localStorage.setItem('madoguchi.form.demo', JSON.stringify(d)); }""")
    page.reload()
    expect(page.locator("#cform[data-ready]")).to_be_attached()
    expect(page.locator('[data-m="family_name"]')).to_have_value("")
    assert page.evaluate("localStorage.getItem('madoguchi.form.demo')") is None


@pytest.mark.parametrize(("lang", "required", "kana"), [
    ("en", "Please fill this in.", "Enter the furigana in hiragana or katakana."),
    ("pt-br", "Preencha este campo.", "Escreva o furigana em hiragana ou katakana."),
])
def test_messages_in_the_citizens_language(new_page, lang, required, kana):
    page = new_page(viewport=SMALL_PHONE)
    page.goto(f"/o/demo/form/?lang={lang}")
    expect(page.locator("#cform[data-ready]")).to_be_attached()
    page.locator('[data-m="family_kana"]').fill("Takahashi")
    page.locator("[data-cform-submit]").click()
    expect(page.locator('[data-error-m="family_name"]')).to_have_text(required)
    expect(page.locator('[data-error-m="family_kana"]')).to_have_text(kana)
    assert axe_violations(page) == []  # the errors are tied to their fields, in this language
