"""Staff screens: the day's bookings by slot with their procedures, the 準備済 tick, and a
supervisor's change of one slot (bookings that no longer fit are cancelled and told by e-mail)."""

import datetime as dt
import re

import pytest
from django.core import mail

from madoguchi.core.actors import actor_for_user
from madoguchi.core.errors import Forbidden
from madoguchi.reservations import slots
from madoguchi.reservations.models import Reservation, ReservationStatus, SlotCount, SlotOverride
from madoguchi.reservations.services import CITIZEN, reservation_book
from madoguchi.reservations.staff_services import slot_override_set

from .conftest import AT, TUESDAY, jst

DAY = f"/o/demo/reservations/?date={TUESDAY.isoformat()}"


def book(code, start, *, later=0, **kw):
    at = AT + dt.timedelta(minutes=later)  # who booked first keeps the place
    return reservation_book(actor=CITIZEN, office="demo", type_code=code, start=start, at=at, **kw)


@pytest.fixture
def bookings(availability, onestop):
    general = [book("general", jst(TUESDAY, 10), email="a@example.jp"),
               book("general", jst(TUESDAY, 10), later=1),
               book("general", jst(TUESDAY, 10), later=2, email="c@example.jp", lang="en")]
    moving = book("onestop", jst(TUESDAY, 9), answers={"life_event": "tennyu"})
    return general, moving


def test_the_day_lists_bookings_by_slot_with_their_procedures(client, staff_user, bookings):
    general, moving = bookings
    assert moving.procedures and moving.slots >= 1
    client.force_login(staff_user)
    page = client.get(DAY)
    assert page.status_code == 200
    html = page.content.decode()
    assert "来庁予約 2026年12月8日（火）" in html
    # Slots in time order: the one-stop visit at 9:00 comes before the 10:00 general slot.
    assert html.index(moving.display_code) < html.index(general[0].display_code)
    row = re.search(r'data-slot="general@10:00".*?</tr>', html, re.S).group(0)
    assert "3 / 3" in row and all(r.display_code in row for r in general)
    assert "転入届" in html  # the booked procedures, by name
    assert html.count("準備済にする") == 4
    # Counter staff see no slot changes; the day before and after are a click away.
    assert "枠を閉じる" not in html and "?date=2026-12-09" in html
    # Slots nobody booked are left out unless asked for (a supervisor changing capacity).
    assert 'data-slot="general@11:00"' not in html
    assert 'data-slot="general@11:00"' in client.get(DAY + "&all=1").content.decode()


def test_the_prepared_tick_is_kept_with_who_ticked(client, staff_user, bookings):
    target = bookings[0][1]
    client.force_login(staff_user)
    response = client.post(f"/o/demo/reservations/{target.code}/prepare/", {"prepared": "1"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "✓ 準備済" in response.content.decode()
    target.refresh_from_db()
    assert target.prepared_at is not None and target.prepared_by == "staff"
    assert client.get(DAY).content.decode().count("準備済にする") == 3
    client.post(f"/o/demo/reservations/{target.code}/prepare/", {"prepared": "0"})
    target.refresh_from_db()
    assert target.prepared_at is None and target.prepared_by == ""


def test_closing_a_slot_cancels_its_bookings_and_tells_those_with_an_email(
        client, supervisor, bookings, django_capture_on_commit_callbacks):
    general = bookings[0]
    client.force_login(supervisor)
    start = jst(TUESDAY, 10)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/demo/reservations/slot/", {
            "date": TUESDAY.isoformat(), "type": "general", "start": start.isoformat(), "action": "close",
            "note": "システム点検"})
    assert response.status_code == 302
    assert {r.status for r in Reservation.objects.filter(start=start)} == {ReservationStatus.CANCELLED}
    assert SlotCount.objects.get(type=general[0].type, start=start).booked == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.jp", "c@example.jp"]
    assert general[0].display_code in mail.outbox[0].body + mail.outbox[1].body
    assert all("システム点検" in m.body for m in mail.outbox)
    page = client.get(DAY).content.decode()
    assert "入りきらない予約 3 件を取り消し、メールアドレスのある 2 件に知らせました。" in page
    assert "メールアドレスのない 1 件は" in page
    assert "閉じた枠" in page
    # Citizens can no longer book it.
    assert start not in {s["start"] for s in slots.bookable(general[0].type, first=TUESDAY, days=1, at=AT)}


def test_a_lower_capacity_cancels_the_latest_bookings_first(supervisor, bookings,
                                                           django_capture_on_commit_callbacks):
    general = bookings[0]
    with django_capture_on_commit_callbacks(execute=True):
        result = slot_override_set(actor=actor_for_user(supervisor), office="demo", type_code="general",
                                   start=jst(TUESDAY, 10), capacity=1, at=AT)
    assert {r.code for r in result["cancelled"]} == {general[1].code, general[2].code}
    kept = Reservation.objects.get(code=general[0].code)
    assert kept.status == ReservationStatus.BOOKED
    assert [m.to for m in mail.outbox] == [["c@example.jp"]]
    # Back to the schedule: the freed places can be booked again.
    slot_override_set(actor=actor_for_user(supervisor), office="demo", type_code="general",
                      start=jst(TUESDAY, 10), at=AT)
    assert not SlotOverride.objects.exists()
    free = {s["start"]: s["free"] for s in slots.bookable(general[0].type, first=TUESDAY, days=1, at=AT)}
    assert free[jst(TUESDAY, 10)] == 2


def test_a_closed_slot_can_be_opened_again(supervisor, availability):
    actor = actor_for_user(supervisor)
    start = jst(TUESDAY, 11)
    slot_override_set(actor=actor, office="demo", type_code="general", start=start, closed=True, at=AT)
    assert start not in {s.start for s in slots.type_slots(availability.type, first=TUESDAY, days=1, at=AT)}
    slot_override_set(actor=actor, office="demo", type_code="general", start=start, at=AT)
    assert start in {s.start for s in slots.type_slots(availability.type, first=TUESDAY, days=1, at=AT)}


def test_only_supervisors_change_slots(client, staff_user, staff, availability):
    with pytest.raises(Forbidden):
        slot_override_set(actor=staff, office="demo", type_code="general", start=jst(TUESDAY, 10),
                          closed=True, at=AT)
    client.force_login(staff_user)
    refused = client.post("/o/demo/reservations/slot/", {
        "type": "general", "start": jst(TUESDAY, 10).isoformat(), "action": "close"})
    assert refused.status_code == 403
    assert client.get("/o/demo/reservations/cards/").status_code == 403
    assert not SlotOverride.objects.exists()


def test_a_start_off_the_schedule_is_refused(supervisor, availability):
    from madoguchi.core.errors import ServiceError

    for start in (jst(TUESDAY, 10, 15), jst(dt.date(2026, 12, 12), 10)):
        with pytest.raises(ServiceError) as refused:
            slot_override_set(actor=actor_for_user(supervisor), office="demo", type_code="general",
                              start=start, closed=True, at=AT)
        assert refused.value.code == "slot_unavailable"


def test_the_card_import_screen(client, supervisor, card_type):
    from pathlib import Path

    client.force_login(supervisor)
    fixture = Path(__file__).parent / "fixtures" / "card_notices.csv"
    with fixture.open("rb") as f:
        page = client.post("/o/demo/reservations/cards/", {"file": f})
    assert page.status_code == 200
    assert "4行を取り込みました（追加 4 件" in page.content.decode()
    bad = client.post("/o/demo/reservations/cards/", {"file": _upload("x.csv", b"1,2\n")})
    assert bad.status_code == 422
    assert "1行目: 生年月日「2」を日付として読めません。" in bad.content.decode()


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")
