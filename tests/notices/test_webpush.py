"""The issue's Web Push test, with no internet: a local push service receives the notice and
the test decrypts it and checks the VAPID signature like a browser and a push service would."""

import json
import time

import pytest

from madoguchi.notices.models import DeliveryStatus, NoticeDelivery
from madoguchi.notices.services import notice_evaluate
from madoguchi.notices.worker import NoticeWorker
from madoguchi.queueing import services as queue

from .conftest import b64url_decode, json_body
from .webpush_decrypt import decrypt_aes128gcm, parse_vapid, verify_jwt_es256


@pytest.fixture
def ticket(office, kiosk):
    """A ticket with seven people ahead: not yet close enough for the 'near' notice (N=5)."""
    for _ in range(7):
        queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    return queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")


def subscribe(client, ticket, keys, endpoint, lang="ja"):
    body = dict(keys.subscription(endpoint), lang=lang)
    return client.post(f"/api/v1/tickets/{ticket.public_id}/notices/push", body, content_type="application/json")


def called_status(ticket, counter="4番窓口", **extra):
    return dict({"public_id": ticket.public_id, "office": "demo", "number": ticket.number,
                 "category": "moving", "category_name": "転入・転出・転居", "state": "called",
                 "waiting_ahead": 0, "wait_minutes": 0, "counter": counter, "notify_ahead": 5}, **extra)


@pytest.mark.parametrize("lang, title, body", [
    ("ja", "お呼びしています", "{number}番の方、4番窓口へお越しください"),
    ("en", "It's your turn", "No. {number}, please come to Counter 4"),
])
def test_called_notice_arrives_encrypted_and_signed(client, ticket, browser_keys, push_service,
                                                    lang, title, body):
    response = subscribe(client, ticket, browser_keys, push_service.endpoint(), lang=lang)
    assert response.status_code == 201, response.content
    public_key = json_body(client.get("/api/v1/push/public-key"))["vapid_public_key"]
    assert len(public_key) == 87 and b64url_decode(public_key)[0] == 0x04

    assert notice_evaluate(statuses=[called_status(ticket)]) == 1
    before = time.time()
    NoticeWorker().run_once()

    [request] = push_service.wait_for(1)
    assert request.path == "/push/sub1"
    # Encrypted body (RFC 8291 aes128gcm), decrypted with the subscription's own keys.
    assert request.headers["content-encoding"] == "aes128gcm"
    payload = decrypt_aes128gcm(request.body, browser_keys)
    message = json.loads(payload)
    assert message["title"] == title
    assert message["body"] == body.format(number=ticket.number)
    # The notice opens the ticket page in the subscriber's language.
    assert message["url"].split("?lang=")[0].endswith(f"/t/{ticket.public_id}/")
    # VAPID (RFC 8292): signed by the key the page subscribed with, for this push service.
    token, k = parse_vapid(request.headers["authorization"])
    assert k == public_key
    header, claims = verify_jwt_es256(token, k)
    assert header["alg"] == "ES256"
    assert claims["aud"] == push_service.base_url
    assert before < claims["exp"] <= before + 24 * 3600
    assert claims["sub"].startswith(("mailto:", "https:"))
    # A call is urgent and worthless after a few minutes.
    assert request.headers["urgency"] == "high"
    assert 0 < int(request.headers["ttl"]) <= 3600

    record = NoticeDelivery.objects.get(ticket_id=ticket.public_id)
    assert (record.status, record.kind, record.channel, record.attempts) == (DeliveryStatus.SENT, "called", "push", 1)


def test_near_notice_text_counts_people_ahead(client, ticket, browser_keys, push_service):
    subscribe(client, ticket, browser_keys, push_service.endpoint(), lang="ja")
    notice_evaluate(statuses=[called_status(ticket, state="waiting", counter=None, waiting_ahead=3)])
    NoticeWorker().run_once()
    [request] = push_service.wait_for(1)
    message = json.loads(decrypt_aes128gcm(request.body, browser_keys))
    assert message["title"] == "まもなく順番です"
    assert message["body"] == f"あと3人で順番です（{ticket.number}番）"


def test_configured_vapid_key_is_the_one_published_and_used(client, settings, ticket, browser_keys,
                                                           push_service):
    from cryptography.hazmat.primitives.asymmetric import ec

    from madoguchi.notices import vapid

    key = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = vapid.b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    vapid.forget()
    expected = vapid.public_key_b64(vapid.Vapid02(key))
    assert json_body(client.get("/api/v1/push/public-key")) == {"vapid_public_key": expected}
    subscribe(client, ticket, browser_keys, push_service.endpoint())
    notice_evaluate(statuses=[called_status(ticket)])
    NoticeWorker().run_once()
    [request] = push_service.wait_for(1)
    token, k = parse_vapid(request.headers["authorization"])
    assert k == expected
    verify_jwt_es256(token, k)


def test_generated_key_is_stored_once(client, db):
    from madoguchi.notices import vapid
    from madoguchi.notices.models import VapidKey

    first = json_body(client.get("/api/v1/push/public-key"))["vapid_public_key"]
    vapid.forget()  # another process: reads the stored key, does not make a new one
    assert json_body(client.get("/api/v1/push/public-key"))["vapid_public_key"] == first
    assert VapidKey.objects.count() == 1
