"""Check-in at the kiosk: a booking read within its window becomes a fast-lane ticket that the
counter calls before earlier ordinary tickets; too late it becomes an ordinary ticket; a
one-stop booking opens its procedures as a case on the ticket; no-shows are counted."""

import datetime as dt

import pytest

from madoguchi.cases import selectors as case_selectors
from madoguchi.core.errors import Conflict, Forbidden, NotFound
from madoguchi.core.models import AuditLog
from madoguchi.queueing import services as queue_services
from madoguchi.reservations import selectors
from madoguchi.reservations.models import ReservationStatus
from madoguchi.reservations.services import (
    CITIZEN,
    reservation_book,
    reservation_cancel,
    reservation_check_in,
    reservation_mark_no_shows,
)

from ..queueing.factories import call_next, clock_fixture, counter_id, make_office, staff_actor  # noqa: F401
from .conftest import AT, TUESDAY, jst

TEN = jst(TUESDAY, 10)


@pytest.fixture
def booking(availability):
    return reservation_book(actor=CITIZEN, office="demo", type_code=availability.type.code, start=TEN, at=AT)


def check_in(kiosk, code, clock, at):
    clock.set(at)
    return reservation_check_in(actor=kiosk, office="demo", code=code)


def test_in_the_window_a_fast_lane_ticket_called_before_earlier_ordinary_ones(booking, kiosk, staff, clock):
    clock.set(jst(TUESDAY, 9, 30))
    earlier = queue_services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    # The QR's text, 25 minutes early (the window opens 30 minutes before).
    done = check_in(kiosk, f"RSV:{booking.code}", clock, jst(TUESDAY, 9, 35))
    assert not done.late and not done.replayed
    assert done.ticket.category.code == "fastlane" and done.ticket.is_fast_lane
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.CHECKED_IN
    assert booking.ticket_public_id == done.ticket.public_id
    assert AuditLog.objects.filter(action="reservation_check_in").count() == 1
    # Counter 4 serves the fast lane and 転入・転出: the booked visitor first, though later.
    called = call_next(staff, counter_id(booking.office, 4))
    assert called.public_id == done.ticket.public_id
    assert called.issued_at > earlier.issued_at


def test_reading_the_booking_again_answers_the_same_ticket(booking, kiosk, clock):
    first = check_in(kiosk, booking.display_code, clock, jst(TUESDAY, 10, 5))
    again = check_in(kiosk, booking.code.lower(), clock, jst(TUESDAY, 10, 6))
    assert again.replayed and again.ticket.public_id == first.ticket.public_id
    assert AuditLog.objects.filter(action="reservation_check_in").count() == 1


def test_too_late_an_ordinary_ticket_and_the_booking_is_a_no_show(booking, kiosk, clock):
    done = check_in(kiosk, booking.code, clock, jst(TUESDAY, 10, 16))  # 15 minutes late is the limit
    assert done.late
    assert not done.ticket.is_fast_lane and done.ticket.category.code == "moving"
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.NO_SHOW


def test_the_last_minute_of_the_window_is_still_fast(booking, kiosk, clock):
    assert not check_in(kiosk, booking.code, clock, jst(TUESDAY, 10, 15)).late


def test_too_early_and_another_day_are_refused_with_the_time(booking, kiosk, clock):
    with pytest.raises(Conflict) as early:
        check_in(kiosk, booking.code, clock, jst(TUESDAY, 9, 29))
    assert early.value.code == "checkin_too_early" and "09:30" in early.value.message
    with pytest.raises(Conflict) as other_day:
        check_in(kiosk, booking.code, clock, AT)
    assert other_day.value.code == "checkin_not_today" and "10:00" in other_day.value.message
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.BOOKED and not booking.ticket_public_id


def test_cancelled_unknown_and_other_office_bookings_are_refused(booking, kiosk, clock):
    reservation_cancel(actor=CITIZEN, code=booking.code, at=AT)
    with pytest.raises(Conflict) as cancelled:
        check_in(kiosk, booking.code, clock, jst(TUESDAY, 10))
    assert cancelled.value.code == "reservation_cancelled"
    with pytest.raises(NotFound):
        check_in(kiosk, "ZZZZ-ZZZZ", clock, jst(TUESDAY, 10))
    other = make_office("other", categories=[("fast", 1, 99, True, 5)], counters={1: ["fast"]})
    with pytest.raises((Forbidden, NotFound)):
        reservation_check_in(actor=kiosk, office=other, code=booking.code)
    with pytest.raises(NotFound):
        reservation_check_in(actor=staff_actor(other), office=other, code=booking.code)


def test_a_citizen_cannot_check_in(booking, clock):
    clock.set(jst(TUESDAY, 10))
    with pytest.raises(Forbidden):
        reservation_check_in(actor=CITIZEN, office="demo", code=booking.code)


def test_a_onestop_booking_opens_its_procedures_as_a_case(onestop, kiosk, clock):
    answers = {"life_event": "tennyu"}
    booked = reservation_book(actor=CITIZEN, office="demo", type_code="onestop", start=jst(TUESDAY, 9),
                              at=AT, answers=answers)
    assert booked.procedures  # the navigator's procedures for a move-in
    kept = booked.procedures[:2]
    booked.procedures = kept
    booked.save(update_fields=["procedures"])
    done = check_in(kiosk, booked.code, clock, jst(TUESDAY, 8, 50))
    assert done.case is not None
    case = case_selectors.case_for_ticket(done.ticket.public_id)
    assert case.code == done.case.code and case.life_event == "tennyu"
    assert [p.code for p in case.procedures.all()] == kept
    assert {p.determination for p in case.procedures.all()} == {"applies"}


def test_no_shows_are_marked_and_counted(availability, kiosk, clock):
    code = availability.type.code
    came, missed, later = (reservation_book(actor=CITIZEN, office="demo", type_code=code, start=start, at=AT)
                           for start in (TEN, TEN, jst(TUESDAY, 11)))
    check_in(kiosk, came.code, clock, jst(TUESDAY, 10))
    counts = selectors.day_counts(came.office, TUESDAY, at=jst(TUESDAY, 10, 30))
    assert counts == {"booked": 1, "checked_in": 1, "no_show": 1, "cancelled": 0}
    from madoguchi.core.actors import SYSTEM

    assert reservation_mark_no_shows(actor=SYSTEM, at=jst(TUESDAY, 10, 30)) == 1
    missed.refresh_from_db()
    later.refresh_from_db()
    assert missed.status == ReservationStatus.NO_SHOW and later.status == ReservationStatus.BOOKED
    assert selectors.day_counts(came.office, TUESDAY, at=jst(TUESDAY, 10, 30)) == counts
    assert selectors.day_counts(came.office, TUESDAY, at=jst(TUESDAY, 12))["no_show"] == 2


def test_reading_happens_on_the_office_day(booking, kiosk, clock):
    # 00:30 JST on the booked day is still the day before in UTC: the day counts in Japan.
    with pytest.raises(Conflict) as early:
        check_in(kiosk, booking.code, clock, dt.datetime(2026, 12, 7, 15, 30, tzinfo=dt.UTC))
    assert early.value.code == "checkin_too_early"
