"""Places (観光地): counts imported from a city's CSV files, event days, and a forecast that uses
the place's own country's holidays."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from madoguchi.core.actors import SYSTEM
from madoguchi.core.models import AuditLog
from madoguchi.forecasting import services
from madoguchi.forecasting.models import PlaceCount, PlaceEventDay, PlaceHourForecast

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def garden(db):
    return services.place_save(actor=SYSTEM, code="garden", name="みどり庭園", name_en="Midori Garden",
                               kind="garden", opens_at=dt.time(9), closes_at=dt.time(17))


def write(tmp_path, text: str, encoding: str = "utf-8-sig", name: str = "counts.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def stored(place):
    return {h.astimezone(JST).strftime("%m-%d %H"): c
            for h, c in PlaceCount.objects.filter(place=place).values_list("hour", "count")}


def test_import_a_good_file_with_a_bom_and_naive_hours_in_the_place_time(garden, tmp_path):
    path = write(tmp_path, "hour,count\n2025-04-01T09:00:00+09:00,12\n2025-04-01 10:00,30\n"
                           "2025-04-01T11:00:00+09:00,\n2025-04-01T03:00:00Z,7\n")
    call_command("place_counts_import", "--place", "garden", path)
    # the empty count is a gap, not a zero; 03:00Z is noon in Tokyo
    assert stored(garden) == {"04-01 09": 12, "04-01 10": 30, "04-01 12": 7}
    assert AuditLog.objects.filter(action="place_counts_imported", target="place:garden").count() == 1


def test_shift_jis_with_the_backtest_columns_picks_one_series(garden, tmp_path):
    text = ("series,hour,count\n東口,2025-04-01T09:00:00+09:00,5\n西口,2025-04-01T09:00:00+09:00,8\n"
            "東口,2025-04-01T10:00:00+09:00,6\n")
    path = write(tmp_path, text, encoding="cp932")
    with pytest.raises(CommandError, match="複数の系列（東口, 西口）"):
        call_command("place_counts_import", "--place", "garden", path)
    call_command("place_counts_import", "--place", "garden", "--series", "東口", path)
    assert stored(garden) == {"04-01 09": 5, "04-01 10": 6}


@pytest.mark.parametrize("bad, says", [
    ("2025-04-01T12:00:00+09:00,many", "4行目: 人数「many」が数値ではありません"),
    ("2025-04-01T12:00:00+09:00,-3", "4行目: 人数「-3」は 0 以上"),
    ("2025-04-01T12:30:00+09:00,3", "4行目: 時刻「2025-04-01T12:30:00+09:00」は時間帯の開始"),
    ("昨日の昼,3", "4行目: 時刻「昨日の昼」を読み取れません"),
    ("2025-04-01T09:00:00+09:00,3", "4行目: 同じ時間帯が 2行目にもあります"),
])
def test_a_bad_row_names_its_line_and_nothing_is_stored(garden, tmp_path, bad, says):
    call_command("place_counts_import", "--place", "garden",
                 write(tmp_path, "hour,count\n2025-03-31T09:00:00+09:00,1\n", name="before.csv"))
    path = write(tmp_path, "hour,count\n2025-04-01T09:00:00+09:00,12\n2025-04-01T10:00:00+09:00,30\n"
                           f"{bad}\n2025-04-01T13:00:00+09:00,9\n", encoding="cp932")
    with pytest.raises(CommandError) as refused:
        call_command("place_counts_import", "--place", "garden", path)
    assert says in str(refused.value) and "何も取り込んでいません" in str(refused.value)
    assert stored(garden) == {"03-31 09": 1}  # the rows before the bad one were not kept either


def test_reimport_keeps_one_row_per_hour_and_takes_the_new_count(garden, tmp_path):
    first = write(tmp_path, "hour,count\n2025-04-01T09:00:00+09:00,12\n2025-04-01T10:00:00+09:00,30\n")
    call_command("place_counts_import", "--place", "garden", first)
    call_command("place_counts_import", "--place", "garden", first)
    assert PlaceCount.objects.filter(place=garden).count() == 2
    corrected = write(tmp_path, "hour,count\n2025-04-01T10:00:00+09:00,31\n2025-04-01T11:00:00+09:00,4\n",
                      name="corrected.csv")
    call_command("place_counts_import", "--place", "garden", corrected)
    assert stored(garden) == {"04-01 09": 12, "04-01 10": 31, "04-01 11": 4}
    assert PlaceCount.objects.get(place=garden, hour=dt.datetime(2025, 4, 1, 10, tzinfo=JST)).source == "corrected.csv"


def test_unknown_place_and_bad_header_are_refused_in_japanese(garden, tmp_path):
    path = write(tmp_path, "日時,人数\n2025-04-01T09:00:00+09:00,12\n")
    with pytest.raises(CommandError, match="観光地コード nowhere はありません"):
        call_command("place_counts_import", "--place", "nowhere", path)
    with pytest.raises(CommandError, match="1行目（見出し）は hour,count または series,hour,count"):
        call_command("place_counts_import", "--place", "garden", path)


def test_event_days_import_is_idempotent_and_all_or_nothing(garden, tmp_path):
    good = write(tmp_path, "date,name\n2025-08-15,花火大会\n2025/11/3,ライトアップ\n", encoding="cp932")
    call_command("place_events_import", "--place", "garden", good)
    call_command("place_events_import", "--place", "garden", good)
    assert dict(PlaceEventDay.objects.values_list("date", "name")) == {
        dt.date(2025, 8, 15): "花火大会", dt.date(2025, 11, 3): "ライトアップ"}
    bad = write(tmp_path, "date,name\n2025-12-24,クリスマス\n12月25日,翌日\n", name="bad.csv")
    with pytest.raises(CommandError, match="3行目: 日付「12月25日」を読み取れません"):
        call_command("place_events_import", "--place", "garden", bad)
    assert PlaceEventDay.objects.count() == 2


# --- the forecast ---------------------------------------------------------------------------


def counts_csv(start: dt.date, days: int, tz: ZoneInfo, is_holiday, events=()) -> str:
    """Plausible counts of a garden open 9–17: 10 an hour on weekdays, 20 at weekends, 40 on
    the country's holidays and 60 on event days (deterministic: no noise needed)."""
    lines = ["hour,count"]
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        per_hour = 60 if day in events else 40 if is_holiday(day) else 20 if day.weekday() >= 5 else 10
        for hour in range(9, 17):
            lines.append(f"{dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz).isoformat()},{per_hour}")
    return "\n".join(lines) + "\n"


def refit_on(monkeypatch, place, today: dt.date, days: int = 28):
    at = dt.datetime.combine(today, dt.time(3), tzinfo=ZoneInfo(place.time_zone))
    monkeypatch.setattr("madoguchi.core.timeutil.now", lambda: at)
    call_command("forecast_refit", "--place", place.code, "--days", str(days))

    def predicted(day: dt.date, hour: int = 11) -> float:
        local = dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(place.time_zone))
        return PlaceHourForecast.objects.get(place=place, hour=local).predicted
    return predicted


def test_the_forecast_uses_the_place_country_holidays(monkeypatch, tmp_path):
    import holidays

    us = holidays.country_holidays("US")
    tz = ZoneInfo("America/New_York")
    place = services.place_save(actor=SYSTEM, code="mall", name="ニューヨークの公園", country="US",
                                time_zone="America/New_York", opens_at=dt.time(9), closes_at=dt.time(17))
    today = dt.date(2025, 6, 20)  # a Friday; 4 July 2025 is a Friday too
    path = write(tmp_path, counts_csv(today - dt.timedelta(days=400), 400, tz, lambda d: d in us))
    call_command("place_counts_import", "--place", "mall", path)
    predicted = refit_on(monkeypatch, place, today, days=35)
    independence_day, plain_friday = dt.date(2025, 7, 4), dt.date(2025, 7, 11)
    assert predicted(independence_day) > 1.5 * predicted(plain_friday)
    # 海の日 (21 July, a Japanese holiday) is a plain Monday in New York
    assert predicted(dt.date(2025, 7, 21)) == pytest.approx(predicted(dt.date(2025, 7, 14)), rel=0.05)
    # only the opening hours are forecast, in the place's own time
    first = PlaceHourForecast.objects.filter(place=place).order_by("hour").first()
    assert first.hour.astimezone(tz) == dt.datetime(2025, 6, 20, 9, tzinfo=tz)
    assert PlaceHourForecast.objects.filter(place=place).count() == 35 * 8
    # the refit replaces (idempotent)
    call_command("forecast_refit", "--place", "mall", "--days", "35")
    assert PlaceHourForecast.objects.filter(place=place).count() == 35 * 8


def test_event_days_raise_the_forecast_of_a_future_event(monkeypatch, tmp_path, garden):
    from madoguchi.forecasting.calendar_model import holiday_calendar

    today = dt.date(2025, 6, 18)  # a Wednesday
    past_events = {today - dt.timedelta(days=d) for d in (14, 49, 84, 119)}  # Wednesdays
    future_event = dt.date(2025, 7, 2)  # a Wednesday
    call_command("place_counts_import", "--place", "garden",
                 write(tmp_path, counts_csv(today - dt.timedelta(days=200), 200, JST,
                                            holiday_calendar("JP"), past_events)))
    events = "date,name\n" + "".join(f"{d},夜間開園\n" for d in sorted(past_events | {future_event}))
    call_command("place_events_import", "--place", "garden", write(tmp_path, events, name="events.csv"))
    predicted = refit_on(monkeypatch, garden, today)
    assert predicted(future_event) > 2 * predicted(dt.date(2025, 7, 9))
    levels = dict(PlaceHourForecast.objects.filter(place=garden, hour__date__in=[future_event])
                  .values_list("hour", "level"))
    assert set(levels.values()) == {5}


def test_the_admin_site_saves_a_place_through_the_service(office):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from madoguchi.forecasting.models import Place

    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    answer = client.post("/admin/forecasting/place/add/", {
        "code": "museum", "name": "市立博物館", "name_en": "", "names": "{}", "kind": "museum",
        "country": "jp", "time_zone": "Asia/Tokyo", "closed_weekdays": "[0]", "is_public": "on",
        "closed_weekday_holiday": "next_weekday", "year_end_from": "12/29", "year_end_until": "1/3",
        "closed_dates": '["2026-02-10"]'})
    assert answer.status_code == 302
    museum = Place.objects.get(code="museum")
    assert museum.country == "JP"  # normalised by place_save
    assert (museum.closed_weekday_holiday, museum.year_end_from, museum.year_end_until, museum.closed_dates) == (
        "next_weekday", "12-29", "01-03", ["2026-02-10"])
    assert AuditLog.objects.filter(action="place_created", target="place:museum", actor="admin").exists()
    assert client.get("/admin/forecasting/placecount/").status_code == 200
