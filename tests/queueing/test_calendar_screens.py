"""The office calendar on the citizen screens (Django test client): the kiosk of the 市民センター
and its board, after the cut-off, after closing, and in the visitor's language."""

import datetime as dt
import re

import pytest
from django.test import Client

from madoguchi.core.timeutil import JST
from madoguchi.queueing.demo import load_center_data, load_demo_data

from .factories import clock_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

FRIDAY_AFTER_CUT_OFF = dt.datetime(2026, 11, 20, 16, 45, tzinfo=JST)  # before a holiday weekend


@pytest.fixture
def kiosk(clock):
    clock.set(dt.datetime(2026, 11, 20, 9, 0, tzinfo=JST))  # the kiosk's session starts that morning
    load_demo_data()
    load_center_data(dt.date(2026, 11, 1))
    client = Client()
    client.get("/o/center/kiosk/?device=center-kiosk")
    return client


def button(html: str, code: str) -> str:
    match = re.search(rf'<button[^>]*data-category="{code}"[^>]*>.*?</button>', html, re.S)
    assert match, code
    return match.group(0)


def test_after_the_cut_off_the_kiosk_disables_the_category_and_says_when_it_opens(kiosk, clock):
    clock.set(FRIDAY_AFTER_CUT_OFF)
    html = kiosk.get("/o/center/kiosk/").content.decode()
    moving, certificates = button(html, "moving"), button(html, "certificates")
    assert " disabled" in moving and "受付終了" in moving
    assert "本日の受付は 16:30 で終了しました" in moving
    assert "次の受付は 11月24日（火）8:45 からです" in moving  # Sat, Sun and 勤労感謝の日 skipped
    assert " disabled" not in certificates and "受付 17:15 まで" in certificates
    # The kiosk redraws itself when 証明書 stops at 17:15.
    assert 'data-reload-at="2026-11-20T17:15:00+09:00"' in html


def test_after_closing_the_kiosk_says_reception_is_over_in_its_language(kiosk, clock):
    clock.set(dt.datetime(2026, 11, 20, 17, 30, tzinfo=JST))
    html = kiosk.get("/o/center/kiosk/").content.decode()
    assert "本日の受付は終了しました" in html and "次の受付は 11月24日（火）8:45 からです" in html
    assert "kiosk-button" not in html
    english = kiosk.get("/o/center/kiosk/?lang=en").content.decode()
    assert "Reception is closed for today" in english and "Next reception: Tue, Nov. 24, 8:45" in english
    korean = kiosk.get("/o/center/kiosk/?lang=ko").content.decode()
    assert "오늘 접수는 마감되었습니다" in korean and "11월 24일 (화요일) 8:45부터" in korean
    clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=JST))
    assert "本日は閉庁日です" in kiosk.get("/o/center/kiosk/?lang=ja").content.decode()


def test_a_tap_that_arrives_after_the_cut_off_is_told_so_in_the_visitors_language(kiosk, clock):
    clock.set(dt.datetime(2026, 11, 20, 16, 29, tzinfo=JST))
    kiosk.get("/o/center/kiosk/?lang=en")  # the menu drawn while 転入 still issued
    clock.set(FRIDAY_AFTER_CUT_OFF)
    response = kiosk.post("/o/center/kiosk/issue/?lang=en", {"category": "moving"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Reception for this procedure is closed for today" in body
    assert "Next reception: Tue, Nov. 24, 8:45" in body


def test_the_board_marks_a_closed_category(kiosk, clock):
    clock.set(FRIDAY_AFTER_CUT_OFF)
    rows = {r["category"]: r for r in Client().get("/api/v1/offices/center/board").json()["rows"]}
    assert {k: rows["moving"][k] for k in ("accepting", "closed_reason", "reception_until", "accepting_until",
                                           "next_opening")} == {
        "accepting": False, "closed_reason": "reception_closed", "reception_until": "16:30",
        "accepting_until": None, "next_opening": "2026-11-24T08:45:00+09:00"}
    assert {k: rows["certificates"][k] for k in ("accepting", "closed_reason", "accepting_until")} == {
        "accepting": True, "closed_reason": None, "accepting_until": "2026-11-20T17:15:00+09:00"}
    page = Client().get("/o/center/board/").content.decode()
    moving = re.search(r'<tr data-category="moving".*?</tr>', page, re.S).group(0)
    certificates = re.search(r'<tr data-category="certificates".*?</tr>', page, re.S).group(0)
    assert 'class="not-accepting"' in moving and "data-reception-closed>" in moving
    assert "data-reception-closed hidden" in certificates
    display = Client().get("/o/center/display/").content.decode()
    assert re.search(r'<tr data-category="moving" class="not-accepting"', display)


def test_the_public_board_says_todays_hours(kiosk, clock):
    page = Client().get("/o/center/board/?lang=ja").content.decode()
    hours = re.search(r"<p class=\"today-hours\" data-today-hours>(.*?)</p>", page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", hours) == "本日の受付時間 8:45～17:30"
    english = Client().get("/o/center/board/?lang=en").content.decode()
    assert "Reception hours today</strong> 8:45–17:30" in english
    clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=JST))  # 勤労感謝の日
    assert "<strong>本日は閉庁日です</strong>" in Client().get("/o/center/board/?lang=ja").content.decode()
    # The demo office issues around the clock: no hours to show.
    assert "data-today-hours" not in Client().get("/o/demo/board/").content.decode()
