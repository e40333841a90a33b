"""The reservations' zone exchange, in-process: what the push carries out and how the public
side applies it, the pull's pages and its idempotent apply, and the signatures both ways."""

import datetime as dt
import http.server
import json
import threading
import time

import pytest
from django.core import mail
from django.test import RequestFactory

from madoguchi.core.actors import SYSTEM
from madoguchi.reservations import zone
from madoguchi.reservations.models import (
    Availability,
    CardNoticeHash,
    Reservation,
    ReservationStatus,
    ReservationType,
    SlotCount,
    SlotOverride,
)
from madoguchi.reservations.services import CITIZEN, reservation_book, reservation_cancel
from madoguchi.zones import pull
from madoguchi.zones.signing import Refused, signed_headers

from ..reservations.conftest import AT, TUESDAY, jst

SECRET = "exchange-test-secret"


@pytest.fixture
def general(office):
    rtype = ReservationType.objects.create(office=office, code="general", name="一般相談")
    Availability.objects.create(office=office, type=rtype, weekdays=[0, 1, 2, 3, 4],
                                valid_from=dt.date(2026, 12, 1), start_time=dt.time(9),
                                end_time=dt.time(12), slot_minutes=30, capacity=3)
    CardNoticeHash.objects.create(office=office, digest="ab" * 32)
    return rtype


def book(office_code, start, **kw):
    return reservation_book(actor=CITIZEN, office=office_code, type_code="general", start=start, at=AT, **kw)


# ------------------------------------------------------------------ out: the push's part


def test_the_push_carries_the_schedule_and_hashes_but_nothing_personal(general, office):
    SlotOverride.objects.create(office=office, type=general, start=jst(TUESDAY, 10), closed=True, note="点検")
    part = zone.outgoing(office, at=AT)
    assert [t["code"] for t in part["types"]] == ["general"]
    assert part["availabilities"][0] | {"type": "general"} == part["availabilities"][0]
    assert part["availabilities"][0]["start_time"] == "09:00:00"
    assert part["overrides"] == [{"type": "general", "start": jst(TUESDAY, 10).isoformat(), "capacity": None,
                                  "closed": True, "note": "点検"}]
    assert part["card_hashes"] == ["ab" * 32]
    # The public side has this version: the list is left out.
    assert "card_hashes" not in zone.outgoing(office, known_card_version=part["card_hashes_version"], at=AT)


def test_the_public_side_applies_the_part_and_takes_bookings_from_it(general, office,
                                                                     django_capture_on_commit_callbacks):
    part = zone.outgoing(office, at=AT)
    outside = {"code": "pub", "name": "公開側の庁舎", "name_en": "", "display_order": 0}
    zone.incoming_apply(office=outside, part=part, at=AT)
    zone.incoming_apply(office=outside, part=part, at=AT)  # twice: the same copy
    assert Availability.objects.filter(office__code="pub").count() == 1
    assert CardNoticeHash.objects.filter(office__code="pub").count() == 1
    made = [book("pub", jst(TUESDAY, 10), email="a@example.jp"), book("pub", jst(TUESDAY, 10))]

    # A slot closed inside: the public side cancels what it holds and mails who gave an address.
    part["overrides"] = [{"type": "general", "start": jst(TUESDAY, 10).isoformat(), "capacity": None,
                          "closed": True, "note": "点検"}]
    with django_capture_on_commit_callbacks(execute=True):
        result = zone.incoming_apply(office=outside, part=part, at=AT)
    assert sorted(result["cancelled"]) == sorted(r.code for r in made)
    assert [m.to for m in mail.outbox] == [["a@example.jp"]]
    # Opened again inside: the override goes, the slot is bookable again.
    part["overrides"] = []
    zone.incoming_apply(office=outside, part=part, at=AT)
    assert not SlotOverride.objects.filter(office__code="pub").exists()
    kept = book("pub", jst(TUESDAY, 10))

    # A booking staff cancelled inside is cancelled outside (its slot freed).
    part["cancelled"] = [kept.code]
    zone.incoming_apply(office=outside, part=part, at=AT)
    assert Reservation.objects.get(code=kept.code).status == ReservationStatus.CANCELLED
    assert SlotCount.objects.get(type__office__code="pub", start=jst(TUESDAY, 10)).booked == 0
    # A type no longer sent stops taking bookings; its bookings keep it.
    part["types"], part["availabilities"] = [], []
    zone.incoming_apply(office=outside, part=part, at=AT)
    assert not ReservationType.objects.get(office__code="pub", code="general").is_active


# ------------------------------------------------------------------ in: the pull


def test_the_pull_pages_in_order_and_applying_twice_changes_nothing(general):
    made = [book("demo", jst(TUESDAY, 9 + n // 3)) for n in range(5)]
    reservation_cancel(actor=CITIZEN, code=made[0].code, at=AT)
    first = zone.changes_since(offices=["demo"], since=None, limit=2)
    assert len(first["reservations"]) == 2 and first["more"]
    rows, page = list(first["reservations"]), first
    while page["more"]:
        nxt = page["next"]
        page = zone.changes_since(offices=["demo"], since=dt.datetime.fromisoformat(nxt["since"]),
                                  after_code=nxt["after_code"], limit=2)
        rows += page["reservations"]
    assert sorted(r["code"] for r in rows) == sorted(r.code for r in made)
    assert all("manage_token" not in r for r in rows)

    # The internal side has none of them yet: they come in, counts follow, twice is once.
    Reservation.objects.all().delete()
    SlotCount.objects.all().delete()
    assert zone.pulled_apply(rows=rows) == {"added": 5, "cancelled": 0, "skipped": 0}
    assert zone.pulled_apply(rows=rows) == {"added": 0, "cancelled": 0, "skipped": 0}
    counts = dict(SlotCount.objects.values_list("start", "booked"))
    assert counts == {jst(TUESDAY, 9): 2, jst(TUESDAY, 10): 2}  # the cancelled one holds nothing
    assert Reservation.objects.get(code=made[0].code).status == ReservationStatus.CANCELLED


def test_a_cancellation_outside_comes_in_but_a_check_in_inside_stays(general):
    a, b = book("demo", jst(TUESDAY, 9)), book("demo", jst(TUESDAY, 9))
    rows = zone.changes_since(offices=None, since=None)["reservations"]
    for row in rows:
        row["status"], row["cancelled_at"] = "cancelled", AT.isoformat()
    Reservation.objects.filter(code=b.code).update(status=ReservationStatus.CHECKED_IN)
    assert zone.pulled_apply(rows=rows)["cancelled"] == 1
    assert Reservation.objects.get(code=a.code).status == ReservationStatus.CANCELLED
    assert Reservation.objects.get(code=b.code).status == ReservationStatus.CHECKED_IN
    assert SlotCount.objects.get(start=jst(TUESDAY, 9)).booked == 1


def test_the_feed_answers_a_signed_request_with_a_signed_page_once(general, settings):
    settings.ZONE_SECRET = SECRET
    book("demo", jst(TUESDAY, 9))
    body = json.dumps({"since": None}).encode()
    seq = int(time.time() * 1000)

    def send(headers):
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
        return pull.reservations_feed(RequestFactory().post("/zone/v1/reservations", data=body,
                                                            content_type="application/json", **meta))

    answer = send(signed_headers(SECRET, body, sequence=seq, sender="internal-pull"))
    assert answer.status_code == 200
    from madoguchi.zones.signing import verify

    assert verify(SECRET, answer.headers, answer.content, max_skew=60) == ("public", seq)
    assert len(json.loads(answer.content)["reservations"]) == 1
    assert send(signed_headers(SECRET, body, sequence=seq, sender="internal-pull")).status_code == 409
    assert send(signed_headers("wrong", body, sequence=seq + 1, sender="internal-pull")).status_code == 401


class _Answer(http.server.BaseHTTPRequestHandler):
    """A public side (or someone in the way) answering with ``self.server.sign(body, request_seq)``."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"reservations": [], "more": False, "next": {}}).encode()
        headers = self.server.sign(body, int(self.headers["X-Madoguchi-Sequence"]))
        self.send_response(200)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def answering():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.mark.parametrize("forgery", ["another key", "an old answer", "not the public side"])
def test_the_puller_applies_no_answer_it_cannot_trust(answering, forgery, settings):
    settings.ZONE_MAX_SKEW_SECONDS = 120
    answering.sign = {
        "another key": lambda body, seq: signed_headers("wrong", body, sequence=seq, sender="public"),
        "an old answer": lambda body, seq: signed_headers(SECRET, body, sequence=seq - 1, sender="public"),
        "not the public side": lambda body, seq: signed_headers(SECRET, body, sequence=seq, sender="internal"),
    }[forgery]
    puller = pull.ReservationPuller(f"http://127.0.0.1:{answering.server_port}", SECRET, interval=1)
    with pytest.raises(Refused):
        puller.fetch({"since": None})


def test_the_puller_takes_a_true_answer(answering, settings):
    answering.sign = lambda body, seq: signed_headers(SECRET, body, sequence=seq, sender="public")
    puller = pull.ReservationPuller(f"http://127.0.0.1:{answering.server_port}", SECRET, interval=1)
    assert puller.fetch({"since": None})["reservations"] == []


def test_system_cancel_of_an_unknown_code_is_a_clear_refusal(general):
    from madoguchi.core.errors import NotFound

    with pytest.raises(NotFound):
        reservation_cancel(actor=SYSTEM, code="ZZZZ-ZZZZ")


def test_a_staff_booking_made_inside_goes_out_and_is_counted_there(general, office, staff):
    inside = reservation_book(actor=staff, office="demo", type_code="general", start=jst(TUESDAY, 11),
                              email="phone@example.jp", at=AT)
    part = zone.outgoing(office, at=AT)
    assert [b["code"] for b in part["bookings"]] == [inside.code]
    assert "email" not in part["bookings"][0] and "manage_token" not in part["bookings"][0]
    outside = {"code": "pub", "name": "公開側の庁舎"}
    zone.incoming_apply(office=outside, part=part, at=AT)
    zone.incoming_apply(office=outside, part=part, at=AT)
    # Same code, same database in this test: the row is the inside one, so the count on "pub" is
    # checked through a copy under another code.
    part["bookings"][0]["code"] = "OUTSIDE1"
    zone.incoming_apply(office=outside, part=part, at=AT)
    zone.incoming_apply(office=outside, part=part, at=AT)
    copy = Reservation.objects.get(code="OUTSIDE1")
    assert copy.origin == "internal" and copy.email == "" and copy.office.code == "pub"
    assert SlotCount.objects.get(type=copy.type, start=jst(TUESDAY, 11)).booked == 1
    # A booking pulled in is marked as made outside, and is not sent back out.
    rows = [dict(r, code="PULLED01") for r in zone.changes_since(offices=["demo"], since=None)["reservations"]
            if r["code"] == inside.code]
    zone.pulled_apply(rows=rows)
    assert Reservation.objects.get(code="PULLED01").origin == "public"
    assert [b["code"] for b in zone.outgoing(office, at=AT)["bookings"]] == [inside.code]
