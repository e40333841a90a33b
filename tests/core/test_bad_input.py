"""Fault 1.7: input nothing can store (NUL, lone surrogates) and oversize bodies never give a 5xx.

Every route of the API (from its OpenAPI document, so a new route is covered without editing this
file) and every page of the URLconf is sent a NUL in each path parameter, a NUL in the query
string and, where it takes a body, a NUL or a lone surrogate in every string of that body. The API
answers in the JSON error shape; pages answer with the site's own page in the visitor's language.
Runs in both passes: PostgreSQL is the database that refused NUL with a 500.
"""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from madoguchi.api import api
from madoguchi.core.models import TokenKind

from ..queueing.factories import counter_id, make_token

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
ROUTES = [(method.upper(), path, op) for path, ops in SCHEMA["paths"].items()
          for method, op in ops.items()]
ROUTES_BY_KEY = {(m, p): op for m, p, op in ROUTES}
BAD_STRINGS = ["\ud800", "\x00", "ok\x00", "\udfff tail"]



@pytest.fixture
def office(module_office, db):
    """The demo office, loaded once for this module's many tests (tests/module_db.py)."""
    return module_office

@pytest.fixture
def known(client, office):
    """Valid values for every path parameter, so only the planted character is wrong."""
    issued = client.post("/api/v1/offices/demo/tickets", {"category": "moving"},
                         content_type="application/json", HTTP_AUTHORIZATION="Bearer demo-kiosk")
    return {"code": "demo", "ticket_id": issued.json()["id"], "counter_id": str(counter_id(office, 1)),
            "procedure": "tennyu_todoke", "form": "juumin_idou", "zip7": "9200961"}


@pytest.fixture
def staff_client(office):
    """A caller that passes authentication, so each route reaches its database lookups."""
    raw = make_token(office, TokenKind.STAFF, user=get_user_model().objects.get(username="admin"))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _fill(path: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def _send(client, method, url, body=None):
    if method == "GET":
        return client.get(url)
    return client.generic(method, url, body if body is not None else b"{}",
                          content_type="application/json")


def assert_error_shape(response, status=None):
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "detail"}, body
    if status is not None:
        assert response.status_code == status, body


def _path_params(path):
    return re.findall(r"\{(\w+)\}", path)


@pytest.mark.parametrize("method,path", [(m, p) for m, p, _op in ROUTES if _path_params(p)])
def test_a_nul_in_any_path_parameter_of_the_api_is_not_found(staff_client, known, method, path):
    for name in _path_params(path):
        url = _fill(path, {**known, name: "%00"})
        response = _send(staff_client, method, url)
        assert_error_shape(response, 404)


@pytest.mark.parametrize("method,path", [(m, p) for m, p, _op in ROUTES])
def test_a_nul_in_the_query_string_of_any_api_route_is_refused_in_json(staff_client, known,
                                                                      method, path):
    params = [p["name"] for p in ROUTES_BY_KEY[(method, path)].get("parameters", [])
              if p["in"] == "query"] + ["x"]
    for name in params:
        response = _send(staff_client, method, f"{_fill(path, known)}?{name}=%00")
        assert_error_shape(response, 422)
        assert response.json()["code"] == "invalid_request"


def _resolve(schema):
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _body_with(schema, bad):
    """A body of the route's own shape with every string replaced by ``bad``."""
    schema = _resolve(schema)
    if schema.get("type") == "object" or "properties" in schema:
        return {name: _body_with(prop, bad) for name, prop in schema.get("properties", {}).items()}
    if schema.get("type") == "array":
        return [_body_with(schema.get("items", {}), bad)]
    if schema.get("type") in ("integer", "number"):
        return 1
    if schema.get("type") == "boolean":
        return True
    if "anyOf" in schema:
        return _body_with(schema["anyOf"][0], bad)
    return bad


BODY_ROUTES = [(m, p, op["requestBody"]["content"]["application/json"]["schema"])
               for m, p, op in ROUTES if "requestBody" in op]


def test_every_api_route_with_a_body_is_covered():
    assert {p for _m, p, _s in BODY_ROUTES} >= {"/api/v1/offices/{code}/tickets",
                                                "/api/v1/tickets/{ticket_id}/notices/email"}


@pytest.mark.parametrize("method,path,schema", BODY_ROUTES)
@pytest.mark.parametrize("bad", BAD_STRINGS)
def test_a_nul_or_lone_surrogate_in_any_json_body_is_refused_in_json(staff_client, known, method,
                                                                   path, schema, bad):
    body = json.dumps(_body_with(schema, bad))  # ensure_ascii: "\ud800" travels as an escape
    response = _send(staff_client, method, _fill(path, known), body)
    assert_error_shape(response, 422)
    assert response.json()["code"] == "invalid_request"


def test_the_faults_reported(client, office):
    """The two requests of the report: on PostgreSQL the first answered 500, the second on both."""
    assert_error_shape(client.get("/api/v1/tickets/%00"), 404)
    response = client.post("/api/v1/offices/demo/tickets", '{"category": "\\ud800"}',
                           content_type="application/json", HTTP_AUTHORIZATION="Bearer demo-kiosk")
    assert_error_shape(response, 422)
    raw_surrogate = '{"category": "\ud800"}'.encode("utf-8", "surrogatepass")
    response = client.post("/api/v1/offices/demo/tickets", raw_surrogate,
                           content_type="application/json", HTTP_AUTHORIZATION="Bearer demo-kiosk")
    assert_error_shape(response, 422)


def test_an_emoji_a_valid_surrogate_pair_still_passes(client, office):
    response = client.post("/api/v1/offices/demo/tickets", '{"category": "\\ud83d\\ude00"}',
                           content_type="application/json", HTTP_AUTHORIZATION="Bearer demo-kiosk")
    assert_error_shape(response, 404)
    assert response.json()["code"] == "category_not_found"


@pytest.mark.parametrize("header", [{"HTTP_COOKIE": "sessionid=abcdefgh\x00ijk"},
                                    {"HTTP_COOKIE": 'sessionid="abcdefgh\\000ijk"'},
                                    {"HTTP_IDEMPOTENCY_KEY": "k\x00"}])
def test_a_nul_in_a_header_or_cookie_is_refused(client, office, header):
    """A NUL session key would reach the session table (PostgreSQL: 500)."""
    assert_error_shape(client.get("/api/v1/offices/demo/board", **header), 422)
    page = client.get("/o/demo/board/", **header)
    assert "使用できない文字" in assert_site_page(page, 400)


def test_an_unknown_api_address_answers_in_json(client, db):
    response = client.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="en")
    assert_error_shape(response, 404)
    assert response.json()["message"] == "URL が正しいかご確認ください。"  # Japanese, as every API message
    assert_error_shape(client.post("/api/v1/offices/demo/board/nothing"), 404)


def test_an_oversize_body_is_413_too_large_in_json(client, office, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"category": "x" * 20_000})
    response = client.post("/api/v1/offices/demo/tickets", body, content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer demo-kiosk")
    assert_error_shape(response, 413)
    assert response.json()["code"] == "too_large"


# ------------------------------------------------------------------------------------- pages


def _page_patterns(resolver=None, prefix=""):
    """Every page route of the URLconf (the API and the admin have their own answers)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("api/", "admin/")):
                continue
            yield from _page_patterns(entry, route)
        elif isinstance(entry, URLPattern) and not route.startswith(("api/", "admin/")):
            yield route


PAGE_ROUTES = sorted(set(_page_patterns()))


def _page_url(route: str, values: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), route)


def assert_site_page(response, status, lang="ja"):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert "/static/madoguchi/css/madoguchi.css" in html  # the site's own page (base.html)
    assert "The requested resource" not in html and "Bad Request (400)" not in html
    return html


def test_the_page_routes_are_found():
    assert "t/<str:ticket_id>/" in PAGE_ROUTES and "o/<slug:code>/kiosk/issue/" in PAGE_ROUTES


@pytest.mark.parametrize("route", [r for r in PAGE_ROUTES if "<" in r])
def test_a_nul_in_any_page_parameter_is_the_sites_not_found_page(admin_client, known, route):
    for name in re.findall(r"<(?:\w+:)?(\w+)>", route):
        values = {**known, "action": "recall", name: "%00"}
        response = admin_client.get(_page_url(route, values))
        html = assert_site_page(response, 404)
        assert "ページが見つかりません" in html


@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_a_nul_in_any_page_query_is_the_sites_bad_request_page(admin_client, known, route):
    url = _page_url(route, {**known, "action": "recall"})
    for method in ("get", "post"):
        response = getattr(admin_client, method)(url + "?lang=%00&device=%00")
        html = assert_site_page(response, 400)
        assert "使用できない文字" in html


def test_a_nul_in_the_kiosks_form_is_an_error_in_the_kiosk(client, office):
    client.get("/o/demo/kiosk/?device=demo-kiosk")
    response = client.post("/o/demo/kiosk/issue/", {"category": "moving\x00"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response.content.decode().startswith('<p class="alert error" role="alert"')
    response = client.post("/o/demo/kiosk/issue/?lang=en", {"category": "moving\x00"},
                           HTTP_HX_REQUEST="true")
    assert "not allowed" in response.content.decode() or "cannot" in response.content.decode()


def test_a_nul_in_the_email_form_is_refused(client, known):
    response = client.post(f"/t/{known['ticket_id']}/notices/email/", {"email": "a\x00@example.jp"})
    assert_site_page(response, 400)


@pytest.mark.parametrize("lang,text", [("ja", "ページが見つかりません"), ("en", "Page not found"),
                                       ("zh-hans", "找不到页面"), ("ko", "페이지를 찾을 수 없습니다"),
                                       ("vi", "Không tìm thấy trang"), ("pt-br", "Página não encontrada")])
def test_not_found_speaks_the_visitors_language(client, db, lang, text):
    response = client.get(f"/o/no-such-office/board/?lang={lang}")
    html = assert_site_page(response, 404, {"zh-hans": "zh-Hans", "pt-br": "pt-BR"}.get(lang, lang))
    assert f"<h1>{text}</h1>" in html


def test_a_staff_screen_error_stays_japanese(admin_client, db):
    response = admin_client.get("/o/no-such-office/counter/?lang=en")
    assert "ページが見つかりません" in assert_site_page(response, 404)


def test_an_oversize_form_is_the_sites_413_page(client, office, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post("/o/demo/kiosk/issue/", {"category": "x" * 20_000})
    assert "送信された内容が大きすぎます" in assert_site_page(response, 413)


def test_a_csrf_failure_is_the_sites_page_in_japanese(db, office):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "staff", "password": "staff"})
    assert "画面の有効期限が切れました" in assert_site_page(response, 403)


def test_a_bug_is_the_sites_500_page_and_json_on_the_api(office, monkeypatch):
    from madoguchi.queueing import public_state

    def broken(*_args, **_kwargs):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(public_state, "get_office", broken)
    monkeypatch.setattr(public_state, "get_board", broken)
    client = Client(raise_request_exception=False)
    page = client.get("/o/demo/board/?lang=en")
    assert "An error occurred" in assert_site_page(page, 500, "en")
    response = client.get("/api/v1/offices/demo/board")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
