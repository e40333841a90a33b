"""The admin: a type with its weekly schedule is entered on one page; bookings are read-only
and cancelled through the service."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from madoguchi.core.actors import SYSTEM
from madoguchi.core.timeutil import JST, business_date
from madoguchi.reservations.models import Availability, Reservation, ReservationType, SlotCount
from madoguchi.reservations.services import reservation_book


@pytest.fixture
def admin_client(office):
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def test_type_with_schedule_from_the_admin(admin_client, office):
    response = admin_client.post("/admin/reservations/reservationtype/add/", {
        "office": office.pk, "code": "general", "name": "一般相談", "name_en": "", "names": "{}",
        "kind": "general", "slots_needed": 1, "procedures_per_slot": 2, "max_slots": 3,
        "display_order": 0, "is_active": "on",
        "availabilities-TOTAL_FORMS": 1, "availabilities-INITIAL_FORMS": 0,
        "availabilities-0-weekdays": ["0", "2", "4"], "availabilities-0-valid_from": "2026-12-01",
        "availabilities-0-valid_until": "", "availabilities-0-repeat_weeks": 1,
        "availabilities-0-start_time": "09:00", "availabilities-0-end_time": "12:00",
        "availabilities-0-slot_minutes": 30, "availabilities-0-capacity": 2,
        "availabilities-0-bookable_from_days": 1, "availabilities-0-bookable_until_days": 60,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    avail = Availability.objects.get()
    assert avail.weekdays == [0, 2, 4] and avail.office_id == office.pk
    assert admin_client.get(f"/admin/reservations/reservationtype/{avail.type_id}/change/").status_code == 200


def test_cancel_action_frees_the_slot(admin_client, office):
    rtype = ReservationType.objects.create(office=office, code="g", name="一般相談")
    Availability.objects.create(office=office, type=rtype, weekdays=list(range(7)),
                                valid_from=dt.date(2020, 1, 1), start_time=dt.time(9),
                                end_time=dt.time(12), capacity=1)
    start = dt.datetime.combine(business_date() + dt.timedelta(days=1), dt.time(10), tzinfo=JST)
    booked = reservation_book(actor=SYSTEM, office="demo", type_code="g", start=start)
    assert admin_client.get("/admin/reservations/reservation/").status_code == 200
    assert admin_client.get(f"/admin/reservations/reservation/{booked.pk}/change/").status_code == 200
    response = admin_client.post("/admin/reservations/reservation/", {
        "action": "cancel_selected", "_selected_action": [booked.pk]})
    assert response.status_code == 302
    assert Reservation.objects.get(pk=booked.pk).status == "cancelled"
    assert SlotCount.objects.get(type=rtype, start=start).booked == 0
