"""Reservation fixtures: a general type on the demo office with a weekday schedule.

Times are fixed (``AT``, a Monday morning in Tokyo) and passed to the services as ``at=``, so
no test depends on today's date."""

import datetime as dt

import pytest

from madoguchi.core.timeutil import JST
from madoguchi.reservations.models import Availability, ReservationKind, ReservationType

from ..live.conftest import shared_postgres  # noqa: F401 (a throw-away PostgreSQL database)

# Monday 2026-12-07 09:00 JST; the schedule is bookable from tomorrow.
AT = dt.datetime(2026, 12, 7, 9, 0, tzinfo=JST)
TUESDAY = dt.date(2026, 12, 8)


def jst(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=JST)


@pytest.fixture
def rtype(office):
    from madoguchi.queueing.models import Category

    return ReservationType.objects.create(
        office=office, code="general", name="一般相談", name_en="General consultation",
        kind=ReservationKind.GENERAL, category=Category.objects.get(office=office, code="fastlane"))


@pytest.fixture
def availability(rtype):
    return Availability.objects.create(
        office=rtype.office, type=rtype, weekdays=[0, 1, 2, 3, 4], valid_from=dt.date(2026, 12, 1),
        start_time=dt.time(9, 0), end_time=dt.time(12, 0), slot_minutes=30, capacity=3,
        bookable_from_days=1, bookable_until_days=60)


@pytest.fixture
def onestop(office):
    rtype = ReservationType.objects.create(
        office=office, code="onestop", name="転入・転出ワンストップ", kind=ReservationKind.ONESTOP,
        slots_needed=2, procedures_per_slot=2, max_slots=3)
    Availability.objects.create(
        office=office, type=rtype, weekdays=[0, 1, 2, 3, 4], valid_from=dt.date(2026, 12, 1),
        start_time=dt.time(9, 0), end_time=dt.time(11, 0), slot_minutes=30, capacity=1)
    return rtype


@pytest.fixture
def card_type(office):
    """マイナンバーカード受取: Tuesday to Thursday mornings, two pickups a slot."""
    rtype = ReservationType.objects.create(
        office=office, code="card", name="マイナンバーカード受取", name_en="My Number Card pickup",
        kind=ReservationKind.CARD_PICKUP)
    Availability.objects.create(
        office=office, type=rtype, weekdays=[1, 2, 3], valid_from=dt.date(2026, 12, 1),
        start_time=dt.time(9, 0), end_time=dt.time(11, 0), slot_minutes=30, capacity=2)
    return rtype


@pytest.fixture
def supervisor(office):
    from django.contrib.auth import get_user_model

    from madoguchi.core.models import Role, StaffMembership

    user = get_user_model().objects.create_user(username="kacho", password="kacho-password")
    StaffMembership.objects.create(user=user, office=office, role=Role.SUPERVISOR)
    return user
