"""A tourist on a 360 px phone opens the demo garden's congestion forecast (観光地の混雑予想):
from the site's index to the places, today's hours each with a coloured bar AND its words, the
next eight weeks, a chosen day (the light-up), and the same page in English."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from madoguchi.core.timeutil import JST
from madoguchi.forecasting.demo import DEMO_RULES

from .helpers import SMALL_PHONE, assert_accessible, shot

pytestmark = pytest.mark.browser
LEVEL_WORDS = {"空いている", "やや空いている", "普通", "やや混雑", "大変混雑"}


def test_the_place_page_on_a_small_phone(new_page, artifacts):
    phone = new_page(viewport=SMALL_PHONE)
    phone.goto("/")
    phone.get_by_role("link", name="観光地の混雑予想").click()
    expect(phone.locator("h1")).to_have_text("観光地の混雑予想")
    closed_today = DEMO_RULES.reason(dt.datetime.now(JST).date())  # the demo runs on the real date
    if closed_today:  # a Monday, a moved closure or the year end: 休館日 instead of a level
        expect(phone.locator(".place-list")).to_contain_text("今日は休館日")
    else:
        expect(phone.locator(".place-list .level-chip")).to_have_count(1)  # today's busiest level, in words
    assert phone.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    shot(phone, artifacts, "place-index-360")
    phone.get_by_role("link", name=re.compile("みどり庭園（デモ）")).click()
    expect(phone.locator("h1")).to_have_text("みどり庭園（デモ）")

    outlook = phone.locator("#outlook")
    expect(outlook.locator("h2")).to_contain_text("今日の混雑予想")
    if closed_today:
        expect(outlook).to_contain_text("休館日（")
        phone.locator("ol.days li.day", has=phone.locator(".level-chip")).first.locator("a").click()
    hours = outlook.locator("li.hour")
    expect(hours).to_have_count(8)  # 9:00 … 16:00, the garden's opening hours
    expect(hours.first.locator(".hour-time")).to_have_text("9:00")
    for i in range(8):
        row = hours.nth(i)
        assert row.locator(".level-chip .level-word").inner_text().strip() in LEVEL_WORDS  # words, not colour alone
        assert row.locator(".level-chip .level-mark").inner_text() in "◎○△▲✕"  # and the mark
        colour = row.locator(".bar").evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        assert row.locator(".bar").bounding_box()["width"] > 0
    # The same legend, marks and colours as the office calendar (css/levels.css).
    expect(phone.locator(".level-legend .level-chip")).to_have_text(
        ["◎ 空いている", "○ やや空いている", "△ 普通", "▲ やや混雑", "✕ 大変混雑"])
    expect(phone.locator(".level-legend .lv1")).to_have_css("background-color", "rgb(217, 242, 225)")
    days = phone.locator("ol.days li.day")
    expect(days).to_have_count(56)
    assert phone.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    assert_accessible(phone, "the place page (360 px)")
    shot(phone, artifacts, "place-page-360")

    light_up = phone.locator("ol.days li.day", has_text="ライトアップ")
    expect(light_up).to_have_count(1)
    light_up.locator("a").click()
    expect(outlook.locator("h2")).to_contain_text("の混雑予想")
    expect(outlook).to_contain_text("行事: ライトアップ")
    expect(outlook.locator(".level-chip").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    phone.locator("#outlook").screenshot(path=str(artifacts / "place-page-light-up-360.png"))


def test_the_place_page_in_english_on_a_phone(new_page, artifacts):
    phone = new_page(viewport=SMALL_PHONE, locale="en-US")
    phone.goto("/places/demo-garden/")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("h1")).to_have_text("Midori Garden (demo)")
    expect(phone.locator("#outlook h2")).to_contain_text("Today's forecast")
    expect(phone.locator(".level-legend")).to_contain_text("Very busy")
    assert phone.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    shot(phone, artifacts, "place-page-en-360")


def test_a_closed_day_in_korean_on_a_phone(new_page, artifacts):
    """The garden is closed on Mondays: the day list says so in words (not colour alone), and the
    chosen day says 휴관일 with its reason instead of hours."""
    phone = new_page(viewport=SMALL_PHONE, locale="ko-KR")
    phone.goto("/places/demo-garden/")
    expect(phone.locator("html")).to_have_attribute("lang", "ko")
    closed = phone.locator("ol.days li.day", has=phone.locator(".closed"))
    expect(closed.first).to_contain_text(re.compile(r"휴관일 \((정기 휴일|공휴일 개관에 따른 대체 휴관|연말연시 휴관)\)"))
    assert closed.count() >= 7  # a Monday a week at least
    closed.first.locator("a").click()
    outlook = phone.locator("#outlook")
    expect(outlook.locator(".closed-day")).to_contain_text("휴관일 (")
    expect(outlook.locator("li.hour")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    assert_accessible(phone, "a closed day of the place page (ko, 360 px)")
    shot(phone, artifacts, "place-page-closed-ko-360")
