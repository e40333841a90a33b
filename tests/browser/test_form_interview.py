"""聞き取り at the counter (issue 10), in Debian chromium against a real demo server, with the
keyboard only: a visitor without a phone is called; the clerk presses E, takes a household of
two (postcode → address filled on the spot, 和暦 birth dates, kana typed in hiragana), adds the
second person with Alt+A, saves with Ctrl+Enter; a wrong date keeps every typed value and says so
beside the field; corrected, the case opens beside the called number and its 住民異動届 prints
with the names and the address read back from the PDF text."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from madoguchi.forms import wareki

from ..forms.pdftext import all_text
from .helpers import assert_accessible, counter_action, counters, issue, open_counter, shot

pytestmark = pytest.mark.browser


def counter_number(base_url: str, number: int) -> str:
    return next(c["id"] for c in counters(base_url) if c["name"] == f"{number}番窓口")


def type_and_tab(page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Tab")


def test_interview_with_the_keyboard_for_a_household_of_two(new_page, demo_url, artifacts):
    visitor = issue(demo_url, "moving")
    desk = counter_number(demo_url, 3)
    assert counter_action(demo_url, desk, "call", ticket=visitor["id"]).status_code == 200
    clerk = new_page(viewport={"width": 1280, "height": 1000})
    open_counter(clerk, demo_url, desk)
    expect(clerk.locator("[data-current-number]")).to_have_text(str(visitor["number"]))
    expect(clerk.locator("#case-panel")).to_have_count(0)
    expect(clerk.locator("#case-interview")).to_contain_text(f"{visitor['number']}番の届出内容を聞き取りで入力")

    clerk.keyboard.press("e")
    expect(clerk.locator("#form-editor")).to_be_visible()
    expect(clerk.locator("#kind")).to_be_focused()
    move = wareki.wareki_parts(dt.date.today() - dt.timedelta(days=3))
    era_letter = {"令和": "R", "平成": "H"}[move["era"]]
    year = "1" if move["year"] == "元" else move["year"]

    clerk.keyboard.press("1")                                   # 1 転入
    expect(clerk.locator("#kind")).to_have_value("tennyu")
    clerk.keyboard.press("Tab")
    type_and_tab(clerk, f"{era_letter}{year}.{move['month']}.{move['day']}")   # 異動日 in 和暦
    # 引越し前: the postcode fills 都道府県・市区町村・町名 and the keys go on to 番地.
    clerk.keyboard.type("1000001")
    expect(clerk.locator("#old_address\\.banchi")).to_be_focused()
    expect(clerk.locator("#old_address\\.city")).to_have_value("千代田区")
    type_and_tab(clerk, "1-1")
    type_and_tab(clerk, "千代田ハイツ101")
    clerk.keyboard.type("9200961")
    expect(clerk.locator("#new_address\\.banchi")).to_be_focused()
    expect(clerk.locator("#new_address\\.town")).to_have_value("香林坊")
    expect(clerk.locator("#new_address\\.prefecture")).to_have_value("石川県")
    type_and_tab(clerk, "1丁目1-1")
    type_and_tab(clerk, "香林坊レジデンス305")
    # 1人目 (世帯主 is already chosen for the first person).
    for text in ("髙橋", "𠮷男", "たかはし", "よしお", "S60.4.2"):
        type_and_tab(clerk, text)
    expect(clerk.locator("[data-member='0'] [data-shown-date]")).to_have_count(0)  # shown after a save
    clerk.keyboard.press("1")                                   # 性別 1 男
    expect(clerk.locator("#members-0-sex")).to_have_value("male")
    expect(clerk.locator("#members-0-relationship")).to_have_value("head")

    clerk.keyboard.press("Alt+a")                               # 人を追加
    expect(clerk.locator("#members-1-family_name")).to_be_focused()
    expect(clerk.locator("#members-0-given_name")).to_have_value("𠮷男")  # nothing typed is lost
    for text in ("山﨑", "花子", "やまさき", "はなこ", "H62.9.30"):   # 平成62年: no such year
        type_and_tab(clerk, text)
    clerk.keyboard.press("2")                                   # 性別 2 女
    clerk.keyboard.press("Tab")
    clerk.keyboard.press("2")                                   # 続柄 2 配偶者
    expect(clerk.locator("#members-1-relationship")).to_have_value("spouse")
    clerk.locator("#phone").focus()  # (the Tab order there: 2人目を削除, 人を追加, 電話番号)
    clerk.keyboard.press("Shift+Tab")
    expect(clerk.locator("#member-add")).to_be_focused()
    clerk.keyboard.press("Tab")
    clerk.keyboard.type("0762201111")
    shot(clerk, artifacts, "form-interview-typed")
    clerk.keyboard.press("Control+Enter")

    # Refused: the message beside the date, every value kept, the keys on the wrong date.
    date = clerk.locator("#members-1-birth_date")
    expect(date).to_be_focused()
    expect(clerk.locator("#members-1-birth_date-error")).to_have_text("この元号にない日付です。元号と年を確かめてください。")
    expect(clerk.locator("#errors")).to_contain_text("2人目の生年月日")
    expect(date).to_have_value("H62.9.30")
    for field, value in (("members-0-family_name", "髙橋"), ("members-0-given_name", "𠮷男"),
                         ("members-1-family_name", "山﨑"), ("members-1-given_kana", "はなこ"),
                         ("new_address\\.town", "香林坊"), ("old_address\\.building", "千代田ハイツ101"),
                         ("phone", "0762201111")):
        expect(clerk.locator(f"#{field}")).to_have_value(value)
    expect(clerk.locator("#members-1-relationship")).to_have_value("spouse")
    expect(clerk.locator("#members-0-birth_date-shown")).to_have_text("昭和60年4月2日")
    assert_accessible(clerk, "the counter's form editor with a refused date")
    shot(clerk, artifacts, "form-interview-wrong-date")

    clerk.keyboard.type("S62.9.30")                              # the wrong date was selected: replaced
    clerk.keyboard.press("Control+Enter")

    # Back on the counter screen: the case opened beside the called number.
    panel = clerk.locator("#case-panel")
    expect(panel).to_be_visible()
    expect(clerk.locator("#case-side .case-flash")).to_contain_text("聞き取りの内容で案件")
    expect(clerk.locator("[data-current-number]")).to_have_text(str(visitor["number"]))
    expect(clerk.locator("#case-forms")).to_contain_text("届出内容 第1版")
    shot(clerk, artifacts, "form-interview-case")
    link = clerk.locator('#case-forms [data-form="juumin_idou"] a')
    expect(link).to_be_visible()
    pdf = clerk.request.get(link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = all_text(pdf.body())
    for expected in ("髙橋\u3000𠮷男", "山﨑\u3000花子", "タカハシ\u3000ヨシオ", "ヤマサキ\u3000ハナコ",
                     "石川県金沢市香林坊1丁目1-1", "東京都千代田区千代田1-1"):
        assert expected in text, expected

    # E again: the same data, to check and correct (届出内容).
    clerk.evaluate("document.activeElement && document.activeElement.blur()")
    clerk.keyboard.press("e")
    expect(clerk.locator("#form-editor h1")).to_contain_text("届出内容の確認・訂正")
    expect(clerk.locator("#members-1-given_kana")).to_have_value("ハナコ")
    expect(clerk.locator("#members-1-birth_date-shown")).to_have_text("昭和62年9月30日")
    assert_accessible(clerk, "the counter's form editor with a case's data (届出内容)")
    shot(clerk, artifacts, "form-correction")
