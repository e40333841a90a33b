"""The citizen's 混雑予想 page: a month calendar of eight weeks, the hours of the day tapped,
closed days as 閉庁, in every citizen language; the feed speaks them too."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation

from madoguchi.core.timeutil import JST
from madoguchi.forecasting.api import OFFICE_LEVEL_WORDS
from madoguchi.queueing.demo import load_demo_data

from ..module_db import module_data
from .conftest import center_history

pytestmark = pytest.mark.django_db
LANGS = ["en", "zh-hans", "ko", "vi", "pt-br"]


@pytest.fixture(scope="module")
def _center_once(django_db_setup, django_db_blocker):
    """conftest's ``center_forecast``, built once for the module (module_db): five weeks of
    tickets and a refit cost most of this module's time when built for every test."""
    clock = {"now": dt.datetime(2026, 1, 1, tzinfo=JST)}
    with module_data(django_db_blocker), pytest.MonkeyPatch.context() as patch:
        with django_db_blocker.unblock():
            load_demo_data()  # the ``office`` fixture, on today's clock
            patch.setattr("django.utils.timezone.now", lambda: clock["now"])
            center = center_history(clock=clock)
        yield center, clock["now"]


@pytest.fixture
def center_forecast(_center_once, db, monkeypatch):
    """The centre's forecast from 2 March 2026; the clock stays at 2:15 that morning."""
    center, now = _center_once
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    return center


def page(url, **headers):
    answer = Client().get(url, **headers)
    assert answer.status_code == 200, answer.status_code
    return answer.content.decode()


def day_section(html):
    return html[html.index('<section id="fc-day"'):html.index("</section>")]


def cell(html, day):
    """The calendar cell of ``day`` (2026-03-DD) in the page."""
    match = re.search(r'<td class="([^"]*)">\s*(?:<a href="[^"]*day=' + day + r'[^>]*>(.*?)</a>|'
                      r'<span class="fc-num">' + str(int(day[-2:])) + r'</span><span class="fc-closed">(.*?)</span>)',
                      html, re.S)
    assert match, day
    return match


def test_the_month_calendar_and_the_day_of_today(center_forecast):
    html = page("/o/center/forecast/")
    assert "<caption>2026年3月</caption>" in html and "<caption>2026年4月</caption>" in html
    assert '<abbr title="日曜日">日</abbr>' in html  # weeks start on Sunday
    assert "fc-selected" in cell(html, "2026-03-02").group(1)  # today is selected
    tuesday = cell(html, "2026-03-03")
    assert "3月3日" in tuesday.group(2) and re.search(r"空いている|普通|混雑", tuesday.group(2))
    for closed in ("2026-03-11", "2026-03-20", "2026-03-28"):  # 点検, 春分の日, a Saturday
        assert cell(html, closed).group(3) == "閉庁"
    assert re.fullmatch(r"lv[1-5]", cell(html, "2026-03-29").group(1))  # 休日開庁: a forecast, a link
    assert '<span class="fc-mark">★</span>' in cell(html, "2026-03-29").group(2)  # marked in the calendar
    assert '<span class="fc-mark">★</span>' not in cell(html, "2026-03-03").group(2)
    assert "★</span> 休日開庁・特別開庁</li>" in html  # and in the legend
    assert "3月29日 " in cell(html, "2026-03-29").group(2) and "休日開庁" in cell(html, "2026-03-29").group(2)
    today = day_section(html)
    assert "3月2日 (月)" in today
    hours = re.findall(r'<th scope="row">(.*?)</th>', today)
    assert hours[0] == "8:00～9:00" and hours[-1] == "17:00～18:00" and len(hours) == 10
    for word in ("空いている", "やや空いている", "普通", "やや混雑", "大変混雑", "閉庁"):
        assert word in html  # the legend: every level in words, not colour alone


def test_tapping_a_day_shows_its_hours(center_forecast):
    sunday = day_section(page("/o/center/forecast/?day=2026-03-29"))
    assert "休日開庁" in sunday
    assert re.findall(r'<th scope="row">(.*?)</th>', sunday) == ["9:00～10:00", "10:00～11:00", "11:00～12:00"]
    holiday = day_section(page("/o/center/forecast/?day=2026-03-20"))
    assert "この日は閉庁日です。" in holiday and "祝日（春分の日）" in holiday
    fragment = page("/o/center/forecast/?day=2026-03-29&fragment=day")  # what htmx swaps in
    assert fragment.lstrip().startswith('<section id="fc-day"') and "<html" not in fragment


def test_a_category_has_its_own_hours(center_forecast):
    html = page("/o/center/forecast/?category=moving&day=2026-03-03")
    assert '<option value="moving" selected>' in html
    hours = re.findall(r'<th scope="row">(.*?)</th>', day_section(html))
    assert hours[-1] == "16:00～17:00"  # 転入 until 16:30
    assert "?category=moving&amp;day=2026-03-04" in html  # the calendar keeps the category
    unknown = page("/o/center/forecast/?category=nothing&day=2026-03-03")  # falls back to the office
    assert re.findall(r'<th scope="row">(.*?)</th>', day_section(unknown))[-1] == "17:00～18:00"


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_and_the_feed_in_every_language(center_forecast, lang):
    html = page(f"/o/center/forecast/?lang={lang}&day=2026-03-20")
    with translation.override(lang):
        words = {level: str(word) for level, word in OFFICE_LEVEL_WORDS.items()}
        title = translation.gettext("混雑予想")
        closed_day = translation.gettext("この日は閉庁日です。")
        holiday = translation.gettext("祝日") + "（春分の日）"  # the holiday's own name stays Japanese
    assert all(word not in ("空いている", "閉庁") for word in (words[1], words[0]))
    for word in words.values():
        assert word in html
    assert title != "混雑予想" and title in html and closed_day in html and holiday in html
    assert "この日は閉庁日です。" not in html and "凡例" not in html
    heads = {"en": "Sun", "zh-hans": "日", "ko": "일", "vi": "CN", "pt-br": "Dom"}  # short: 7 columns at 360 px
    assert f'">{heads[lang]}</abbr></th>' in html
    feed = Client().get("/api/v1/offices/center/forecast?category=moving", HTTP_ACCEPT_LANGUAGE=lang).json()
    assert feed["levels"] == {str(k): v for k, v in words.items()}
    assert {h["level_text"] for h in feed["hours"]} <= set(words.values())
    assert Client().get(f"/api/v1/offices/center/forecast?category=moving&lang={lang}").json()["levels"] == feed["levels"]


def test_linked_from_the_office_home_and_the_board(center_forecast):
    assert 'href="/o/center/forecast/"' in page("/o/center/")
    assert 'href="/o/center/forecast/"' in page("/o/center/board/")


def test_an_office_without_a_forecast_says_so_and_an_unknown_office_is_not_found(office):
    html = page("/o/demo/forecast/")
    assert "この庁舎の混雑予想はまだありません。" in html
    assert Client().get("/o/nowhere/forecast/").status_code == 404


def test_a_closure_decided_after_the_refit_shows_at_once(center_forecast):
    """The calendar closes a day the stored forecast (last night's) still has hours for."""
    from madoguchi.queueing.models import OfficeClosure

    OfficeClosure.objects.create(office=center_forecast, date="2026-03-04", note="臨時閉庁")
    html = page("/o/center/forecast/?day=2026-03-04&lang=en")
    assert cell(html, "2026-03-04").group(3) == "Closed"
    assert "The office is closed on this day." in day_section(html) and "Temporarily closed" in html


def test_an_office_open_around_the_clock_shows_its_busy_hours_not_the_night(office, monkeypatch):
    import datetime as dt

    from django.core.management import call_command

    from madoguchi.core.actors import actor_for_token
    from madoguchi.core.timeutil import JST
    from madoguchi.queueing import services

    clock = {}
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock["now"])
    kiosk = actor_for_token("demo-kiosk")
    for offset in range(1, 22):
        day = dt.date(2026, 3, 2) - dt.timedelta(days=offset)
        if day.weekday() < 5:
            for hour in (9, 10, 11):
                for minute in range(0, 60, 12):
                    clock["now"] = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)
                    services.ticket_issue(actor=kiosk, office_code="demo", category_code="certificates")
    clock["now"] = dt.datetime(2026, 3, 2, 2, 15, tzinfo=JST)
    call_command("forecast_refit", "--office", "demo", "--days", "14")
    html = page("/o/demo/forecast/?day=2026-03-03")
    hours = re.findall(r'<th scope="row">(.*?)</th>', day_section(html))
    assert hours == ["9:00～10:00", "10:00～11:00", "11:00～12:00"]
    assert cell(html, "2026-03-07").group(3) == "閉庁"  # a Saturday: nobody in its history
    assert cell(html, "2026-03-06").group(2)  # a Friday: a day with hours
    assert "休日開庁・特別開庁" not in html  # no such day: no such key in the legend


def test_while_the_demos_refit_runs_the_page_says_it_is_computing_and_reloads(office, center_forecast):
    """``madoguchi demo`` fits the forecasts in the background (cli._demo_history): for that
    minute the page says 「計算しています」 and reloads itself every 30 s, instead of 「まだありません」;
    only in that state, and an office with its forecast shows it even while others compute."""
    from madoguchi.forecasting import refits

    computing = "混雑予想を計算しています。"
    refits.started(["demo", "center"])
    try:
        html = page("/o/demo/forecast/")
        assert computing in html and '<meta http-equiv="refresh" content="30">' in html
        assert "まだありません" not in html and "この日の予想はありません" not in html
        english = page("/o/demo/forecast/?lang=en")
        assert "The crowd forecast is being calculated." in english
        center = page("/o/center/forecast/")  # its forecast is stored: shown, no reloading
        assert computing not in center and 'http-equiv="refresh"' not in center
    finally:
        refits.finished(["demo", "center"])
    html = page("/o/demo/forecast/")  # the refit ended without a forecast (failed): none, said so
    assert "この庁舎の混雑予想はまだありません。" in html and computing not in html and 'http-equiv="refresh"' not in html
