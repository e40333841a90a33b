"""The procedure API: life events, determine, the public catalogue (anyone; nothing stored)."""

from __future__ import annotations

import logging

import pytest

from madoguchi.procedures import catalogue

from .helpers import BASIC

B = "/api/v1/procedures"
FAMILY = [{"relationship": "head", "birth_date": "1985-04-02"},
          {"relationship": "child", "birth_date": "2023-05-05"},
          {"relationship": "parent", "birth_date": "1956-01-10"}]


@pytest.fixture(autouse=True)
def fixture_catalogue(monkeypatch):
    monkeypatch.setenv("MADOGUCHI_CATALOGUE_DIR", str(BASIC))
    catalogue.reset_active()
    yield
    catalogue.reset_active()


def test_life_events_in_the_visitors_language(client):
    assert client.get(f"{B}/life-events").json() == [
        {"code": "tennyu", "name": "転入"}, {"code": "shussei", "name": "出生"}]
    assert client.get(f"{B}/life-events?lang=ko").json()[0] == {"code": "tennyu", "name": "전입"}


def test_determine_a_family(client, caplog):
    """No database fixture: a query (storing or reading anything) would fail the request."""
    caplog.set_level(logging.DEBUG)
    body = {"life_event": "tennyu", "on": "2026-12-01",
            "answers": {"move_date": "2026-11-28", "household": FAMILY,
                        "previous_insurance": "unknown", "has_car": False, "dogs": 0}}
    response = client.post(f"{B}/determine", body, content_type="application/json")
    assert response.status_code == 200
    result = response.json()
    assert result["life_event"] == "tennyu" and result["on"] == "2026-12-01"
    procs = {p["code"]: p for p in result["procedures"]}
    assert {c: p["status"] for c, p in procs.items()} == {
        "tennyu_todoke": "applies", "kokuho_kanyu": "to_check", "kaigo_hoken": "applies",
        "jidou_teate": "applies"}
    assert procs["jidou_teate"] == {
        "code": "jidou_teate", "name": "児童手当の認定請求", "section": "kodomo",
        "category": "children", "status": "applies", "reasons": ["高校生年代までのお子さんがいる世帯"],
        "documents": ["預金通帳"], "deadline": "2026-12-13", "online_url": None}
    assert "前の健康保険" in procs["kokuho_kanyu"]["reasons"][1]
    assert result["questions"] == []
    assert "1956-01-10" not in caplog.text and "2023-05-05" not in caplog.text


def test_determine_in_english_asks_what_is_left(client):
    result = client.post(f"{B}/determine?lang=en", {"life_event": "tennyu", "answers": {}},
                         content_type="application/json").json()
    assert result["questions"][0] == {"id": "move_date", "text": "Date of the move", "type": "date",
                                      "choices": None}
    assert result["procedures"][0]["name"] == "Moving-in notification"
    kei = next(p for p in result["procedures"] if p["code"] == "kei_jidousha")
    assert kei["reasons"] == ["You own a kei car or moped", "To be checked (unknown or unanswered: "
                              "Do you own a vehicle?, Kind of vehicle)"]


def test_determine_refusals(client):
    response = client.post(f"{B}/determine", {"life_event": "marriage", "answers": {}},
                           content_type="application/json")
    assert response.status_code == 404 and response.json()["code"] == "life_event_not_found"
    response = client.post(f"{B}/determine",
                           {"life_event": "tennyu", "answers": {"dogs": "many", "pets": 1}},
                           content_type="application/json")
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "invalid_answers" and error["message"] == "回答の形式が正しくありません。"
    assert len(error["detail"]) == 2 and any("'dogs'" in d for d in error["detail"])
    response = client.post(f"{B}/determine", {"life_event": "tennyu", "on": "0001-01-01"},
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "invalid_date"


def test_public_catalogue_follows_the_date(client):
    old = client.get(f"{B}/catalogue?on=2024-06-01").json()
    new = client.get(f"{B}/catalogue?on=2026-12-01").json()
    when = {d["on"]: next(p["when"] for p in d["procedures"] if p["code"] == "jidou_teate")
            for d in (old, new)}
    assert "<= 14" in when["2024-06-01"] and "<= 17" in when["2026-12-01"]
    assert new["version"] == old["version"] and len(new["version"]) == 16
    assert set(new["messages"]) == {"ja", "en", "zh_Hans", "ko", "vi", "pt_BR"}
    car_kind = next(q for q in new["questions"] if q["id"] == "car_kind")
    assert car_kind["asked_if"] == "has_car" and car_kind["asked_if_reads"] == ["has_car"]
    assert car_kind["text"]["pt_BR"] == "Tipo de veículo"
    kei = next(p for p in new["procedures"] if p["code"] == "kei_jidousha")
    assert kei["reads"] == ["has_car", "car_kind"]
    assert [e["code"] for e in new["life_events"]] == ["tennyu", "shussei"]


def test_openapi_documents_the_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert paths[f"{B}/determine"]["post"]["operationId"] == "determine"
    assert {"200", "404", "422"} <= set(paths[f"{B}/determine"]["post"]["responses"])
    assert "get" in paths[f"{B}/catalogue"] and "get" in paths[f"{B}/life-events"]


def test_the_public_catalogue_travels_compressed_and_in_utf8(client, monkeypatch):
    """A phone fetches the whole catalogue on every visit: gzip when it asks, UTF-8 as is.
    The sample, not the small fixture: Django pads gzip with up to 100 random bytes (BREACH),
    which would make a ratio on a few kilobytes a matter of chance."""
    import gzip
    import json

    monkeypatch.delenv("MADOGUCHI_CATALOGUE_DIR")
    catalogue.reset_active()

    plain = client.get(f"{B}/catalogue")
    assert "転入".encode() in plain.content  # not \\u8ee2\\u5165 (twice the bytes)
    packed = client.get(f"{B}/catalogue", HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) < len(plain.content) / 3
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
