"""Citizen pages in six languages; staff screens in Japanese whatever the browser asks."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from madoguchi.core.actors import actor_for_token
from madoguchi.notices import messages
from madoguchi.queueing import services

LOCALE = Path(__file__).resolve().parents[2] / "src" / "madoguchi" / "locale"
# Django code, <html lang>, Accept-Language a browser sends, a text the kiosk shows, a ticket-page text.
LANGS = {
    "ja": ("ja", "ja-JP,ja;q=0.9", "ご用件を選んで番号札をお取りください", "受付番号"),
    "en": ("en", "en-US,en;q=0.9", "Please choose what you came for and take a ticket", "Your number"),
    "zh-hans": ("zh-Hans", "zh-CN,zh;q=0.9", "请选择办理事项并取号", "您的号码"),
    "ko": ("ko", "ko-KR,ko;q=0.9", "용건을 선택하시고 번호표를 받아 주십시오", "접수 번호"),
    "vi": ("vi", "vi-VN,vi;q=0.9", "Vui lòng chọn thủ tục để lấy số thứ tự", "Số thứ tự"),
    "pt-br": ("pt-BR", "pt-BR,pt;q=0.9", "Escolha o serviço desejado e retire sua senha", "Sua senha"),
}
BOARD = {"ja": "呼出中の番号", "en": "Numbers being called", "zh-hans": "正在叫的号码", "ko": "호출 중인 번호",
         "vi": "Số đang được gọi", "pt-br": "Senhas chamadas agora"}
DISPLAY = {"ja": "お呼び出し中", "en": "Now calling", "zh-hans": "正在叫号", "ko": "호출 중",
           "vi": "Đang gọi số", "pt-br": "Chamando agora"}
MOVING = {"ja": "転入・転出・世帯変更等の異動届出", "en": "Moving-in/out notification", "zh-hans": "迁入·迁出",
          "ko": "전입·전출", "vi": "Thông báo chuyển đến", "pt-br": "Notificação de mudança"}


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


@pytest.fixture
def ticket(office):
    return services.ticket_issue(actor=actor_for_token("demo-kiosk"), office_code="demo", category_code="moving")


@pytest.fixture
def kiosk_client(client, office):
    client.get("/o/demo/kiosk/?device=demo-kiosk")
    return client


def citizen_pages(ticket):
    return {
        "ticket": (f"/t/{ticket.public_id}/", lambda lang: LANGS[lang][3]),
        "board": ("/o/demo/board/", lambda lang: BOARD[lang]),
        "kiosk": ("/o/demo/kiosk/", lambda lang: LANGS[lang][2]),
        "display": ("/o/demo/display/", lambda lang: DISPLAY[lang]),
    }


@pytest.mark.parametrize("lang", list(LANGS))
def test_pages_by_query_parameter(kiosk_client, ticket, lang):
    for name, (path, text) in citizen_pages(ticket).items():
        response = kiosk_client.get(path, {"lang": lang}, HTTP_ACCEPT_LANGUAGE="ja")
        body = response.content.decode()
        assert response.status_code == 200, name
        assert html_lang(response) == LANGS[lang][0], name
        assert text(lang) in body, (name, lang)
        if name in ("ticket", "board", "kiosk"):
            assert MOVING[lang] in body, (name, lang)  # the category's name, in this language too


@pytest.mark.parametrize("lang", list(LANGS))
def test_pages_by_accept_language(kiosk_client, ticket, lang):
    for name, (path, text) in citizen_pages(ticket).items():
        response = kiosk_client.get(path, HTTP_ACCEPT_LANGUAGE=LANGS[lang][1])
        assert html_lang(response) == LANGS[lang][0], name
        assert text(lang) in response.content.decode(), (name, lang)


def test_japanese_by_default(kiosk_client, ticket):
    for name, (path, text) in citizen_pages(ticket).items():
        response = kiosk_client.get(path)
        assert html_lang(response) == "ja", name
        assert text("ja") in response.content.decode(), name
    # A language we do not offer falls back to Japanese too.
    response = kiosk_client.get(f"/t/{ticket.public_id}/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert html_lang(response) == "ja"


def test_choice_is_remembered_and_carried_by_the_live_fragment(client, ticket):
    path = f"/t/{ticket.public_id}/"
    response = client.get(path, {"lang": "ko"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.cookies["django_language"].value == "ko"
    again = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(again) == "ko"
    fragment = client.get(path, {"fragment": "state"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "다음 차례입니다" in fragment and "전입·전출" in fragment  # nobody ahead: "You are next"


def test_switcher_links_every_language_named_in_itself(client, ticket):
    body = client.get(f"/t/{ticket.public_id}/", {"lang": "en"}).content.decode()
    for code, tag, name in [("ja", "ja", "日本語"), ("en", "en", "English"), ("zh-hans", "zh-Hans", "简体中文"),
                            ("ko", "ko", "한국어"), ("vi", "vi", "Tiếng Việt"), ("pt-br", "pt-BR", "Português")]:
        assert f'?lang={code}" hreflang="{tag}" lang="{tag}"' in body
        assert f">{name}</a>" in body
    assert 'aria-current="true">English</a>' in body


def test_kiosk_ticket_carries_the_chosen_language_and_forgets_it(kiosk_client, office):
    page = kiosk_client.get("/o/demo/kiosk/", {"lang": "vi"}).content.decode()
    assert "django_language" not in kiosk_client.cookies  # a shared device keeps no visitor's choice
    assert 'data-kiosk-home="/o/demo/kiosk/"' in page
    assert 'hx-post="/o/demo/kiosk/issue/?lang=vi"' in page
    card = kiosk_client.post("/o/demo/kiosk/issue/?lang=vi", {"category": "moving"}).content.decode()
    assert "Số thứ tự" in card
    status_url = re.search(r'<a href="([^"]+)">', card).group(1)
    assert status_url.endswith("?lang=vi")
    assert html_lang(kiosk_client.get(status_url)) == "vi"
    # Without ?lang= the kiosk speaks its own language again.
    assert html_lang(kiosk_client.get("/o/demo/kiosk/", HTTP_ACCEPT_LANGUAGE="ja")) == "ja"


def test_display_alternates_with_english(kiosk_client, office):
    body = kiosk_client.get("/o/demo/display/").content.decode()
    texts = re.search(r'<script id="display-text" type="application/json">(.*?)</script>', body, re.S)
    import json

    data = json.loads(texts.group(1))
    assert data["order"] == ["ja", "en"]
    assert data["texts"]["ja"]["announce"] == "{number}番の方 {counter}へ"
    assert data["texts"]["en"]["announce"] == "Number {number}, please go to {counter}"
    assert data["texts"]["en"]["speechLang"] == "en-US" and data["texts"]["ja"]["speechLang"] == "ja-JP"
    assert data["texts"]["en"]["categories"]["moving"].startswith("Moving-in/out")
    assert "音声案内" not in "".join(str(v) for v in data["texts"]["en"].values())


def test_staff_screens_stay_japanese(client, office, staff_user):
    client.force_login(staff_user)  # client.login() has no request for django-axes to check
    counter = office.counters.get(number=1)  # ids differ between databases
    for path in ["/o/demo/counter/", f"/o/demo/counter/{counter.pk}/", "/accounts/login/"]:
        response = client.get(path, {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        assert response.status_code == 200, path
        assert html_lang(response) == "ja", path
        assert "lang-switch" not in response.content.decode(), path
        assert "django_language" not in response.cookies, path
    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.get("/o/demo/supervisor/", {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and html_lang(response) == "ja"


@pytest.mark.parametrize("lang", list(LANGS))
def test_notice_texts(lang):
    status = {"number": 1502, "counter": "4番窓口", "waiting_ahead": 3, "public_id": "x" * 22}
    called = messages.render("called", status, lang=lang, url="https://example.org/t/x/")
    near = messages.render("near", status, lang=lang, url="https://example.org/t/x/")
    expected = {
        "ja": ("お呼びしています", "4番窓口", "あと3人"), "en": ("It's your turn", "Counter 4", "3 people"),
        "zh-hans": ("轮到您了", "4号窗口", "3人"), "ko": ("고객님 차례입니다", "4번 창구", "3명"),
        "vi": ("Đã đến lượt quý khách", "Quầy số 4", "3 người"), "pt-br": ("Chegou a sua vez", "Guichê 4", "3 pessoas"),
    }[lang]
    assert called["title"] == expected[0] and expected[1] in called["body"] and "1502" in called["body"]
    assert expected[2] in near["body"]
    assert near["url"].endswith("" if lang == "ja" else f"?lang={lang}")
    subject, body = messages.email_text(called)
    assert expected[0] in subject and called["url"] in body


def test_english_and_portuguese_plurals():
    one = {"number": 7, "waiting_ahead": 1, "public_id": "y" * 22}
    assert "1 person ahead" in messages.render("near", one, lang="en", url="")["body"]
    assert "Falta 1 pessoa" in messages.render("near", one, lang="pt-br", url="")["body"]


def test_no_leftover_japanese_in_client_texts(kiosk_client, ticket):
    body = kiosk_client.get("/o/demo/board/", {"lang": "en"}).content.decode()
    data = re.search(r'<script id="madoguchi-text" type="application/json">(.*?)</script>', body, re.S).group(1)
    import json

    texts = json.loads(data)
    assert texts["people"] == {"one": "{n} person", "other": "{n} people"}
    assert texts["offline"].startswith("Connection lost")


def test_ticket_missing_page_in_english(client, db):
    response = client.get(reverse("ticket-page", args=["no-such-ticket"]), {"lang": "en"})
    assert response.status_code == 404
    assert html_lang(response) == "en" and "Ticket not found" in response.content.decode()
