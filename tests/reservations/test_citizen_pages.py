"""The citizen's booking pages: type → day → time → confirm (ALTCHA) → the booking's page with
its code and QR; cancel; the calendar file; the e-mails (confirmation with .ics and the cancel
link, the day-before reminder once)."""

import datetime as dt
import re

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.reservations import altcha
from madoguchi.reservations.models import Reservation, ReservationStatus
from madoguchi.reservations.services import CITIZEN, reservation_book, reservation_remind_due

from ..queueing.factories import clock_fixture  # noqa: F401
from .conftest import AT, TUESDAY, jst

TEN = jst(TUESDAY, 10)


@pytest.fixture
def at_monday(clock):
    clock.set(AT)
    return clock


def confirm_url(rtype, start=TEN):
    return f"/o/demo/reserve/{rtype.code}/confirm/?start={start.isoformat().replace('+', '%2B')}"


def book(client, rtype, start=TEN, **fields):
    body = {"start": start.isoformat(), "altcha": altcha.solve(altcha.challenge()), **fields}
    return client.post(f"/o/demo/reserve/{rtype.code}/confirm/", body)


def test_the_steps_lead_from_the_type_to_a_free_time(availability, at_monday, client):
    rtype = availability.type
    types = client.get("/o/demo/reserve/").content.decode()
    assert f'href="/o/demo/reserve/{rtype.code}/"' in types and "一般相談" in types
    days = client.get(f"/o/demo/reserve/{rtype.code}/").content.decode()
    assert 'data-date="2026-12-08"' in days and 'data-date="2026-12-07"' not in days  # from tomorrow
    assert 'data-date="2026-12-12"' not in days  # Saturday: no schedule
    times = client.get(f"/o/demo/reserve/{rtype.code}/?date=2026-12-08").content.decode()
    starts = re.findall(r'data-start="([^"]+)"', times)
    assert starts[0] == "2026-12-08T09:00:00+09:00" and len(starts) == 6
    page = client.get(confirm_url(rtype)).content.decode()
    assert "<altcha-widget" in page and 'challenge="/api/v1/altcha/challenge"' in page
    assert "/static/madoguchi/vendor/altcha-3.2.2.i18n.min.js" in page


def test_a_full_time_is_shown_full_and_not_linked(availability, at_monday, client):
    rtype = availability.type
    for _ in range(3):
        reservation_book(actor=CITIZEN, office="demo", type_code=rtype.code, start=TEN, at=AT)
    times = client.get(f"/o/demo/reserve/{rtype.code}/?date=2026-12-08").content.decode()
    assert 'data-start="2026-12-08T10:00:00+09:00"' not in times
    assert "満席" in times


def test_booking_shows_the_code_and_the_qr_and_can_be_cancelled(availability, at_monday, client, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    rtype = availability.type
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail goes after the commit
        done = book(client, rtype, email="visitor@example.org")
    assert done.status_code == 302, done.content.decode()[:2000]
    reservation = Reservation.objects.get()
    assert done["Location"] == f"/r/{reservation.code}/?booked=1"
    page = client.get(done["Location"]).content.decode()
    assert reservation.display_code in page and "<svg" in page and 'data-status="booked"' in page
    assert "09:30" in page and "10:15" in page  # the check-in window
    # The confirmation: the calendar file and the link with the manage token.
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["visitor@example.org"] and reservation.display_code in mail.subject
    assert f"http://testserver/r/{reservation.code}/?token={reservation.manage_token}" in mail.body
    name, ics, mime = mail.attachments[0]
    assert name.endswith(".ics") and mime == "text/calendar" and "DTSTART:20261208T010000Z" in ics
    # Read aloud and typed in lower case, the code leads to the same page.
    assert client.get(f"/r/{reservation.display_code.lower()}/")["Location"] == f"/r/{reservation.code}/"
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(f"/r/{reservation.code}/cancel/")
    assert cancelled.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert 'data-status="cancelled"' in client.get(f"/r/{reservation.code}/").content.decode()
    assert len(mailoutbox) == 1  # nothing more: the page said it


def test_a_wrong_manage_token_cannot_cancel(availability, at_monday, client):
    reservation = reservation_book(actor=CITIZEN, office="demo", type_code=availability.type.code,
                                   start=TEN, at=AT)
    refused = client.post(f"/r/{reservation.code}/cancel/", {"token": "not-the-token"})
    assert refused.status_code == 403
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.BOOKED


def test_without_the_proof_of_work_nothing_is_booked(availability, at_monday, client):
    refused = client.post(f"/o/demo/reserve/{availability.type.code}/confirm/", {"start": TEN.isoformat()})
    assert refused.status_code == 422
    assert "ロボットでないことの確認ができませんでした" in refused.content.decode()
    assert not Reservation.objects.exists()


def test_a_slot_taken_meanwhile_is_said_plainly(availability, at_monday, client):
    rtype = availability.type
    for _ in range(3):
        reservation_book(actor=CITIZEN, office="demo", type_code=rtype.code, start=TEN, at=AT)
    refused = book(client, rtype)
    assert refused.status_code == 422
    assert "満席になりました" in refused.content.decode()
    assert Reservation.objects.count() == 3


def test_a_onestop_booking_takes_the_navigators_answers(onestop, at_monday, client):
    page = client.get(confirm_url(onestop, jst(TUESDAY, 9))).content.decode()
    assert "最長 90 分" in page  # three 30-minute slots at most: the procedures decide
    done = book(client, onestop, start=jst(TUESDAY, 9), life_event="tennyu", answers="{}")
    assert done.status_code == 302, done.content.decode()[:2000]
    reservation = Reservation.objects.get()
    assert reservation.life_event == "tennyu" and reservation.procedures
    page = client.get(f"/r/{reservation.code}/").content.decode()
    assert "予約した手続き" in page


def test_the_calendar_file(availability, at_monday, client):
    reservation = reservation_book(actor=CITIZEN, office="demo", type_code=availability.type.code,
                                   start=TEN, at=AT)
    response = client.get(f"/r/{reservation.code}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and "DTEND:20261208T013000Z" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_the_reminder_goes_the_day_before_once(availability, at_monday, mailoutbox):
    code = availability.type.code
    with_mail = reservation_book(actor=CITIZEN, office="demo", type_code=code, start=TEN, at=AT,
                                 email="visitor@example.org", lang="en")
    reservation_book(actor=CITIZEN, office="demo", type_code=code, start=TEN, at=AT)  # no address
    reservation_book(actor=CITIZEN, office="demo", type_code=code, start=jst(TUESDAY + dt.timedelta(days=1), 10),
                     at=AT, email="later@example.org")
    mailoutbox.clear()
    assert reservation_remind_due(actor=SYSTEM, at=AT) == 1
    assert reservation_remind_due(actor=SYSTEM, at=AT + dt.timedelta(hours=1)) == 0
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["visitor@example.org"]
    assert mailoutbox[0].attachments[0][0].endswith(".ics")
    with_mail.refresh_from_db()
    assert with_mail.reminded_at == AT


def test_a_booking_by_the_api_mails_the_link_of_the_server_it_was_made_on(availability, at_monday, client, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    body = {"type": availability.type.code, "start": TEN.isoformat(), "email": "visitor@example.org",
            "altcha": altcha.solve(altcha.challenge())}
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post("/api/v1/offices/demo/reservations", body, content_type="application/json")
    assert made.status_code == 201, made.content
    code = made.json()["code"]
    assert f"http://testserver/r/{code}/?token=" in mailoutbox[0].body
