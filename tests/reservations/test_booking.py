"""Booking and cancelling through the services: capacity held, slots freed, refusals clear."""

import datetime as dt

import pytest

from madoguchi.core.errors import Conflict, ServiceError
from madoguchi.core.models import AuditLog
from madoguchi.reservations import slots
from madoguchi.reservations.models import Reservation, ReservationStatus, SlotCount
from madoguchi.reservations.services import CITIZEN, reservation_book, reservation_cancel

from .conftest import AT, TUESDAY, jst


def book(rtype, start, **kw):
    return reservation_book(actor=kw.pop("actor", CITIZEN), office="demo", type_code=rtype.code,
                            start=start, at=AT, **kw)


def free_at(rtype, start):
    return {s["start"]: s["free"] for s in slots.bookable(rtype, first=start.date(), days=1, at=AT)}[start]


def test_capacity_is_never_exceeded(availability):
    rtype = availability.type
    start = jst(TUESDAY, 10)
    made = [book(rtype, start) for _ in range(3)]
    assert len({r.code for r in made}) == 3
    assert free_at(rtype, start) == 0
    with pytest.raises(Conflict) as refused:
        book(rtype, start)
    assert refused.value.code == "slot_full"
    assert Reservation.objects.filter(start=start).count() == 3
    assert SlotCount.objects.get(type=rtype, start=start).booked == 3
    assert AuditLog.objects.filter(action="reservation_book").count() == 3


def test_cancel_frees_the_slot(availability):
    rtype = availability.type
    start = jst(TUESDAY, 10)
    first = book(rtype, start)
    book(rtype, start), book(rtype, start)
    cancelled = reservation_cancel(actor=CITIZEN, code=first.display_code.lower(), at=AT)
    assert cancelled.status == ReservationStatus.CANCELLED
    assert free_at(rtype, start) == 1
    assert book(rtype, start).start == start
    with pytest.raises(Conflict) as twice:
        reservation_cancel(actor=CITIZEN, code=first.code, at=AT)
    assert twice.value.code == "reservation_not_booked"


def test_a_start_that_is_not_a_slot_is_refused(availability):
    rtype = availability.type
    for start in (jst(TUESDAY, 10, 15), jst(TUESDAY, 13), jst(AT.date(), 10),  # off-grid, after, today
                  jst(dt.date(2026, 12, 12), 10)):  # Saturday
        with pytest.raises(ServiceError) as refused:
            book(rtype, start)
        assert refused.value.code == "slot_unavailable"
    # Staff may book today (a phone call at the counter), outside the citizens' window.
    assert book(rtype, jst(AT.date(), 10), actor=pytest.importorskip("madoguchi.core.actors").SYSTEM).slots == 1


def test_multi_slot_booking_takes_consecutive_slots_or_none(onestop):
    start = jst(TUESDAY, 9, 30)
    # Fill 10:00 (the second slot of a 9:30 booking) with a 10:00 booking.
    book(onestop, jst(TUESDAY, 10))
    with pytest.raises(Conflict):
        book(onestop, start)
    # Nothing of the refused booking stays: 9:30 is still free.
    assert not SlotCount.objects.filter(type=onestop, start=start, booked__gt=0).exists()
    made = book(onestop, jst(TUESDAY, 9))
    assert (made.start, made.end, made.slots) == (jst(TUESDAY, 9), jst(TUESDAY, 10), 2)
    reservation_cancel(actor=CITIZEN, code=made.code, at=AT)
    assert set(SlotCount.objects.filter(type=onestop).values_list("start", "booked")) == {
        (jst(TUESDAY, 9), 0), (jst(TUESDAY, 9, 30), 0), (jst(TUESDAY, 10), 1), (jst(TUESDAY, 10, 30), 1)}


def test_sections_to_gather_follow_the_procedures(onestop, office):
    from madoguchi.queueing.models import Section
    from madoguchi.reservations.selectors import sections_to_gather

    onestop.sections.set([Section.objects.filter(office=office).first()])
    made = book(onestop, jst(TUESDAY, 9), answers={
        "life_event": "tennyu", "move_date": "2026-12-01",
        "household": [{"relationship": "head", "birth_date": "1985-04-02"},
                      {"relationship": "child", "birth_date": "2023-05-05"}]})
    groups = sections_to_gather(made)
    assert groups[0]["procedures"] == []  # the type's own section comes first
    codes = [p["code"] for g in groups for p in g["procedures"]]
    assert sorted(codes) == sorted(made.procedures) and len(groups) >= 2
    assert all(g["name"] for g in groups)


def test_purge_clears_what_the_visit_needed(availability):
    from madoguchi.core.actors import SYSTEM
    from madoguchi.reservations.services import reservation_purge

    made = book(availability.type, jst(TUESDAY, 10), email="hanako@example.jp")
    assert reservation_purge(actor=SYSTEM, days=30, at=jst(TUESDAY, 12) + dt.timedelta(days=29)) == 0
    assert reservation_purge(actor=SYSTEM, days=30, at=jst(TUESDAY, 12) + dt.timedelta(days=31)) == 1
    cleared = Reservation.objects.get(pk=made.pk)
    assert (cleared.email, cleared.manage_token, cleared.code, cleared.start) == ("", "", made.code, made.start)
    from madoguchi.core.errors import Forbidden

    with pytest.raises(Forbidden):
        reservation_purge(actor=CITIZEN, days=0)
