"""The kiosk's check-in, by the API (kiosk token) and on the kiosk's screen (its session)."""

import re

import pytest
from django.test import Client

from madoguchi.reservations.models import ReservationStatus
from madoguchi.reservations.services import CITIZEN, reservation_book

from ..queueing.factories import clock_fixture  # noqa: F401
from .conftest import AT, TUESDAY, jst

KIOSK = {"HTTP_AUTHORIZATION": "Bearer demo-kiosk"}


@pytest.fixture
def booking(availability):
    return reservation_book(actor=CITIZEN, office="demo", type_code=availability.type.code,
                            start=jst(TUESDAY, 10), at=AT)


def check_in(client, code, **extra):
    return client.post("/api/v1/offices/demo/check-in", {"reservation": code},
                       content_type="application/json", **KIOSK, **extra)


def test_api_answers_the_ticket_as_the_ticket_api_does(booking, clock, client):
    clock.set(jst(TUESDAY, 9, 50))
    first = check_in(client, f"RSV:{booking.code}")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["fast_lane"] is True and body["category"] == "fastlane" and body["reservation"] == booking.code
    assert body["status_url"].endswith(f"/t/{body['id']}/") and body["number"] >= 1501
    again = check_in(client, booking.display_code)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert client.get(f"/api/v1/tickets/{body['id']}").status_code == 200


def test_api_late_gives_an_ordinary_ticket(booking, clock, client):
    clock.set(jst(TUESDAY, 10, 40))
    body = check_in(client, booking.code).json()
    assert body["fast_lane"] is False and body["category"] == "moving"
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.NO_SHOW


def test_api_refusals_have_the_error_shape(booking, clock, client):
    clock.set(jst(TUESDAY, 9))
    early = check_in(client, booking.code)
    assert early.status_code == 409 and early.json()["code"] == "checkin_too_early"
    assert check_in(client, "nothing").status_code == 404
    assert client.post("/api/v1/offices/demo/check-in", {"reservation": booking.code},
                       content_type="application/json").status_code == 401


def kiosk_client(lang=None) -> Client:
    client = Client()
    client.get("/o/demo/kiosk/?device=demo-kiosk" + (f"&lang={lang}" if lang else ""))
    return client


def test_the_kiosk_reads_the_code_and_shows_a_fast_lane_ticket(booking, clock):
    clock.set(jst(TUESDAY, 10))
    kiosk = kiosk_client()
    menu = kiosk.get("/o/demo/kiosk/").content.decode()
    assert 'data-kiosk-checkin' in menu and 'name="reservation"' in menu
    shown = kiosk.post("/o/demo/kiosk/check-in/", {"reservation": f"RSV:{booking.code}"})
    assert shown.status_code == 201
    html = shown.content.decode()
    assert 'data-checkin="fast"' in html and "優先してお呼びします" in html
    # The same wait as the ticket page (queueing/estimates.py): its P50 on the card.
    from madoguchi.queueing import selectors
    from madoguchi.queueing.models import Ticket

    ticket = Ticket.objects.get(public_id=re.search(r'data-ticket-id="([^"]+)"', html).group(1))
    status = selectors.ticket_status(ticket)
    assert f'data-wait-p50="{status["wait_minutes"]}"' in html
    # First in the fast lane with a counter free: called any moment now, not 「約0分」.
    assert status["wait_minutes"] == 0 and "まもなく呼ばれます" in html and "約0分" not in html


def test_the_kiosk_says_plainly_when_too_late(booking, clock):
    clock.set(jst(TUESDAY, 11))
    kiosk = kiosk_client()
    html = kiosk.post("/o/demo/kiosk/check-in/", {"reservation": booking.code}).content.decode()
    assert 'data-checkin="late"' in html
    assert "通常の番号札を発行しました" in html and "10:00" in html
    english = kiosk.post("/o/demo/kiosk/check-in/?lang=en", {"reservation": booking.code}).content.decode()
    assert "This is an ordinary ticket" in english  # read again: the same ticket, in English


def test_the_kiosk_refuses_early_with_the_time(booking, clock):
    clock.set(jst(TUESDAY, 9))
    kiosk = kiosk_client()
    refused = kiosk.post("/o/demo/kiosk/check-in/", {"reservation": booking.code})
    assert refused.status_code == 409
    assert "09:30" in refused.content.decode()
