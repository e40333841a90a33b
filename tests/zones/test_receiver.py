"""The public side's receiver and reads, in-process (ROLE switched per test)."""

import datetime as dt
import json
import time

import pytest
from django.test import RequestFactory

from madoguchi.core.timeutil import business_date
from madoguchi.queueing import services
from madoguchi.zones import public_state, receiver
from madoguchi.zones.models import PublicTicket
from madoguchi.zones.signing import signed_headers
from madoguchi.zones.sync import office_payload

SECRET = "receiver-test-secret"


def signed(payload: dict, *, sequence: int, secret: str = SECRET, sender: str = "internal",
           timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return body, signed_headers(secret, body, sequence=sequence, sender=sender, timestamp=timestamp)


def send(body: bytes, headers: dict[str, str]):
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    request = RequestFactory().post("/zone/v1/sync", data=body, content_type="application/json", **meta)
    return receiver.sync(request)


def post(payload: dict, *, sequence: int, secret: str = SECRET, sender: str = "internal",
         timestamp: int | None = None):
    return send(*signed(payload, sequence=sequence, secret=secret, sender=sender, timestamp=timestamp))


def refusal(response) -> str:
    assert response.status_code == 401, (response.status_code, response.content)
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "detail"} and body["message"]
    return body["code"]


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def public_side(settings):
    settings.ZONE_SECRET = SECRET
    return settings


def payload_for(office):
    from madoguchi.queueing.selectors import board_snapshot

    return office_payload(office, board_snapshot(office), with_stats=True)


def test_a_push_makes_the_ticket_readable_on_the_public_side(public_side, office, kiosk, staff):
    ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="seal")
    response = post(payload_for(office), sequence=int(time.time() * 1000))
    assert response.status_code == 200

    public_side.ROLE = "public"
    status = public_state.get_ticket(ticket.public_id)
    assert status["number"] == ticket.number and status["state"] == "waiting"
    assert status["category_name"] == "印鑑登録・仮ナンバー(自動車臨時運行許可)"
    assert public_state.get_board("demo")["office"] == "demo"
    assert public_state.get_office("demo").stale is False
    # Open data reached the public side with the same push.
    from madoguchi.opendata.models import PublishedStats

    assert PublishedStats.objects.filter(office_code="demo", date=business_date()).exists()


def test_the_same_push_twice_is_a_replay(public_side, office):
    payload = payload_for(office)
    seq = int(time.time() * 1000)
    assert post(payload, sequence=seq).status_code == 200
    again = post(payload, sequence=seq)
    assert again.status_code == 409 and json.loads(again.content)["code"] == "replayed"
    older = post(payload, sequence=seq - 1)
    assert older.status_code == 409


def test_without_a_shared_key_the_public_side_accepts_nothing(public_side, office):
    public_side.ZONE_SECRET = ""
    response = post(payload_for(office), sequence=int(time.time() * 1000), secret="")
    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "zone_not_configured"


def test_yesterdays_active_ticket_reads_as_expired_on_the_public_side(public_side, office, kiosk):
    ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="seal")
    assert post(payload_for(office), sequence=int(time.time() * 1000)).status_code == 200
    PublicTicket.objects.filter(public_id=ticket.public_id).update(
        business_date=business_date() - dt.timedelta(days=1))
    public_side.ROLE = "public"
    status = public_state.get_ticket(ticket.public_id)
    assert status["state"] == "expired" and status["waiting_ahead"] == 0


def test_the_public_copy_goes_stale_after_silence(public_side, office):
    assert post(payload_for(office), sequence=int(time.time() * 1000)).status_code == 200
    public_side.ROLE = "public"
    public_side.ZONE_STALE_SECONDS = 60
    from madoguchi.zones.models import PublicOffice

    PublicOffice.objects.filter(code="demo").update(
        received_at=PublicOffice.objects.get(code="demo").received_at - dt.timedelta(seconds=61))
    assert public_state.get_office("demo").stale is True


def test_a_captured_push_replayed_under_another_sender_name_is_refused(public_side, office, kiosk, staff):
    """Fault 1.5: the sender header was not signed, and replays were checked per sender."""
    ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="seal")
    captured_body, captured = signed(payload_for(office), sequence=now_ms())
    assert send(captured_body, captured).status_code == 200  # the ticket is waiting
    services.ticket_call(actor=staff, ticket_id=ticket.public_id,
                         counter_id=office.counters.filter(categories__code="seal").first().pk)
    assert post(payload_for(office), sequence=now_ms() + 1).status_code == 200  # now called
    public_side.ROLE = "public"
    assert public_state.get_ticket(ticket.public_id)["state"] == "called"

    # An attacker on the path plays the first push again under a sender name never used.
    replayed = dict(captured, **{"X-Madoguchi-Sender": "internal-2"})
    assert refusal(send(captured_body, replayed)) == "bad_signature"
    assert public_state.get_ticket(ticket.public_id)["state"] == "called"


def test_a_push_signed_with_another_key_changes_nothing(public_side, office, kiosk):
    ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="seal")
    assert refusal(post(payload_for(office), sequence=now_ms(), secret="not-the-shared-key")) \
        == "bad_signature"
    public_side.ROLE = "public"
    assert public_state.get_ticket(ticket.public_id) is None
    assert public_state.get_office("demo") is None


@pytest.mark.parametrize("offset", [-1, +1], ids=["too-old", "from-the-future"])
def test_a_push_outside_the_time_window_changes_nothing(public_side, office, kiosk, offset):
    public_side.ZONE_MAX_SKEW_SECONDS = 120
    ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="seal")
    stamp = int(time.time()) + offset * (120 + 30)
    assert refusal(post(payload_for(office), sequence=now_ms(), timestamp=stamp)) == "stale_timestamp"
    public_side.ROLE = "public"
    assert public_state.get_ticket(ticket.public_id) is None


def test_a_push_with_the_old_signature_that_leaves_out_the_sender_is_refused(public_side, office):
    import hashlib
    import hmac

    body = json.dumps(payload_for(office), ensure_ascii=False).encode()
    ts, seq = int(time.time()), now_ms()
    v1 = "v1=" + hmac.new(SECRET.encode(), f"{ts}.{seq}.".encode() + body, hashlib.sha256).hexdigest()
    headers = {"X-Madoguchi-Sender": "internal", "X-Madoguchi-Timestamp": str(ts),
               "X-Madoguchi-Sequence": str(seq), "X-Madoguchi-Signature": v1}
    assert refusal(send(body, headers)) == "bad_signature"
