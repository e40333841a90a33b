"""Email as the second channel, through Django's locmem backend (pytest-django sets it)."""

import pytest

from madoguchi.notices.models import NoticeDelivery
from madoguchi.notices.services import notice_evaluate
from madoguchi.notices.worker import NoticeWorker
from madoguchi.queueing import services as queue


@pytest.fixture
def ticket(office, kiosk):
    for _ in range(7):
        queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    return queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")


def status(ticket, state, ahead, counter=None):
    return {"public_id": ticket.public_id, "office": "demo", "number": ticket.number, "category": "moving",
            "category_name": "転入・転出・転居", "state": state, "waiting_ahead": ahead, "wait_minutes": 0,
            "counter": counter, "notify_ahead": 5}


def test_email_notices_in_japanese(client, ticket, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "madoguchi@city.example.jp"
    response = client.post(f"/api/v1/tickets/{ticket.public_id}/notices/email",
                           {"email": "hanako@example.jp"}, content_type="application/json")
    assert response.status_code == 201
    assert "メールでお知らせします" in response.json()["message"]
    notice_evaluate(statuses=[status(ticket, "waiting", 4)])
    notice_evaluate(statuses=[status(ticket, "called", 0, "3番窓口")])
    NoticeWorker().run_once()
    near, called = mailoutbox
    assert near.to == ["hanako@example.jp"] and near.from_email == "madoguchi@city.example.jp"
    assert near.subject == f"まもなく順番です: あと4人で順番です（{ticket.number}番）"
    assert f"http://testserver/t/{ticket.public_id}/" in near.body
    assert "メールアドレスは削除" in near.body
    assert called.subject == f"お呼びしています: {ticket.number}番の方、3番窓口へお越しください"
    assert list(NoticeDelivery.objects.values_list("channel", "status")) == [("email", "sent"), ("email", "sent")]


def test_email_in_english(client, ticket, mailoutbox):
    client.post(f"/api/v1/tickets/{ticket.public_id}/notices/email",
                {"email": "sam@example.com", "lang": "en"}, content_type="application/json")
    notice_evaluate(statuses=[status(ticket, "waiting", 1)])
    NoticeWorker().run_once()
    [mail] = mailoutbox
    assert mail.subject == f"Your turn is coming up: 1 person ahead of you (No. {ticket.number})"
    assert "your email address is deleted" in mail.body


def test_mail_server_down_is_retried_then_recorded_failed(client, ticket, settings, mailoutbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, False, 2
    client.post(f"/api/v1/tickets/{ticket.public_id}/notices/email", {"email": "hanako@example.jp"},
                content_type="application/json")
    notice_evaluate(statuses=[status(ticket, "called", 0, "3番窓口")])
    worker = NoticeWorker()
    for _ in range(4):
        worker.run_once()
    delivery = NoticeDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "hanako" not in delivery.last_error


def test_email_form_without_javascript(client, ticket, mailoutbox):
    response = client.post(f"/t/{ticket.public_id}/notices/email/", {"email": "hanako@example.jp"})
    assert response.status_code == 200
    assert "メールでお知らせします" in response.content.decode()
    response = client.post(f"/t/{ticket.public_id}/notices/email/", {"email": "not-an-address"})
    assert response.status_code == 422
    assert "メールアドレスの形式が正しくありません" in response.content.decode()
