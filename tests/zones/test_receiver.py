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


def post(payload: dict, *, sequence: int, secret: str = SECRET, sender: str = "internal"):
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = signed_headers(secret, body, sequence=sequence, sender=sender)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    request = RequestFactory().post("/zone/v1/sync", data=body, content_type="application/json", **meta)
    return receiver.sync(request)


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
