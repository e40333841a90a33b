"""Fault 1.1: one tap at the kiosk is one ticket, whatever the network or the visitor's finger does.

``POST /api/v1/offices/{code}/tickets`` with an ``Idempotency-Key``: a repeat from the same
device on the same business day answers the first ticket (same id, 200 instead of 201) and
issues nothing; the kiosk page does the same per kiosk session. Race-safe on both databases.
"""

import threading

import pytest
from django.db import connection

from madoguchi.core.actors import actor_for_token
from madoguchi.queueing import services
from madoguchi.queueing.models import IssueKey, Ticket, TicketEvent

from .factories import clock_fixture, make_token  # noqa: F401 (clock_fixture provides clock)

API = "/api/v1/offices/demo/tickets"
KIOSK = {"HTTP_AUTHORIZATION": "Bearer demo-kiosk"}


def post(client, category="moving", key=None, auth=KIOSK):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(API, {"category": category}, content_type="application/json", **auth, **headers)


def test_a_repeated_key_answers_the_first_ticket_and_issues_nothing(client, office, clock):
    first = post(client, key="tap-1")
    assert first.status_code == 201
    again = post(client, key="tap-1")
    assert again.status_code == 200  # the same ticket, answered again
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["number"] == first.json()["number"] == 1001
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="issued").count() == 1
    # Another tap (another key) is another ticket.
    assert post(client, key="tap-2").json()["number"] == 1002
    assert post(client).json()["number"] == 1003  # no key: every request issues


def test_the_key_belongs_to_one_device_and_one_day(client, office, clock):
    first = post(client, key="same")
    other_kiosk = {"HTTP_AUTHORIZATION": f"Bearer {make_token(office)}"}
    other = post(client, key="same", auth=other_kiosk)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    clock.advance(days=1)
    tomorrow = post(client, key="same")
    assert tomorrow.status_code == 201 and tomorrow.json()["number"] == 1001  # a new day's ticket
    assert Ticket.objects.count() == 3


def test_a_key_reused_for_another_category_or_a_bad_key_is_refused(client, office, clock):
    first = post(client, key="k")
    reused = post(client, "certificates", key="k")
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert reused.json()["detail"] == {"ticket": first.json()["id"]}
    for bad in ("x" * 101, "ｋｅｙ"):
        response = post(client, key=bad)
        assert (response.status_code, response.json()["code"]) == (422, "invalid_idempotency_key")
    assert Ticket.objects.count() == 1


def test_the_kiosk_page_answers_a_double_tap_with_the_same_ticket(client, office, clock):
    client.get("/o/demo/kiosk/?device=demo-kiosk")
    tap = {"HTTP_IDEMPOTENCY_KEY": "0f" * 16, "HTTP_HX_REQUEST": "true"}
    first = client.post("/o/demo/kiosk/issue/", {"category": "moving"}, **tap)
    second = client.post("/o/demo/kiosk/issue/", {"category": "moving"}, **tap)
    assert (first.status_code, second.status_code) == (201, 200)
    ticket = Ticket.objects.get()
    for response in (first, second):
        assert f'data-ticket-id="{ticket.public_id}"' in response.content.decode()
    # Another kiosk (another session) with the same key is another device.
    from django.test import Client

    other = Client()
    other.get("/o/demo/kiosk/?device=demo-kiosk")
    assert other.post("/o/demo/kiosk/issue/", {"category": "moving"}, **tap).status_code == 201
    assert Ticket.objects.count() == 2
    assert IssueKey.objects.count() == 2


def _race(office, key: str, n: int) -> list:
    kiosk = actor_for_token("demo-kiosk")
    barrier = threading.Barrier(n)
    answers, errors = [], []

    def tap():
        try:
            barrier.wait()
            answers.append(services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving",
                                                 idempotency_key=key).public_id)
        except Exception as exc:  # noqa: BLE001 - any error is a failure here
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return answers


@pytest.mark.django_db(transaction=True)
def test_simultaneous_repeats_issue_one_ticket(office):
    answers = _race(office, "race", 4)
    assert len(answers) == 4 and len(set(answers)) == 1
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="issued").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_repeats_issue_one_ticket_postgresql(office):
    assert connection.vendor == "postgresql"
    answers = _race(office, "race-pg", 6)
    assert len(set(answers)) == 1
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="issued").count() == 1
