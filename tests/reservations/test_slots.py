"""Slots computed from the weekly schedule, the office calendar, overrides and bookings."""

import datetime as dt

from madoguchi.queueing.models import OfficeClosure, OfficeHours
from madoguchi.reservations import slots
from madoguchi.reservations.models import Availability, SlotOverride

from .conftest import AT, TUESDAY, jst


def starts(rtype, first, days=1, **kw):
    return [s["start"] for s in slots.bookable(rtype, first=first, days=days, at=AT, **kw)]


def test_weekday_schedule_gives_half_hour_slots_from_tomorrow(availability):
    rtype = availability.type
    # Today (Monday) is outside the window (from tomorrow); Tuesday has 9:00 … 11:30.
    assert starts(rtype, AT.date()) == []
    got = slots.bookable(rtype, first=TUESDAY, days=1, at=AT)
    assert [s["start"] for s in got] == [jst(TUESDAY, 9) + dt.timedelta(minutes=30 * i) for i in range(6)]
    assert got[-1]["end"] == jst(TUESDAY, 12)
    assert all(s["free"] == 3 for s in got)
    # Saturday and Sunday: no slots; the window ends 60 days ahead.
    assert starts(rtype, dt.date(2026, 12, 12), days=2) == []
    assert starts(rtype, AT.date() + dt.timedelta(days=61)) == []
    assert starts(rtype, AT.date() + dt.timedelta(days=60)) != []


def test_repeat_every_second_week(availability):
    availability.repeat_weeks = 2  # valid from Tue 2026-12-01: the weeks of Dec 1, 15, 29 …
    availability.save()
    assert starts(availability.type, TUESDAY) == []
    assert len(starts(availability.type, dt.date(2026, 12, 15))) == 6


def test_office_calendar_removes_closed_days_and_hours(availability, office):
    office.hours_enforced = True
    office.save()
    for weekday in range(5):
        OfficeHours.objects.create(office=office, weekday=weekday, opens=dt.time(9, 30),
                                   closes=dt.time(17, 0))
    OfficeClosure.objects.create(office=office, date=dt.date(2026, 12, 9))
    office.refresh_from_db()
    availability.type.office = office
    # Before 9:30 the office is closed: the 9:00 slot goes.
    assert starts(availability.type, TUESDAY)[0] == jst(TUESDAY, 9, 30)
    assert starts(availability.type, dt.date(2026, 12, 9)) == []  # 臨時閉庁日
    assert starts(availability.type, dt.date(2026, 12, 29)) == []  # 年末年始


def test_overrides_and_bookings_change_free(availability, staff):
    from madoguchi.reservations.models import SlotCount

    rtype = availability.type
    SlotOverride.objects.create(office=rtype.office, type=rtype, start=jst(TUESDAY, 9), closed=True)
    SlotOverride.objects.create(office=rtype.office, type=rtype, start=jst(TUESDAY, 10), capacity=5)
    SlotCount.objects.create(type=rtype, start=jst(TUESDAY, 10), booked=2)
    got = {s["start"]: s["free"] for s in slots.bookable(rtype, first=TUESDAY, days=1, at=AT)}
    assert jst(TUESDAY, 9) not in got
    assert got[jst(TUESDAY, 10)] == 3
    assert got[jst(TUESDAY, 9, 30)] == 3


def test_multi_slot_runs_are_consecutive(onestop):
    got = slots.bookable(onestop, first=TUESDAY, days=1, at=AT)
    # 9:00–11:00 in 30-minute slots, two at a time: starts 9:00, 9:30, 10:00 (10:30 has no next).
    assert [(s["start"], s["end"]) for s in got] == [
        (jst(TUESDAY, 9), jst(TUESDAY, 10)), (jst(TUESDAY, 9, 30), jst(TUESDAY, 10, 30)),
        (jst(TUESDAY, 10), jst(TUESDAY, 11))]


def test_validity_dates(availability):
    availability.valid_until = dt.date(2026, 12, 8)
    availability.save()
    assert starts(availability.type, TUESDAY) != []
    assert starts(availability.type, dt.date(2026, 12, 9)) == []
    other = Availability.objects.get(pk=availability.pk)
    assert other.valid_from == dt.date(2026, 12, 1)
