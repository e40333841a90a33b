"""notice_evaluate and the worker: which notices a citizen gets, once, and what is recorded."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from madoguchi.notices.models import (
    DeliveryStatus,
    EmailSubscription,
    NoticeDelivery,
    PushSubscription,
)
from madoguchi.notices.services import notice_evaluate, notice_purge_stale
from madoguchi.notices.worker import NoticeWorker
from madoguchi.queueing import services as queue

from .webpush_decrypt import decrypt_aes128gcm


@pytest.fixture
def ticket(office, kiosk):
    for _ in range(7):
        queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    return queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")


@pytest.fixture
def subscribed(client, ticket, browser_keys, push_service):
    response = client.post(f"/api/v1/tickets/{ticket.public_id}/notices/push",
                           dict(browser_keys.subscription(push_service.endpoint()), lang="ja"),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    return ticket


def status(ticket, state="waiting", ahead=7, counter=None, **extra):
    return dict({"public_id": ticket.public_id, "office": "demo", "number": ticket.number, "category": "moving",
                 "category_name": "転入・転出・転居", "state": state, "waiting_ahead": ahead,
                 "wait_minutes": ahead * 5, "counter": counter, "notify_ahead": 5}, **extra)


def received_bodies(push_service, keys):
    return [json.loads(decrypt_aes128gcm(r.body, keys))["body"] for r in push_service.received]


def test_near_once_then_called_once(subscribed, browser_keys, push_service):
    ticket = subscribed
    worker = NoticeWorker()
    for ahead in (7, 6):
        assert notice_evaluate(statuses=[status(ticket, ahead=ahead)]) == 0
    assert notice_evaluate(statuses=[status(ticket, ahead=5)]) == 1
    # The same snapshot again, and the queue moving on: no second "near".
    for ahead in (5, 4, 2, 0):
        assert notice_evaluate(statuses=[status(ticket, ahead=ahead)]) == 0
    called = status(ticket, "called", 0, "4番窓口")
    assert notice_evaluate(statuses=[called]) == 1
    assert notice_evaluate(statuses=[called]) == 0
    worker.run_once()
    assert received_bodies(push_service, browser_keys) == [
        f"あと5人・約25分で順番です（{ticket.number}番）", f"{ticket.number}番の方、4番窓口へお越しください"]
    assert list(NoticeDelivery.objects.values_list("kind", "status")) == [("near", "sent"), ("called", "sent")]


def test_called_again_after_hold_or_transfer_notifies_again(subscribed):
    ticket = subscribed
    assert notice_evaluate(statuses=[status(ticket, "called", 0, "4番窓口")]) == 1
    assert notice_evaluate(statuses=[status(ticket, "held", 0)]) == 0
    assert notice_evaluate(statuses=[status(ticket, "called", 0, "4番窓口")]) == 1
    # A recall is told apart from a repeated snapshot only when the snapshot carries recall_count.
    assert notice_evaluate(statuses=[status(ticket, "called", 0, "4番窓口", recall_count=1)]) == 1
    assert notice_evaluate(statuses=[status(ticket, "called", 0, "4番窓口", recall_count=1)]) == 0


def test_subscribing_when_already_close_sends_near_at_once(client, office, kiosk, browser_keys, push_service):
    ticket = queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")  # nobody ahead
    client.post(f"/api/v1/tickets/{ticket.public_id}/notices/push",
                browser_keys.subscription(push_service.endpoint()), content_type="application/json")
    NoticeWorker().run_once()
    assert received_bodies(push_service, browser_keys) == [f"次にお呼びします（{ticket.number}番）"]


@pytest.mark.parametrize("ending", ["done", "no_show", "cancelled", "expired"])
def test_ending_deletes_subscriptions_and_keeps_the_record(client, subscribed, push_service, ending, mailoutbox):
    ticket = subscribed
    client.post(f"/api/v1/tickets/{ticket.public_id}/notices/email", {"email": "taro@example.jp"},
                content_type="application/json")
    notice_evaluate(statuses=[status(ticket, "called", 0, "4番窓口")])
    NoticeWorker().run_once()
    assert len(mailoutbox) == 1 and len(push_service.received) == 1
    notice_evaluate(statuses=[status(ticket, ending, 0)])
    assert not PushSubscription.objects.filter(ticket_id=ticket.public_id).exists()
    assert not EmailSubscription.objects.filter(ticket_id=ticket.public_id).exists()
    # The record of what was sent stays, without the address or the endpoint.
    records = list(NoticeDelivery.objects.filter(ticket_id=ticket.public_id).values())
    assert {(r["channel"], r["status"]) for r in records} == {("push", "sent"), ("email", "sent")}
    assert "taro@example.jp" not in repr(records) and push_service.base_url not in repr(records)


def test_notice_not_yet_sent_is_cancelled_when_the_ticket_ends(subscribed, push_service):
    ticket = subscribed
    notice_evaluate(statuses=[status(ticket, "called", 0, "4番窓口")])
    notice_evaluate(statuses=[status(ticket, "done", 0)])
    NoticeWorker().run_once()
    assert push_service.received == []
    assert NoticeDelivery.objects.get().status == DeliveryStatus.CANCELLED


def test_retry_after_500_then_sent(subscribed, browser_keys, push_service):
    push_service.script["/push/sub1"] = [500]
    notice_evaluate(statuses=[status(subscribed, "called", 0, "4番窓口")])
    worker = NoticeWorker()
    worker.run_once()
    delivery = NoticeDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("queued", 1, "push service answered 500")
    worker.run_once()  # NOTICES_RETRY_SECONDS=0 in tests: due again at once
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(push_service.received) == 2
    assert received_bodies(push_service, browser_keys)[-1] == f"{subscribed.number}番の方、4番窓口へお越しください"


def test_retries_are_bounded(subscribed, push_service, settings):
    push_service.default_status = 500
    notice_evaluate(statuses=[status(subscribed, "called", 0, "4番窓口")])
    worker = NoticeWorker()
    for _ in range(6):
        worker.run_once()
    delivery = NoticeDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", settings.NOTICES_MAX_ATTEMPTS)
    assert len(push_service.received) == settings.NOTICES_MAX_ATTEMPTS == 3
    # The subscription stays: a broken push service is not a browser saying "gone".
    assert PushSubscription.objects.filter(ticket_id=subscribed.public_id).exists()


def test_retry_waits_with_backoff(subscribed, push_service, settings):
    settings.NOTICES_RETRY_SECONDS = 10
    push_service.default_status = 503
    notice_evaluate(statuses=[status(subscribed, "called", 0, "4番窓口")])
    worker = NoticeWorker()
    worker.run_once()
    worker.run_once()  # not due yet
    delivery = NoticeDelivery.objects.get()
    assert len(push_service.received) == 1 and delivery.status == "queued"
    assert delivery.next_attempt_at >= timezone.now() + dt.timedelta(seconds=8)


@pytest.mark.parametrize("code", [404, 410])
def test_gone_endpoint_removes_the_subscription(subscribed, push_service, code):
    push_service.default_status = code
    notice_evaluate(statuses=[status(subscribed, "called", 0, "4番窓口")])
    NoticeWorker().run_once()
    delivery = NoticeDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert not PushSubscription.objects.exists()
    assert len(push_service.received) == 1


def test_unreachable_push_service_is_retried_then_failed(subscribed, push_service, settings):
    PushSubscription.objects.update(endpoint="http://127.0.0.1:9/push/closed")
    notice_evaluate(statuses=[status(subscribed, "called", 0, "4番窓口")])
    worker = NoticeWorker()
    for _ in range(4):
        worker.run_once()
    delivery = NoticeDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "ConnectionError" in delivery.last_error


def test_stale_subscriptions_are_purged(subscribed):
    assert notice_purge_stale() == 0
    assert notice_purge_stale(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert not PushSubscription.objects.exists()


def test_unsubscribed_tickets_cost_no_write(django_assert_max_num_queries, office):
    statuses = [{"public_id": f"x{i}", "state": "waiting", "waiting_ahead": i, "number": 1000 + i}
                for i in range(300)]
    with django_assert_max_num_queries(2):
        assert notice_evaluate(statuses=statuses) == 0
