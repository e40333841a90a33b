"""The navigator's screens as the server renders them: the citizen's shell (six languages, no
answer ever posted), the kiosk's and the interview's, and who may open which.

What the browser does with them (questions, result, QR, kiosk ticket, interview case) is in
tests/browser/test_navigator.py.
"""

import json
import re

import pytest

from madoguchi.procedures.views import first_category

TITLES = {"ja": "手続きナビ", "en": "Procedure guide", "zh-hans": "手续指南", "ko": "절차 안내",
          "vi": "Hướng dẫn thủ tục", "pt-br": "Guia de procedimentos"}
HTML_LANG = {"ja": "ja", "en": "en", "zh-hans": "zh-Hans", "ko": "ko", "vi": "vi", "pt-br": "pt-BR"}
CATALOGUE_LANG = {"ja": "ja", "en": "en", "zh-hans": "zh_Hans", "ko": "ko", "vi": "vi", "pt-br": "pt_BR"}
UNKNOWN = {"ja": "わからない", "en": "I don't know", "zh-hans": "不清楚", "ko": "모르겠음", "vi": "Không biết",
           "pt-br": "Não sei"}


def navi_texts(body: str) -> dict:
    match = re.search(r'<script id="navi-text" type="application/json">(.*?)</script>', body, re.S)
    assert match, "no navigator texts on the page"
    return json.loads(match.group(1))


@pytest.mark.parametrize("lang", list(TITLES))
def test_citizen_page_in_six_languages(client, office, lang):
    response = client.get("/o/demo/navi/", {"lang": lang})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{HTML_LANG[lang]}">' in body
    assert f"<title>{TITLES[lang]}" in body
    assert f'data-catalogue-lang="{CATALOGUE_LANG[lang]}"' in body
    texts = navi_texts(body)
    assert texts["unknown"] == UNKNOWN[lang]
    assert texts["lang"] == HTML_LANG[lang]
    assert all(value for value in texts.values()), "an empty text on the navigator"
    # the language switcher, as on every citizen page
    assert 'class="lang-switch"' in body


def test_citizen_page_posts_nothing(client, office):
    """The public page has no form and no address that would take an answer: the answers stay
    in the browser (the browser test also watches every request the page makes)."""
    body = client.get("/o/demo/navi/").content.decode()
    assert "<form" not in body.split('<main')[1]
    assert "data-issue-url" not in body and "data-case-url" not in body
    assert 'data-catalogue-url="/api/v1/procedures/catalogue"' in body
    assert 'data-keys-url="/api/v1/handover/keys"' in body
    assert 'type="module" src="/static/madoguchi/procedures/navi.js"' in body


def test_citizen_page_of_an_unknown_office(client, office):
    assert client.get("/o/nowhere/navi/").status_code == 404


def test_the_catalogue_the_page_reads_is_public_and_has_the_life_events(client, office):
    data = client.get("/api/v1/procedures/catalogue").json()
    assert {e["code"] for e in data["life_events"]} >= {"tennyu", "tenshutsu", "shussei", "shibou"}


def test_kiosk_navigator_needs_the_office_kiosk(client, office):
    refused = client.get("/o/demo/kiosk/navi/")
    assert refused.status_code == 403
    assert "発券機として登録されていません" in refused.content.decode()
    assert client.get("/o/demo/kiosk/navi/", {"device": "wrong"}).status_code == 403
    # registered once with its device key, which then leaves the address
    response = client.get("/o/demo/kiosk/navi/", {"device": "demo-kiosk", "lang": "vi"})
    assert response.status_code == 302 and response["Location"] == "/o/demo/kiosk/navi/?lang=vi"
    page = client.get("/o/demo/kiosk/navi/", {"lang": "vi"})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-mode="kiosk"' in body and 'data-issue-url="/o/demo/kiosk/navi/issue/"' in body
    assert "Hướng dẫn thủ tục" in body
    # a shared device: the visitor's language is not remembered for the next one
    assert "django_language" not in page.cookies


def test_interview_is_for_staff_and_in_japanese(client, office, staff_user):
    assert client.get("/o/demo/interview/").status_code == 302  # to the log-in
    client.force_login(staff_user)
    page = client.get("/o/demo/interview/", {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="ja">' in body and "聞き取り（手続き判定）" in body
    assert 'data-mode="interview"' in body and 'data-case-url="/o/demo/interview/case/"' in body
    assert navi_texts(body)["createCase"] == "案件を作成"


def test_first_category_prefers_what_applies_and_what_the_office_serves():
    result = {"procedures": [
        {"code": "a", "status": "to_check", "category": "moving"},
        {"code": "b", "status": "applies", "category": None},
        {"code": "c", "status": "applies", "category": "water"},
        {"code": "d", "status": "applies", "category": "insurance"},
    ]}
    assert first_category(result, {"moving", "insurance"}) == "insurance"
    assert first_category(result, {"moving"}) == "moving"
    assert first_category(result, {"certificates"}) is None


def test_the_demo_banner_shows_the_navigator_for_phone_kiosk_and_interview(client, office, staff_user,
                                                                            capsys):
    from madoguchi.cli import _print_demo_banner

    _print_demo_banner("127.0.0.1", 8000, False)
    out = capsys.readouterr().out
    urls = re.findall(r"http://127\.0\.0\.1:8000(/o/demo/(?:navi|kiosk/navi|interview)/\S*)", out)
    assert urls == ["/o/demo/navi/", "/o/demo/kiosk/navi/?device=demo-kiosk", "/o/demo/interview/"]
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[1], follow=True).status_code == 200  # registers the kiosk, then the page
    client.force_login(staff_user)
    assert client.get(urls[2]).status_code == 200


def test_the_other_screens_lead_to_the_navigator(client, office, staff_user):
    from madoguchi.core.actors import SYSTEM
    from madoguchi.queueing import services

    assert 'href="/o/demo/navi/"' in client.get("/o/demo/").content.decode()
    client.get("/o/demo/kiosk/?device=demo-kiosk")
    menu = client.get("/o/demo/kiosk/", {"lang": "vi"}).content.decode()
    assert 'href="/o/demo/kiosk/navi/?lang=vi"' in menu and "Tìm hiểu thủ tục cần làm" in menu
    # The clerk interviews the visitor being called: the case will carry their ticket.
    counter = office.counters.get(number=1)
    ticket = services.ticket_issue(actor=SYSTEM, office_code="demo", category_code="moving")
    services.ticket_call(actor=SYSTEM, counter_id=counter.pk, ticket_id=ticket.public_id)
    client.force_login(staff_user)
    screen = client.get(f"/o/demo/counter/{counter.pk}/").content.decode()
    assert f'href="/o/demo/interview/?ticket={ticket.public_id}"' in screen
    page = client.get("/o/demo/interview/", {"ticket": ticket.public_id}).content.decode()
    assert f"{ticket.number}番の方" in page
    assert f'data-case-url="/o/demo/interview/case/?ticket={ticket.public_id}"' in page
