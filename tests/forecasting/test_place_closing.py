"""A place's closing rules (休館日): 「月曜休館（祝日の場合は翌平日）」, 年末年始, single closed dates;
the refit forecasts them as 0 without learning their zeros as quiet days; the page says 休館日 with
the reason in words in every language and the feed carries ``closed`` and the reason code; holiday
names in the page's language."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from madoguchi.core.actors import SYSTEM
from madoguchi.forecasting import closing, services
from madoguchi.forecasting.closing import ClosingRules
from madoguchi.forecasting.holiday_names import holiday_name
from madoguchi.forecasting.models import Place, PlaceHourForecast

JST = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 6, 18, 10, 30, tzinfo=JST)  # a Wednesday morning
D = dt.date


def museum_rules(on_holiday="next_weekday", **kw):
    return ClosingRules(weekdays=frozenset({0}), on_holiday=on_holiday,
                        year_end=((12, 29), (1, 3)), **kw)


# --- the rules ---------------------------------------------------------------------------------


def test_a_holiday_monday_opens_and_the_closure_moves_to_tuesday():
    rules = museum_rules()
    assert rules.reason(D(2025, 7, 21)) is None                    # 海の日 (Monday): open
    assert rules.reason(D(2025, 7, 22)) == closing.HOLIDAY_MOVED   # closed the Tuesday instead
    assert rules.reason(D(2025, 7, 23)) is None
    assert rules.reason(D(2025, 7, 28)) == closing.WEEKDAY         # an ordinary Monday
    assert rules.reason(D(2025, 7, 29)) is None
    # こどもの日 on Monday 5 May 2025 and its 振替休日 on Tuesday: the closure goes to Wednesday
    assert [rules.reason(D(2025, 5, d)) for d in (5, 6, 7, 8)] == [None, None, closing.HOLIDAY_MOVED, None]
    # 敬老の日 (Mon), 国民の休日 (Tue), 秋分の日 (Wed) 2026: Thursday
    assert [rules.reason(D(2026, 9, d)) for d in (21, 22, 23, 24, 25)] == [None, None, None,
                                                                          closing.HOLIDAY_MOVED, None]


def test_what_a_closed_weekday_does_on_a_holiday_is_the_places_choice():
    closed, opened = museum_rules("closed"), museum_rules("open")
    assert closed.reason(D(2025, 7, 21)) == closing.WEEKDAY and closed.reason(D(2025, 7, 22)) is None
    assert opened.reason(D(2025, 7, 21)) is None and opened.reason(D(2025, 7, 22)) is None


def test_the_year_end_closure_across_new_year():
    rules = museum_rules()
    assert rules.reason(D(2025, 12, 28)) is None                   # Sunday before
    assert [rules.reason(D(2025, 12, d)) for d in (29, 30, 31)] == [closing.YEAR_END] * 3
    assert [rules.reason(D(2026, 1, d)) for d in (1, 2, 3)] == [closing.YEAR_END] * 3
    assert rules.reason(D(2026, 1, 4)) is None                     # Sunday: open again
    assert rules.reason(D(2026, 1, 5)) == closing.WEEKDAY
    # 元日 on a Monday inside the closure moves nothing: 4 January 2024 (Thursday) is open
    assert rules.reason(D(2024, 1, 1)) == closing.YEAR_END and rules.reason(D(2024, 1, 4)) is None
    # a closure within one year (no wrap) and single dates
    summer = ClosingRules(year_end=((8, 13), (8, 16)), dates=frozenset({D(2025, 2, 10)}))
    assert summer.reason(D(2025, 8, 14)) == closing.YEAR_END and summer.reason(D(2025, 8, 17)) is None
    assert summer.reason(D(2025, 2, 10)) == closing.CLOSED_DATE and summer.reason(D(2025, 12, 30)) is None


def test_a_foreign_place_moves_its_closure_after_its_own_countrys_holidays():
    rules = ClosingRules(weekdays=frozenset({0}), on_holiday="next_weekday", country="US")
    assert rules.reason(D(2025, 9, 1)) is None and rules.reason(D(2025, 9, 2)) == closing.HOLIDAY_MOVED  # Labor Day
    assert rules.reason(D(2025, 7, 21)) == closing.WEEKDAY  # 海の日 is not an American holiday


# --- saving them -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_place_save_command_stores_the_rules_and_refuses_bad_ones():
    call_command("place_save", "museum", "--name", "市立博物館", "--closed-weekdays", "0",
                 "--on-holiday", "next_weekday", "--year-end", "12/29-1/3",
                 "--closed-dates", "2026-02-10, 2026-02-11")
    museum = Place.objects.get(code="museum")
    assert (museum.closed_weekdays, museum.closed_weekday_holiday, museum.year_end_from,
            museum.year_end_until, museum.closed_dates) == (
        [0], "next_weekday", "12-29", "01-03", ["2026-02-10", "2026-02-11"])
    with pytest.raises(CommandError, match="年末年始の休館"):
        call_command("place_save", "museum", "--name", "市立博物館", "--year-end", "12/32-1/3")
    with pytest.raises(CommandError, match="臨時休館日は YYYY-MM-DD"):
        call_command("place_save", "museum", "--name", "市立博物館", "--closed-dates", "2月10日")
    with pytest.raises(CommandError):
        call_command("place_save", "museum", "--name", "市立博物館", "--on-holiday", "sometimes")
    assert Place.objects.get(code="museum").closed_dates == ["2026-02-10", "2026-02-11"]  # untouched


# --- the refit ---------------------------------------------------------------------------------

WEEKDAY_COUNT, HOLIDAY_COUNT = 40.0, 90.0


def gate_counts(rules: ClosingRules, days: int = 365):
    """A museum's gate counter: the same count every opening hour (busier on weekends and
    holidays), 0 on the days it is closed — as a real counter at a closed door reports."""
    import jpholiday

    rows = []
    for back in range(days, 0, -1):
        day = NOW.date() - dt.timedelta(days=back)
        busy = day.weekday() >= 5 or jpholiday.is_holiday(day) or (day.month, day.day) >= (12, 29) \
            or (day.month, day.day) <= (1, 3)
        count = 0 if rules.reason(day) else (HOLIDAY_COUNT if busy else WEEKDAY_COUNT)
        rows += [(dt.datetime(day.year, day.month, day.day, h, tzinfo=JST), count) for h in range(9, 17)]
    return "hour,count\n" + "".join(f"{h.isoformat()},{c:g}\n" for h, c in rows)


@pytest.fixture
def museum(db, monkeypatch):
    monkeypatch.setattr("madoguchi.core.timeutil.now", lambda: NOW)
    place = services.place_save(actor=SYSTEM, code="museum", name="市立博物館", name_en="City Museum",
                                kind="museum", opens_at=dt.time(9), closes_at=dt.time(17),
                                closed_weekdays=[0], closed_weekday_holiday="next_weekday",
                                year_end=("12-29", "01-03"))
    services.place_counts_import(actor=SYSTEM, place=place, data=gate_counts(ClosingRules.of(place)).encode())
    services.place_forecast_refit(place=place)
    return place


def day_forecast(place, day):
    rows = PlaceHourForecast.objects.filter(
        place=place, hour__gte=dt.datetime.combine(day, dt.time(), tzinfo=JST),
        hour__lt=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=JST)).order_by("hour")
    return [(r.hour.astimezone(JST).hour, r.predicted, r.level) for r in rows]


def test_the_refit_forecasts_closed_days_as_zero_and_does_not_learn_them(museum):
    # closed: an ordinary Monday and the Tuesday after 海の日 — each opening hour 0 at level 0
    for closed in (D(2025, 6, 23), D(2025, 7, 22), D(2025, 8, 12)):
        assert day_forecast(museum, closed) == [(h, 0.0, 0) for h in range(9, 17)], closed
    # open: 海の日 itself (a holiday Monday) and the other days, at the counts of open days only.
    # Learned with the zeros, the Tuesdays (moved closures in the year) would come out 7% lower
    # (37.0) and the holidays (the year-end days are holidays in the Japanese calendar) 21% (71.4).
    holiday = [p for _h, p, _lv in day_forecast(museum, D(2025, 7, 21))]
    tuesday = [p for _h, p, _lv in day_forecast(museum, D(2025, 7, 1))]
    wednesday = [p for _h, p, _lv in day_forecast(museum, D(2025, 7, 2))]
    assert len(holiday) == len(tuesday) == 8
    assert all(abs(p - HOLIDAY_COUNT) < 0.05 * HOLIDAY_COUNT for p in holiday), holiday
    assert all(abs(p - WEEKDAY_COUNT) < 0.05 * WEEKDAY_COUNT for p in tuesday), tuesday
    assert all(abs(p - WEEKDAY_COUNT) < 0.05 * WEEKDAY_COUNT for p in wednesday), wednesday
    assert {lv for _h, _p, lv in day_forecast(museum, D(2025, 7, 21))} == {5}


# --- the feed ----------------------------------------------------------------------------------


def test_the_feed_says_which_days_are_closed_and_why(museum):
    body = Client().get("/api/v1/places/museum/forecast", HTTP_ACCEPT_LANGUAGE="en").json()
    days = {d["date"]: d for d in body["days"]}
    assert len(days) == 56 and body["levels"]["0"] == "Closed"
    assert days["2025-06-23"] == {"date": "2025-06-23", "closed": True, "reason": "weekday",
                                       "reason_text": "Regular closing day", "holiday": None}
    assert days["2025-07-21"] == {"date": "2025-07-21", "closed": False, "reason": None,
                                  "reason_text": None, "holiday": "Marine Day"}
    assert (days["2025-07-22"]["closed"], days["2025-07-22"]["reason"]) == (True, "holiday_moved")
    assert not days["2025-06-24"]["closed"]
    hours = {h["hour"]: h for h in body["hours"]}
    assert len(hours) == 56 * 8  # every opening hour, the closed days' at 0
    assert hours["2025-07-22T10:00:00+09:00"] == {"hour": "2025-07-22T10:00:00+09:00", "predicted": 0.0,
                                                  "level": 0, "level_text": "Closed", "closed": True}
    assert not hours["2025-07-21T10:00:00+09:00"]["closed"] and hours["2025-07-21T10:00:00+09:00"]["level"] == 5
    place = Client().get("/api/v1/places").json()["places"][0]
    assert (place["closed_weekdays"], place["closed_weekday_holiday"], place["year_end"], place["closed_dates"]) == (
        [0], "next_weekday", {"start": "12-29", "end": "01-03"}, [])


def test_a_closed_date_set_today_closes_the_day_before_the_nights_refit(museum):
    services.place_save(actor=SYSTEM, code="museum", name="市立博物館", opens_at=dt.time(9),
                        closes_at=dt.time(17), closed_weekdays=[0], closed_weekday_holiday="next_weekday",
                        year_end=("12-29", "01-03"), closed_dates=["2025-06-25"])
    body = Client().get("/api/v1/places/museum/forecast", {"days": 14}).json()
    day = next(d for d in body["days"] if d["date"] == "2025-06-25")
    assert (day["closed"], day["reason"], day["reason_text"]) == (True, "closed_date", "臨時休館")
    june25 = [h for h in body["hours"] if h["hour"].startswith("2025-06-25")]
    assert len(june25) == 8 and all(h["closed"] and h["level"] == 0 and h["predicted"] == 0 for h in june25)
    page = Client().get("/places/museum/", {"day": "2025-06-25"}).content.decode()
    outlook = page[page.index('id="outlook"'):page.index('class="level-legend"')]
    assert "休館日（臨時休館）" in outlook and 'class="hour' not in outlook


# --- the page in every language ----------------------------------------------------------------

# Django code → (a closed Monday's words, the moved closure's words, 海の日, the rule)
PAGE = {
    "ja": ("休館日（定休日）", "休館日（祝日開館の振替）", "海の日", "祝日の場合は開館し、翌平日に休館"),
    "en": ("Closed (Regular closing day)", "Closed (moved from the holiday)", "Marine Day",
           "if a holiday, open and closed the next weekday instead"),
    "zh-hans": ("休馆日（定期休息日）", "休馆日（节假日开馆的补休）", "海之日", "逢节假日开馆，次一工作日休馆"),
    "ko": ("휴관일 (정기 휴일)", "휴관일 (공휴일 개관에 따른 대체 휴관)", "바다의 날", "공휴일이면 개관하고 다음 평일 휴관"),
    "vi": ("Ngày nghỉ (Ngày nghỉ định kỳ)", "Ngày nghỉ (nghỉ bù cho ngày lễ mở cửa)", "Ngày của Biển",
           "nếu là ngày lễ thì mở cửa, nghỉ vào ngày thường kế tiếp"),
    "pt-br": ("Fechado (Dia de folga regular)", "Fechado (compensação pelo feriado aberto)",
              "Dia do Mar", "se for feriado, abre e fecha no próximo dia útil"),
}


def day_item(page: str, day: str) -> str:
    item = page[page.index(f"?day={day}"):]
    return item[:item.index("</li>")]


@pytest.mark.parametrize("lang", list(PAGE))
def test_the_page_says_closed_with_the_reason_in_every_language(museum, lang):
    monday, moved, marine_day, rule = PAGE[lang]
    client = Client()
    page = client.get("/places/museum/", {"lang": lang}).content.decode()
    assert monday in day_item(page, "2025-06-23") and "level-chip" not in day_item(page, "2025-06-23")
    assert moved in day_item(page, "2025-07-22")
    holiday = day_item(page, "2025-07-21")
    assert marine_day in holiday and "level-chip lv5" in holiday  # open, with its name in the language
    assert rule in page  # the rules beside the opening hours
    outlook = client.get("/places/museum/", {"lang": lang, "day": "2025-07-22"}).content.decode()
    outlook = outlook[outlook.index('id="outlook"'):outlook.index('class="level-legend"')]
    assert moved in outlook and 'class="hour' not in outlook
    index = client.get("/places/", {"lang": lang}).content.decode()
    assert "level-chip" in index  # today (Wednesday) is open: its busiest level


def test_the_index_says_a_place_is_closed_today(museum, monkeypatch):
    monkeypatch.setattr("madoguchi.core.timeutil.now", lambda: NOW + dt.timedelta(days=5))  # Monday
    index = Client().get("/places/", {"lang": "en"}).content.decode()
    assert "Closed today (Regular closing day)" in index and "level-chip lv" not in index.split("level-legend")[0]


# --- holiday names -----------------------------------------------------------------------------


@pytest.mark.parametrize("country, day, lang, name", [
    ("JP", D(2025, 7, 21), "ja", "海の日"),
    ("JP", D(2025, 7, 21), "en", "Marine Day"),
    ("JP", D(2025, 7, 21), "ko", "바다의 날"),
    ("JP", D(2025, 7, 21), "zh-hans", "海之日"),
    ("JP", D(2025, 5, 6), "vi", "Ngày nghỉ bù"),         # 振替休日
    ("JP", D(2025, 12, 30), "pt-br", "Feriados de fim de ano"),  # 年末年始 (the forecasts' own year end)
    ("KR", D(2025, 10, 3), "ko", "개천절"),               # the library's Korean
    ("KR", D(2025, 10, 3), "ja", "National Foundation Day"),  # no Japanese: English
    ("BR", D(2025, 4, 21), "pt-br", "Tiradentes"),
    ("CN", D(2025, 10, 1), "zh-hans", "国庆节"),
    ("VN", D(2025, 9, 2), "vi", "Quốc khánh"),
    ("US", D(2025, 7, 4), "ko", "Independence Day"),
    ("NZ", D(2025, 2, 6), "vi", "Waitangi Day"),          # no language list: its own names
])
def test_holiday_names_in_the_pages_language(country, day, lang, name):
    assert holiday_name(country, day, lang) == name
