"""Inside the office the navigator opens one-stop cases: the kiosk's 「番号札を発券する」 issues a
ticket for the first counter with the case on it, the interview's 「案件を作成」 opens one for the
clerk. (The citizen's phone posts nothing: tests/browser/test_navigator.py.)"""

import json
import re

import pytest

from madoguchi.cases import selectors as case_selectors
from madoguchi.queueing.models import Ticket

FAMILY = {
    "move_date": "2026-11-25",
    "household": [{"relationship": "head", "birth_date": "1986-11-01"},
                  {"relationship": "child", "birth_date": "2023-11-01"},
                  {"relationship": "parent", "birth_date": "1956-11-01"}],
    "insurance": "unknown",
    "mynumber_card": True,
}


@pytest.fixture
def kiosk_client(client, office):
    client.get("/o/demo/kiosk/navi/?device=demo-kiosk")
    return client


def post_json(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def test_the_kiosk_issues_a_ticket_for_the_first_counter_with_the_case_printed(kiosk_client):
    response = post_json(kiosk_client, "/o/demo/kiosk/navi/issue/",
                         {"life_event": "tennyu", "answers": FAMILY}, HTTP_IDEMPOTENCY_KEY="tap-1")
    body = response.content.decode()
    assert response.status_code == 201, body
    ticket = Ticket.objects.get(public_id=re.search(r'data-ticket-id="([^"]+)"', body).group(1))
    assert ticket.category.code == "moving"  # 転入届 at 市民課 comes first
    case = case_selectors.case_for_ticket(ticket.public_id)
    assert case is not None and case.source == "kiosk" and case.life_event == "tennyu"
    assert case.answers == FAMILY
    assert case.opened_by.startswith("発券機")  # the history names the kiosk, not a clerk
    assert f">{case.display_code}<" in body and "案件番号" in body
    codes = set(case.procedures.values_list("code", flat=True))
    assert {"jidou_teate_nintei", "kodomo_iryo_tennyu", "kaigo_shikaku_tennyu"} <= codes

    # A second tap with the same key (a double tap) answers the same ticket and case.
    again = post_json(kiosk_client, "/o/demo/kiosk/navi/issue/",
                      {"life_event": "tennyu", "answers": FAMILY}, HTTP_IDEMPOTENCY_KEY="tap-1")
    assert again.status_code == 200
    assert f'data-ticket-id="{ticket.public_id}"' in again.content.decode()
    assert case_selectors.case_for_ticket(ticket.public_id).code == case.code
    assert Ticket.objects.filter(category__code="moving", public_id=ticket.public_id).count() == 1


def test_the_kiosk_speaks_the_visitors_language(kiosk_client):
    response = post_json(kiosk_client, "/o/demo/kiosk/navi/issue/?lang=pt-br",
                         {"life_event": "tennyu", "answers": FAMILY})
    body = response.content.decode()
    assert response.status_code == 201
    assert "Número do atendimento" in body and "Sua senha" in body


def test_the_kiosk_refuses_bad_answers_clearly_and_issues_nothing(kiosk_client):
    before = Ticket.objects.count()
    response = post_json(kiosk_client, "/o/demo/kiosk/navi/issue/",
                         {"life_event": "tennyu", "answers": {"household": "many"}})
    assert response.status_code == 422
    assert "回答の形式が正しくありません" in response.content.decode()
    assert Ticket.objects.count() == before
    missing = post_json(kiosk_client, "/o/demo/kiosk/navi/issue/", {"answers": {}})
    assert missing.status_code == 400


def test_only_the_office_kiosk_may_issue_from_the_navigator(client, office):
    refused = post_json(client, "/o/demo/kiosk/navi/issue/", {"life_event": "tennyu", "answers": {}})
    assert refused.status_code == 403


def test_the_interview_opens_a_case_and_links_the_visitors_ticket(client, office, staff_user):
    from madoguchi.core.actors import SYSTEM
    from madoguchi.queueing import services

    ticket = services.ticket_issue(actor=SYSTEM, office_code="demo", category_code="moving")
    client.force_login(staff_user)
    response = post_json(client, f"/o/demo/interview/case/?ticket={ticket.public_id}",
                         {"life_event": "tennyu", "answers": FAMILY})
    assert response.status_code == 201, response.content
    data = response.json()
    case = case_selectors.case_by_code(data["code"])
    assert case.source == "interview" and case.opened_by == "staff"
    assert data["url"] == f"/o/demo/cases/{case.code}/"
    assert case_selectors.case_for_ticket(ticket.public_id).code == case.code
    refused = post_json(client, "/o/demo/interview/case/", {"life_event": "nothing", "answers": {}})
    assert refused.status_code == 404 and refused.json()["code"] == "life_event_not_found"
