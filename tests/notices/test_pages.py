"""What the citizen sees: the opt-in on the ticket page, the service worker, the whole chain."""

import json
import re

import pytest

from madoguchi.notices import worker
from madoguchi.queueing import services as queue

from .webpush_decrypt import decrypt_aes128gcm


def test_ticket_page_offers_the_opt_in(client, office, kiosk):
    ticket = queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    page = client.get(f"/t/{ticket.public_id}/").content.decode()
    assert "順番が近づいたら通知を受け取る" in page
    assert "ホーム画面に追加" in page  # the iOS hint, shown by push.js when it applies
    assert f'data-push-url="/api/v1/tickets/{ticket.public_id}/notices/push"' in page
    assert 'name="email"' in page and "/static/madoguchi/js/push.js" in page


def test_ended_ticket_page_has_no_opt_in(client, office, kiosk, staff):
    ticket = queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    queue.ticket_cancel(actor=staff, ticket_id=ticket.public_id)
    page = client.get(f"/t/{ticket.public_id}/").content.decode()
    assert "順番が近づいたら通知を受け取る" not in page


def test_service_worker_served_at_the_root(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert "showNotification" in body and "openWindow" in body


@pytest.mark.django_db(transaction=True)
def test_counter_call_reaches_the_phone(client, browser_keys, push_service, settings):
    """ROLE all: a clerk presses 呼出, the zone hook evaluates notices, the web process's worker
    thread pushes, and the phone's push service receives the call in the citizen's language."""
    from madoguchi.core.actors import actor_for_token, actor_for_user
    from madoguchi.queueing.demo import load_demo_data

    settings.NOTICES_WORKER = "thread"
    office = load_demo_data()
    from django.contrib.auth import get_user_model

    kiosk = actor_for_token("demo-kiosk")
    staff = actor_for_user(get_user_model().objects.get(username="staff"))
    tickets = [queue.ticket_issue(actor=kiosk, office_code="demo", category_code="moving") for _ in range(8)]
    mine = tickets[-1]
    client.post(f"/api/v1/tickets/{mine.public_id}/notices/push",
                dict(browser_keys.subscription(push_service.endpoint()), lang="en"),
                content_type="application/json")
    counter = office.counters.get(number=1)
    current = None
    for _ in range(8):  # the clerk finishes each visitor shown and calls the next
        current = queue.ticket_call_next(actor=staff, counter_id=counter.pk,
                                         finish_current=current.public_id if current else None)
    received = push_service.wait_for(2, timeout=15)
    bodies = [json.loads(decrypt_aes128gcm(r.body, browser_keys))["body"] for r in received]
    # The wait is the one the ticket page shows (queueing/estimates.py): about, in minutes.
    assert re.fullmatch(rf"5 ahead of you, about \d+ min \(No\. {mine.number}\)", bodies[0]), bodies
    assert bodies[1:] == [f"No. {mine.number}, please come to Counter 1"]
    worker.stop_thread()
