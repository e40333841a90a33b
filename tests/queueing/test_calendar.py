"""Office calendar rules (開庁日・受付時間): what a visitor at the door would find.

The office below is a 市民センター: weekdays 8:45–17:30, closed on national
holidays and 12/29–1/3; 転入 (``moving``) stops at 16:30 and 証明書
(``certificates``) at 17:15.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from madoguchi.core.errors import Conflict
from madoguchi.core.timeutil import JST
from madoguchi.queueing import calendar
from madoguchi.queueing.models import (
    Category,
    Office,
    OfficeClosure,
    OfficeHours,
    SpecialOpening,
)

from .factories import make_office

pytestmark = pytest.mark.django_db


def jst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


@pytest.fixture
def center():
    office = make_office("center", categories=[("moving", 1, 500, False, 10),
                                               ("certificates", 501, 999, False, 5)],
                         counters={1: ["moving"], 2: ["certificates"]})
    Office.objects.filter(pk=office.pk).update(hours_enforced=True)
    for weekday in range(5):
        OfficeHours.objects.create(office=office, weekday=weekday, opens=dt.time(8, 45),
                                   closes=dt.time(17, 30))
    Category.objects.filter(office=office, code="moving").update(reception_until=dt.time(16, 30))
    Category.objects.filter(office=office, code="certificates").update(reception_until=dt.time(17, 15))
    calendar.calendar_changed(office.pk)  # the updates above bypass save(): say so, as an operator's edit would
    return office


def fresh(office):
    return Office.objects.get(pk=office.pk)


def cat(office, code):
    return Category.objects.select_related("office").get(office=office, code=code)


def test_a_weekday_is_open_within_its_hours_only(center):
    office = fresh(center)
    assert not calendar.is_open(office, jst(2026, 11, 25, 8, 44, 59))
    assert calendar.is_open(office, jst(2026, 11, 25, 8, 45))
    assert calendar.is_open(office, jst(2026, 11, 25, 17, 29, 59))
    assert not calendar.is_open(office, jst(2026, 11, 25, 17, 30))
    assert not calendar.is_open(office, jst(2026, 11, 28, 10, 0))  # a Saturday


def test_a_national_holiday_is_closed_and_named(center):
    office = fresh(center)
    monday = dt.date(2026, 11, 23)  # 勤労感謝の日
    assert not calendar.is_open(office, jst(2026, 11, 23, 10, 0))
    day = calendar.calendar_days(office, monday, 1)[0]
    assert day == {"date": "2026-11-23", "open": False, "hours": [], "note": "祝日（勤労感謝の日）"}


def test_a_holiday_is_open_when_the_office_does_not_close_on_holidays(center):
    Office.objects.filter(pk=center.pk).update(closed_on_holidays=False)
    assert calendar.is_open(fresh(center), jst(2026, 11, 23, 10, 0))


def test_year_end_closes_from_12_29_to_1_3(center):
    office = fresh(center)
    days = calendar.calendar_days(office, dt.date(2026, 12, 28), 8)
    assert [d["open"] for d in days] == [True, False, False, False, False, False, False, True]
    assert days[1]["note"] == "年末年始" and days[6]["note"] == "年末年始"
    assert days[0]["hours"] == [["08:45", "17:30"]] and days[7]["date"] == "2027-01-04"
    # After closing on 12/28 the next opening is the first Monday of the year.
    assert calendar.next_opening(office, jst(2026, 12, 28, 17, 30)) == jst(2027, 1, 4, 8, 45)


def test_a_special_opening_on_a_sunday_has_its_own_hours(center):
    SpecialOpening.objects.create(office=center, date=dt.date(2027, 3, 28), opens=dt.time(9, 0),
                                  closes=dt.time(12, 0), note="休日開庁")
    office = fresh(center)
    sunday = calendar.calendar_days(office, dt.date(2027, 3, 27), 2)
    assert sunday[0] == {"date": "2027-03-27", "open": False, "hours": [], "note": None}
    assert sunday[1] == {"date": "2027-03-28", "open": True, "hours": [["09:00", "12:00"]], "note": "休日開庁"}
    assert calendar.is_open(office, jst(2027, 3, 28, 11, 59))
    assert not calendar.is_open(office, jst(2027, 3, 28, 12, 0))
    # Saturday evening: the next opening is that Sunday morning, not Monday.
    assert calendar.next_opening(office, jst(2027, 3, 27, 18, 0)) == jst(2027, 3, 28, 9, 0)


def test_a_city_closure_closes_an_ordinary_weekday(center):
    OfficeClosure.objects.create(office=center, date=dt.date(2026, 11, 26), note="庁舎設備点検")
    office = fresh(center)
    assert not calendar.is_open(office, jst(2026, 11, 26, 10, 0))
    assert calendar.calendar_days(office, dt.date(2026, 11, 26), 1)[0]["note"] == "庁舎設備点検"


def test_the_cut_off_stops_a_category_exactly_at_the_minute(center):
    moving, certificates = cat(center, "moving"), cat(center, "certificates")
    assert calendar.reception_open(moving, jst(2026, 11, 25, 16, 29, 59))
    assert not calendar.reception_open(moving, jst(2026, 11, 25, 16, 30, 0))
    # The office and the other categories still receive visitors.
    assert calendar.is_open(fresh(center), jst(2026, 11, 25, 16, 30))
    assert calendar.reception_open(certificates, jst(2026, 11, 25, 17, 14, 59))
    assert not calendar.reception_open(certificates, jst(2026, 11, 25, 17, 15))


def test_next_opening_over_a_long_weekend(center):
    """Friday after the cut-off, then Saturday, Sunday and the Monday holiday: Tuesday 8:45."""
    moving = cat(center, "moving")
    state = calendar.reception(moving, jst(2026, 11, 20, 16, 45))
    assert not state.accepting and state.reason == "reception_closed"
    assert state.next_opening == jst(2026, 11, 24, 8, 45) and state.over_for_today
    assert calendar.next_opening(fresh(center), jst(2026, 11, 20, 17, 30)) == jst(2026, 11, 24, 8, 45)


def test_refusals_say_the_next_opening_in_japanese(center):
    moving = cat(center, "moving")
    with pytest.raises(Conflict) as refused:
        calendar.require_reception(moving, jst(2026, 11, 20, 16, 30))
    assert refused.value.code == "reception_closed" and refused.value.status == 409
    assert refused.value.message == "「movingの手続き」の本日の受付は16:30で終了しました。次の受付は11月24日（火）8:45からです。"
    assert refused.value.detail == {"next_opening": "2026-11-24T08:45:00+09:00", "reception_until": "16:30"}
    with pytest.raises(Conflict) as early:
        calendar.require_reception(moving, jst(2026, 11, 24, 7, 0))
    assert early.value.code == "office_closed"
    assert early.value.message == "ただいま受付時間外です。次の受付は11月24日（火）8:45からです。"
    with pytest.raises(Conflict) as late:
        calendar.require_reception(cat(center, "certificates"), jst(2026, 11, 24, 18, 0))
    assert late.value.message == "本日の受付は終了しました。次の受付は11月25日（水）8:45からです。"


def test_a_lunch_break_reopens_the_same_day(center):
    OfficeHours.objects.filter(office=center, weekday=2).delete()
    OfficeHours.objects.create(office=center, weekday=2, opens=dt.time(8, 45), closes=dt.time(12, 0))
    OfficeHours.objects.create(office=center, weekday=2, opens=dt.time(13, 0), closes=dt.time(17, 30))
    state = calendar.reception(cat(center, "moving"), jst(2026, 11, 25, 12, 30))
    assert state.reason == "office_closed" and not state.over_for_today
    assert state.next_opening == jst(2026, 11, 25, 13, 0)
    assert calendar.calendar_days(fresh(center), dt.date(2026, 11, 25), 1)[0]["hours"] == [
        ["08:45", "12:00"], ["13:00", "17:30"]]


def test_an_office_without_enforced_hours_is_open_around_the_clock(center):
    Office.objects.filter(pk=center.pk).update(hours_enforced=False)
    office = fresh(center)
    assert calendar.is_open(office, jst(2026, 11, 23, 3, 0))  # a holiday, at night
    assert calendar.calendar_days(office, dt.date(2026, 12, 31), 1)[0] == {
        "date": "2026-12-31", "open": True, "hours": [["00:00", "24:00"]], "note": None}


def test_an_edit_reaches_the_cached_calendar_at_once(center):
    office = fresh(center)
    assert calendar.is_open(office, jst(2026, 11, 25, 10, 0))  # cached now
    OfficeClosure.objects.create(office=office, date=dt.date(2026, 11, 25), note="臨時閉庁")
    assert not calendar.is_open(fresh(center), jst(2026, 11, 25, 10, 0))
    moving = cat(center, "moving")
    moving.reception_until = dt.time(11, 0)
    moving.save()
    states = calendar.category_receptions(fresh(center), jst(2026, 11, 24, 11, 0),
                                          {"moving": True, "certificates": True})
    assert not states["moving"].accepting and states["certificates"].accepting


def test_overlapping_or_reversed_ranges_are_refused(center):
    with pytest.raises(ValidationError, match="重なっています"):
        OfficeHours(office=center, weekday=0, opens=dt.time(12, 0), closes=dt.time(18, 0)).full_clean()
    with pytest.raises(ValidationError, match="開始時刻は終了時刻より前"):
        SpecialOpening(office=center, date=dt.date(2027, 3, 28), opens=dt.time(12, 0),
                       closes=dt.time(9, 0)).full_clean()
    # Touching ranges do not overlap (a morning and an afternoon).
    OfficeHours(office=center, weekday=5, opens=dt.time(8, 0), closes=dt.time(8, 45)).full_clean()


def test_an_office_without_any_hours_has_no_next_opening(center):
    OfficeHours.objects.filter(office=center).delete()
    state = calendar.reception(cat(center, "certificates"), jst(2026, 11, 24, 10, 0))
    assert (state.accepting, state.reason, state.next_opening) == (False, "office_closed", None)
    with pytest.raises(Conflict) as refused:
        calendar.require_reception(cat(center, "certificates"), jst(2026, 11, 24, 10, 0))
    assert refused.value.message == "本日は閉庁日です。次の受付日は未定です。"
    # A special opening ahead is still found.
    SpecialOpening.objects.create(office=center, date=dt.date(2027, 3, 28), opens=dt.time(9, 0),
                                  closes=dt.time(12, 0))
    assert calendar.next_opening(fresh(center), jst(2026, 11, 24, 10, 0)) == jst(2027, 3, 28, 9, 0)


def test_holidays_come_from_jpholiday_for_every_year():
    import jpholiday

    day = dt.date(2025, 1, 1)
    for offset in range(3 * 366):
        date = day + dt.timedelta(days=offset)
        assert calendar.holiday_name(date) == jpholiday.is_holiday_name(date), date
