"""The places' citizen pages (index, one page per place) in the six languages, and their JSON feed
for the open data portal: levels in colour AND words, today's hours and the next weeks."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation

from madoguchi.core import permissions
from madoguchi.core.actors import SYSTEM
from madoguchi.core.timeutil import JST
from madoguchi.forecasting import services
from madoguchi.forecasting.demo import DEMO_PLACE, seed_demo_place
from madoguchi.forecasting.levels import LEVEL_WORDS, MARKS

from ..module_db import module_data

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 6, 18, 10, 30, tzinfo=JST)  # a Wednesday morning

# Django code, <html lang>, the page's heading, the level words of level 1 and 5, the place's name
LANGS = {
    "ja": ("ja", "今日の混雑予想", "空いている", "大変混雑", "みどり庭園（デモ）"),
    "en": ("en", "Today's forecast", "Quiet", "Very busy", "Midori Garden (demo)"),
    "zh-hans": ("zh-Hans", "今天的拥挤预测", "空闲", "非常拥挤", "绿庭园（演示）"),
    "ko": ("ko", "오늘의 혼잡 예측", "한산함", "매우 혼잡", "미도리 정원(데모)"),
    "vi": ("vi", "Dự báo hôm nay", "Vắng", "Rất đông", "Vườn Midori (demo)"),
    "pt-br": ("pt-BR", "Previsão de hoje", "Tranquilo", "Muito cheio", "Jardim Midori (demo)"),
}


@pytest.fixture(scope="module")
def _seeded_place(django_db_setup, django_db_blocker):
    """The demo place's year of counts and its refit, once for the module (module_db)."""
    with module_data(django_db_blocker), pytest.MonkeyPatch.context() as patch:
        patch.setattr("madoguchi.core.timeutil.now", lambda: NOW)
        with django_db_blocker.unblock():
            place = seed_demo_place()
        yield place


@pytest.fixture
def demo_place(_seeded_place, db, monkeypatch):
    monkeypatch.setattr("madoguchi.core.timeutil.now", lambda: NOW)
    return _seeded_place


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_place_page_in_every_language(demo_place, lang):
    html_lang, heading, quiet, busy, name = LANGS[lang]
    page = Client().get(f"/places/{DEMO_PLACE}/", {"lang": lang}, HTTP_ACCEPT_LANGUAGE="ja")
    body = page.content.decode()
    assert page.status_code == 200
    assert f'<html lang="{html_lang}">' in body
    assert heading in body and name in body
    # the legend: every level in colour (class) and in words
    assert quiet in body and busy in body
    # today's outlook: the eight opening hours 9:00–16:00, each with a level class and its words
    outlook = body[body.index('id="outlook"'):body.index('class="level-legend"')]
    hours = re.findall(r'<span class="hour-time">(\d+:\d\d)</span>.*?<span class="level-chip lv(\d)">'
                       r'<span class="level-mark" aria-hidden="true">(.)</span> <span class="level-word">([^<]+)</span>',
                       outlook)
    assert [h for h, _lv, _m, _w in hours] == [f"{h}:00" for h in range(9, 17)]
    with translation.override(lang):  # each hour's mark and words are its level's (forecasting/levels.py)
        assert all((mark, word) == (MARKS[int(lv)], str(LEVEL_WORDS[int(lv)])) for _h, lv, mark, word in hours)
    assert 'class="hour now"' in outlook  # 10:30: the 10 o'clock hour is marked
    # the next weeks: 56 days, each a link to its hours
    assert body.count('<li class="day') == 56
    assert "?day=2025-07-04#outlook" in body


def test_a_chosen_day_the_light_up_and_an_unknown_place(demo_place):
    client = Client()
    page = client.get(f"/places/{DEMO_PLACE}/?day=2025-07-05").content.decode()  # the light-up Saturday
    assert "7/5 (土) の混雑予想" in page and "行事: ライトアップ" in page
    outlook = page[page.index('id="outlook"'):page.index('class="level-legend"')]
    assert "lv5" in outlook
    assert client.get(f"/places/{DEMO_PLACE}/?day=not-a-date").status_code == 200
    assert client.get("/places/nowhere/").status_code == 404


def test_a_hidden_place_is_nowhere_public(demo_place):
    services.place_save(actor=SYSTEM, code="secret", name="準備中の施設", is_public=False)
    client = Client()
    assert client.get("/places/secret/").status_code == 404
    assert client.get("/api/v1/places/secret/forecast").status_code == 404
    assert [p["code"] for p in client.get("/api/v1/places").json()["places"]] == [DEMO_PLACE]
    assert "準備中の施設" not in client.get("/places/").content.decode()


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_index_links_the_places_in_every_language(demo_place, lang):
    html_lang, _heading, _quiet, _busy, name = LANGS[lang]
    index = Client().get("/places/", {"lang": lang}).content.decode()
    assert f'<html lang="{html_lang}">' in index and name in index
    assert f'href="/places/{DEMO_PLACE}/"' in index
    assert 'href="/places/"' in Client().get("/", {"lang": lang}).content.decode()  # from the site's index


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_feed_answers_in_every_language(demo_place, lang):
    _html_lang, _heading, quiet, busy, _name = LANGS[lang]
    answer = Client().get(f"/api/v1/places/{DEMO_PLACE}/forecast", {"days": 7}, HTTP_ACCEPT_LANGUAGE=lang)
    assert answer.status_code == 200 and answer["Access-Control-Allow-Origin"] == "*"
    body = answer.json()
    assert body["levels"]["1"] == quiet and body["levels"]["5"] == busy
    assert body["place"] == DEMO_PLACE and body["time_zone"] == "Asia/Tokyo"
    assert len(body["hours"]) == 7 * 8
    assert body["hours"][0]["hour"] == "2025-06-18T09:00:00+09:00"
    assert {h["level_text"] for h in body["hours"]} <= set(body["levels"].values())
    assert body["event_days"] == []  # the light-up is 17 days ahead


def test_the_feed_and_list_shape(demo_place):
    client = Client()
    places = client.get("/api/v1/places").json()["places"]
    assert places[0]["page"] == f"/places/{DEMO_PLACE}/" and places[0]["opens_at"] == "09:00"
    body = client.get(places[0]["forecast"]).json()
    assert len(body["hours"]) == 56 * 8
    assert body["event_days"] == [{"date": "2025-07-05", "name": "ライトアップ"}]
    assert client.get(f"/api/v1/places/{DEMO_PLACE}/forecast?days=99").status_code == 422
    missing = client.get("/api/v1/places/nowhere/forecast")
    assert missing.status_code == 404 and missing.json()["code"] == "place_not_found"


def test_every_place_route_is_declared_for_anyone():
    for name in ("place-index", "place-page"):
        assert permissions.PAGES[name] == permissions.A.ANYONE
    for name in ("list_places", "place_forecast"):
        assert permissions.API[name] == permissions.A.ANYONE


def test_the_public_side_imports_refits_and_serves_its_places_itself(settings, tmp_path, monkeypatch):
    """Places are anonymous counts: on MADOGUCHI_ROLE=public they are imported, fitted and served
    there, with no office master and nothing pushed from the internal side."""
    from django.core.management import call_command

    from madoguchi.forecasting.demo import simulated_counts

    settings.ROLE = "public"
    monkeypatch.setattr("madoguchi.core.timeutil.now", lambda: NOW)
    call_command("place_save", "street", "--name", "ひがし商店街", "--kind", "shopping_street",
                 "--hours", "10:00-18:00", "--closed-weekdays", "2")
    rows = simulated_counts(NOW.date(), set(), days=120)
    csv_text = "hour,count\n" + "".join(f"{h.replace(hour=h.hour + 1).isoformat()},{c}\n" for h, c in rows)
    path = tmp_path / "street.csv"
    path.write_bytes(csv_text.encode("cp932"))
    call_command("place_counts_import", "--place", "street", str(path))
    call_command("forecast_refit")
    body = Client().get("/api/v1/places/street/forecast", {"days": 7}).json()
    hours = [h for h in body["hours"] if not h["closed"]]
    assert hours[0]["hour"] == "2025-06-19T10:00:00+09:00"  # today, 18 June, is a Wednesday: closed
    assert len(hours) == 6 * 8 and len(body["hours"]) == 7 * 8  # the closed day's hours at 0
    assert body["days"][0] == {"date": "2025-06-18", "closed": True, "reason": "weekday",
                               "reason_text": "定休日", "holiday": None}
    page = Client().get("/places/street/").content.decode()
    assert "商店街・まちなみ" in page and "休館日: 水曜日" in page and "休館日（定休日）" in page


def test_a_second_demo_start_on_the_same_day_keeps_the_place_as_it_is(demo_place):
    from madoguchi.core.models import AuditLog
    from madoguchi.forecasting.models import PlaceCount

    imports = AuditLog.objects.filter(action="place_counts_imported").count()
    hours = PlaceCount.objects.filter(place=demo_place).count()
    assert hours == 365 * 8
    seed_demo_place()
    assert AuditLog.objects.filter(action="place_counts_imported").count() == imports
    assert PlaceCount.objects.filter(place=demo_place).count() == hours


@pytest.mark.parametrize("lang, name", [("ja", "祝日: 海の日"), ("en", "Holiday: Marine Day"),
                                        ("zh-hans", "节假日: 海之日"), ("ko", "공휴일: 바다의 날"),
                                        ("vi", "Ngày lễ: Ngày của Biển"), ("pt-br", "Feriado: Dia do Mar")])
def test_the_day_list_names_the_holiday(demo_place, lang, name):
    """21 July 2025 (海の日) in the next weeks, named in the page's language: Japanese and English
    from the holidays library, the others from our catalogue (the library has none for Japan)."""
    page = Client().get(f"/places/{DEMO_PLACE}/", {"lang": lang}).content.decode()
    day = page[page.index("?day=2025-07-21"):]
    assert name in day[:day.index("</li>")]


def test_the_demo_garden_closes_on_mondays_and_over_the_year_end(demo_place):
    """「月曜休館（祝日の場合は翌平日）」 and 12/29–1/1: its simulated gate counter reports zeros
    then, and the page and the feed say 休館日."""
    from madoguchi.forecasting import selectors

    def day_total(day):
        return sum(c for _h, c in selectors.place_hourly_counts(demo_place, first=day, last=day))

    assert day_total(dt.date(2025, 6, 16)) == 0            # a Monday
    assert day_total(dt.date(2025, 5, 5)) > 0              # こどもの日 (Monday): open
    assert day_total(dt.date(2025, 5, 7)) == 0             # … closed the Wednesday (Tuesday 振替休日)
    assert day_total(dt.date(2024, 12, 30)) == 0 and day_total(dt.date(2025, 1, 1)) == 0
    assert day_total(dt.date(2025, 1, 2)) > 0
    page = Client().get(f"/places/{DEMO_PLACE}/").content.decode()
    assert "休館日: 月曜日 (祝日の場合は開館し、翌平日に休館), 年末年始 12/29–1/1" in page
    monday = page[page.index("?day=2025-06-23"):]
    assert "休館日（定休日）" in monday[:monday.index("</li>")]
    body = Client().get(f"/api/v1/places/{DEMO_PLACE}/forecast").json()
    reasons = {d["date"]: d["reason"] for d in body["days"] if d["closed"]}
    assert reasons["2025-07-22"] == "holiday_moved" and "2025-07-21" not in reasons
    assert list(reasons.values()).count("weekday") == 6  # the other Mondays (8/11 山の日 moves to 8/12)
    assert reasons["2025-08-12"] == "holiday_moved"
