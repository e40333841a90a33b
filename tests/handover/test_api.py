"""The hand-over API as a clerk's screen calls it: JSON in, the content or a refusal out."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.core.timeutil import now
from madoguchi.handover import services

from .helpers import body_of, navigator_content, row_count, seal_for, text_of

STAFF = {"HTTP_AUTHORIZATION": "Bearer demo-staff"}


@pytest.fixture
def key(office):
    return services.office_key_create(actor=SYSTEM, office_code="demo")


def post(client, payload: str):
    return client.post("/api/v1/handover/open", {"payload": payload},
                       content_type="application/json", **STAFF)


def test_open_answers_the_content(client, key):
    content = navigator_content()
    response = post(client, seal_for(key, content))
    assert response.status_code == 200
    body = response.json()
    assert body["answers"] == content["answers"] and body["on"] == "2026-11-28"
    assert body["created_at"].endswith("+09:00")  # API times are Japan time


@pytest.mark.parametrize("case", ["tampered", "truncated", "expired", "unknown_key", "invalid",
                                  "unrecognised"])
def test_each_refusal_has_its_code_a_japanese_message_and_stores_nothing(client, key, case):
    good = seal_for(key, navigator_content())
    payload = {
        "tampered": good[:120] + ("7" if good[120] != "7" else "8") + good[121:],
        "truncated": good[:-10],
        "expired": seal_for(key, navigator_content(created_at=now() - dt.timedelta(days=10))),
        "unknown_key": text_of(body_of(good)[:1] + b"\x00\x00\x00\x00" + body_of(good)[5:]),
        "invalid": seal_for(key, navigator_content(v=9)),
        "unrecognised": "12345",
    }[case]
    before = row_count()
    response = post(client, payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == f"handover_{case}"
    assert any("\u3040" <= ch <= "\u30ff" for ch in body["message"])  # kana: written for people
    assert row_count() == before


def test_citizens_cannot_open(client, key):
    response = client.post("/api/v1/handover/open", {"payload": seal_for(key, navigator_content())},
                           content_type="application/json")
    assert response.status_code == 401
