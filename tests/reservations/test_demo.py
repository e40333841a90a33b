"""The demo's reservations: three types, a schedule, a card to pick up, DEMO-R1 this half hour."""

import datetime as dt

from madoguchi.core.timeutil import JST
from madoguchi.reservations import codes, slots
from madoguchi.reservations.demo import seed_reservations
from madoguchi.reservations.models import Reservation, ReservationType, SlotCount


def test_demo_types_schedule_and_demo_r1(office):
    at = dt.datetime(2026, 12, 5, 3, 40, tzinfo=JST)  # a Saturday at 3:40 in the morning
    booking = seed_reservations(office, at=at)
    assert {t.kind for t in ReservationType.objects.filter(office=office)} == {
        "onestop", "card_pickup", "general"}
    # DEMO-R1 is for the current half hour even outside the schedule, and holds its slot.
    assert booking.code == codes.normalize("DEMO-R1") == codes.normalize("demo-r1")
    assert (booking.start, booking.end) == (dt.datetime(2026, 12, 5, 3, 30, tzinfo=JST),
                                            dt.datetime(2026, 12, 5, 4, 0, tzinfo=JST))
    assert SlotCount.objects.get(type=booking.type, start=booking.start).booked == 1
    # Started again an hour later: DEMO-R1 moves, its old slot is freed, nothing doubles.
    later = seed_reservations(office, at=at + dt.timedelta(hours=1))
    assert later.start == dt.datetime(2026, 12, 5, 4, 30, tzinfo=JST)
    assert Reservation.objects.filter(code=later.code).count() == 1
    assert SlotCount.objects.get(type=booking.type, start=booking.start).booked == 0
    assert seed_reservations(office, at=at + dt.timedelta(minutes=55)).pk == later.pk  # 4:35: the same
    # Started at 4:49 (no longer 4:30's to check in: 15 minutes late at most), it is 5:00's.
    ahead = seed_reservations(office, at=at + dt.timedelta(hours=1, minutes=9))
    assert ahead.start == dt.datetime(2026, 12, 5, 5, 0, tzinfo=JST)
    # Monday has bookable weekday slots for each type.
    general = ReservationType.objects.get(office=office, code="general")
    monday = slots.bookable(general, first=dt.date(2026, 12, 7), days=1, at=at)
    assert monday[0]["start"] == dt.datetime(2026, 12, 7, 9, 0, tzinfo=JST) and monday[0]["free"] == 3
