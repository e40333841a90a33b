"""Citizens' notice API: who may subscribe to what, and the refusals they see."""

import pytest

from madoguchi.notices.models import EmailSubscription, PushSubscription
from madoguchi.queueing import services as queue

from .conftest import b64url


@pytest.fixture
def ticket(office, kiosk):
    for _ in range(7):
        queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    return queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")


def push(client, ticket_id, body):
    return client.post(f"/api/v1/tickets/{ticket_id}/notices/push", body, content_type="application/json")


def email(client, ticket_id, address, **extra):
    return client.post(f"/api/v1/tickets/{ticket_id}/notices/email", dict(email=address, **extra),
                       content_type="application/json")


def assert_error(response, status, code, words):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code
    assert words in body["message"]


def test_public_key_shape(client, db):
    key = client.get("/api/v1/push/public-key").json()["vapid_public_key"]
    assert len(key) == 87 and set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_subscribe_tells_when_notices_come_and_is_idempotent(client, ticket, browser_keys, push_service):
    sub = browser_keys.subscription(push_service.endpoint())
    first = push(client, ticket.public_id, sub)
    assert first.status_code == 201
    assert first.json()["message"] == ("通知を受け取る設定にしました。前の待ち人数が5人以下になったときと、"
                                       "呼出のときにお知らせします。")
    again = push(client, ticket.public_id, sub)
    assert again.status_code == 200 and PushSubscription.objects.count() == 1
    off = client.post(f"/api/v1/tickets/{ticket.public_id}/notices/push/unsubscribe",
                      {"endpoint": sub["endpoint"]}, content_type="application/json")
    assert off.json() == {"removed": 1, "message": "この整理券の通知をやめました。"}
    assert not PushSubscription.objects.exists()


def test_unknown_ticket_is_refused(client, office, browser_keys, push_service):
    assert_error(push(client, "no-such-ticket", browser_keys.subscription(push_service.endpoint())),
                 404, "ticket_not_found", "整理券が見つかりません")
    assert_error(email(client, "no-such-ticket", "a@example.jp"), 404, "ticket_not_found", "整理券が見つかりません")
    assert_error(client.get("/api/v1/tickets/no-such-ticket/notices"), 404, "ticket_not_found", "整理券")


def test_ended_ticket_is_refused(client, office, kiosk, staff, browser_keys, push_service):
    ticket = queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    queue.ticket_cancel(actor=staff, ticket_id=ticket.public_id)
    assert_error(push(client, ticket.public_id, browser_keys.subscription(push_service.endpoint())),
                 409, "ticket_ended", "受付は終了")
    assert_error(email(client, ticket.public_id, "a@example.jp"), 409, "ticket_ended", "受付は終了")
    assert not PushSubscription.objects.exists() and not EmailSubscription.objects.exists()


@pytest.mark.parametrize("address", ["", "not-an-address", "a@b", "x" * 250 + "@example.jp", "a@example.jp\nBcc: b@x.jp"])
def test_invalid_email_is_refused(client, ticket, address):
    assert_error(email(client, ticket.public_id, address), 422, "invalid_email", "メールアドレスの形式")
    assert not EmailSubscription.objects.exists()


def test_endpoint_must_be_a_known_push_service(client, ticket, browser_keys, settings):
    settings.NOTICES_PUSH_HOSTS = ["fcm.googleapis.com"]
    settings.NOTICES_PUSH_ALLOW_HTTP = False
    for endpoint in ["http://fcm.googleapis.com/fcm/send/x", "https://169.254.169.254/latest",
                     "https://evil.example/fcm.googleapis.com", "https://fcm.googleapis.com.evil.example/x",
                     "https://user:pw@fcm.googleapis.com/x", "file:///etc/passwd"]:
        assert_error(push(client, ticket.public_id, browser_keys.subscription(endpoint)),
                     422, "invalid_endpoint", "この通知先には送信できません")
    assert push(client, ticket.public_id,
                browser_keys.subscription("https://fcm.googleapis.com/fcm/send/abc")).status_code == 201


def test_bad_keys_are_refused(client, ticket, browser_keys, push_service):
    sub = browser_keys.subscription(push_service.endpoint())
    for keys in [{"p256dh": "AAAA", "auth": sub["keys"]["auth"]},
                 {"p256dh": sub["keys"]["p256dh"], "auth": "c2hvcnQ"},
                 {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": sub["keys"]["auth"]}]:
        assert_error(push(client, ticket.public_id, dict(sub, keys=keys)), 422, "invalid_keys", "登録情報")
    assert_error(push(client, ticket.public_id, {"endpoint": sub["endpoint"]}), 422, "invalid_request", "入力内容")


def test_subscriptions_per_ticket_are_capped(client, ticket, browser_keys, push_service, settings):
    for i in range(settings.NOTICES_MAX_SUBSCRIPTIONS):
        assert push(client, ticket.public_id,
                    browser_keys.subscription(push_service.endpoint(f"s{i}"))).status_code == 201
    assert_error(push(client, ticket.public_id, browser_keys.subscription(push_service.endpoint("one-more"))),
                 429, "too_many_subscriptions", "上限")
    for i in range(settings.NOTICES_MAX_SUBSCRIPTIONS):
        assert email(client, ticket.public_id, f"p{i}@example.jp").status_code == 201
    assert_error(email(client, ticket.public_id, "more@example.jp"), 429, "too_many_subscriptions", "上限")


def test_email_refused_when_mail_is_not_configured(client, ticket, settings):
    settings.DEMO = settings.DEBUG = False
    settings.NOTICES_EMAIL_ENABLED, settings.EMAIL_HOST = False, ""
    assert_error(email(client, ticket.public_id, "a@example.jp"), 503, "email_unavailable", "メール")
    page = client.get(f"/t/{ticket.public_id}/").content.decode()
    assert "順番が近づいたら通知を受け取る" in page and 'name="email"' not in page


def test_internal_side_takes_no_subscriptions(client, ticket, browser_keys, push_service, settings):
    settings.ROLE = "internal"
    assert_error(push(client, ticket.public_id, browser_keys.subscription(push_service.endpoint())),
                 503, "notices_unavailable", "通知")


def test_status_lists_what_was_sent_without_addresses(client, ticket, mailoutbox):
    email(client, ticket.public_id, "hanako@example.jp")
    body = client.get(f"/api/v1/tickets/{ticket.public_id}/notices").json()
    assert body["email_subscriptions"] == 1 and body["deliveries"] == []
    assert "hanako" not in repr(body)
