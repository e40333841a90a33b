"""The booking contract of issue 11 over HTTP: types, slots, ALTCHA, book, look up, cancel."""

import datetime as dt
import json

import pytest
from django.test import Client

from madoguchi.core.timeutil import JST, business_date
from madoguchi.reservations import altcha, cards
from madoguchi.reservations.models import (
    Availability,
    CardNoticeHash,
    Reservation,
    ReservationKind,
    ReservationType,
)

B = "/api/v1"


@pytest.fixture
def client():
    return Client()


def schedule(office, code="general", kind=ReservationKind.GENERAL, capacity=3, **type_kw):
    rtype = ReservationType.objects.create(office=office, code=code, name="一般相談", name_en="General",
                                           names={"ko": "일반 상담"}, kind=kind, **type_kw)
    Availability.objects.create(office=office, type=rtype, weekdays=list(range(7)),
                                valid_from=dt.date(2020, 1, 1), start_time=dt.time(9),
                                end_time=dt.time(12), slot_minutes=30, capacity=capacity)
    return rtype


def tomorrow(hh=10, mm=0) -> dt.datetime:
    return dt.datetime.combine(business_date() + dt.timedelta(days=1), dt.time(hh, mm), tzinfo=JST)


def solved(client) -> str:
    response = client.get(f"{B}/altcha/challenge")
    assert response.status_code == 200
    return altcha.solve(response.json())


def post(client, body, office="demo"):
    return client.post(f"{B}/offices/{office}/reservations", json.dumps(body),
                       content_type="application/json")


def test_types_and_slots(client, office):
    schedule(office)
    types = client.get(f"{B}/offices/demo/reservation-types").json()
    assert types == [{"code": "general", "name": "一般相談", "slots_needed": 1, "kind": "general"}]
    ko = client.get(f"{B}/offices/demo/reservation-types", HTTP_ACCEPT_LANGUAGE="ko").json()
    assert ko[0]["name"] == "일반 상담"
    day = business_date() + dt.timedelta(days=1)
    slots = client.get(f"{B}/offices/demo/slots?type=general&from={day}&days=2").json()
    assert len(slots) == 12
    assert slots[0] == {"start": tomorrow(9).isoformat(), "end": tomorrow(9, 30).isoformat(), "free": 3}
    assert client.get(f"{B}/offices/demo/slots?type=general&days=93").status_code == 422
    assert client.get(f"{B}/offices/demo/slots?type=nope").json()["code"] == "reservation_type_not_found"
    assert client.get(f"{B}/offices/nowhere/slots?type=general").status_code == 404


def test_book_look_up_and_cancel(client, office):
    schedule(office)
    response = post(client, {"type": "general", "start": tomorrow().isoformat(), "altcha": solved(client),
                             "email": "taro@example.jp", "lang": "en"})
    assert response.status_code == 201, response.content
    booked = response.json()
    assert set(booked) == {"code", "start", "end", "status_url"}
    assert booked["start"] == tomorrow().isoformat() and booked["end"] == tomorrow(10, 30).isoformat()
    assert booked["status_url"].endswith(f"/r/{booked['code']}/")
    shown = client.get(f"{B}/reservations/{booked['code'][:4]}-{booked['code'][4:]}").json()
    assert shown["status"] == "booked" and shown["type"] == "general"
    assert "email" not in shown and "taro" not in json.dumps(shown)
    assert Reservation.objects.get(code=booked["code"]).email == "taro@example.jp"
    free = {s["start"]: s["free"] for s in client.get(f"{B}/offices/demo/slots?type=general&days=3").json()}
    assert free[tomorrow().isoformat()] == 2
    cancelled = client.post(f"{B}/reservations/{booked['code']}/cancel", "{}", content_type="application/json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"{B}/reservations/{booked['code']}/cancel", "{}", content_type="application/json")
    assert again.status_code == 409
    free = {s["start"]: s["free"] for s in client.get(f"{B}/offices/demo/slots?type=general&days=3").json()}
    assert free[tomorrow().isoformat()] == 3


def test_full_slot_answers_409_slot_full(client, office):
    schedule(office, capacity=1)
    first = post(client, {"type": "general", "start": tomorrow().isoformat(), "altcha": solved(client)})
    assert first.status_code == 201
    second = post(client, {"type": "general", "start": tomorrow().isoformat(), "altcha": solved(client)})
    assert second.status_code == 409
    assert second.json()["code"] == "slot_full"
    assert "満席" in second.json()["message"]


class TestAltcha:
    """Missing, wrong, expired and replayed solutions are refused; a solved one is accepted."""

    def book(self, client, payload):
        return post(client, {"type": "general", "start": tomorrow().isoformat(), "altcha": payload})

    def test_missing(self, client, office):
        schedule(office)
        for body in ({"type": "general", "start": tomorrow().isoformat()},
                     {"type": "general", "start": tomorrow().isoformat(), "altcha": ""}):
            response = post(client, body)
            assert response.status_code == 422
            assert response.json()["code"] == "altcha_invalid"
            assert response.json()["detail"] == "missing"
        assert not Reservation.objects.exists()

    def test_wrong(self, client, office):
        import base64

        schedule(office)
        good = json.loads(base64.b64decode(solved(client)))
        wrong_counter = {**good, "solution": {**good["solution"], "derivedKey": "00" * 32}}
        tampered = {**good, "challenge": {**good["challenge"], "parameters": {
            **good["challenge"]["parameters"], "keyPrefix": "00"}}}
        for payload in ("not base64 at all", base64.b64encode(b"{}").decode(),
                        base64.b64encode(json.dumps(wrong_counter).encode()).decode(),
                        base64.b64encode(json.dumps(tampered).encode()).decode()):
            response = self.book(client, payload)
            assert response.status_code == 422, payload
            assert response.json()["code"] == "altcha_invalid"
            assert response.json()["detail"] == "invalid"
        assert not Reservation.objects.exists()

    def test_expired(self, client, office, settings):
        schedule(office)
        settings.ALTCHA_EXPIRES_SECONDS = -1
        payload = altcha.solve(altcha.challenge())
        settings.ALTCHA_EXPIRES_SECONDS = 600
        response = self.book(client, payload)
        assert response.status_code == 422
        assert response.json()["detail"] == "expired"

    def test_replayed(self, client, office):
        schedule(office)
        payload = solved(client)
        assert self.book(client, payload).status_code == 201
        replay = self.book(client, payload)
        assert replay.status_code == 422
        assert replay.json() == {"code": "altcha_invalid", "message": altcha.AltchaInvalid.message,
                                 "detail": "replayed"}
        assert Reservation.objects.count() == 1

    def test_solved_is_accepted_and_a_key_of_another_server_is_not(self, client, office, settings):
        schedule(office)
        payload = solved(client)
        settings.ALTCHA_HMAC_KEY = "another server's key"
        assert self.book(client, payload).status_code == 422
        settings.ALTCHA_HMAC_KEY = ""
        assert self.book(client, payload).status_code == 201


def test_per_address_limit(client, office, settings):
    schedule(office, capacity=5)
    settings.THROTTLE = {**settings.THROTTLE, "reserve": {"address": "2/h"}}
    from django.core.cache import caches

    caches["throttle"].clear()
    statuses = [post(client, {"type": "general", "start": (tomorrow(9) + dt.timedelta(minutes=30 * i)).isoformat(),
                              "altcha": solved(client)}).status_code for i in range(3)]
    assert statuses == [201, 201, 429]
    refused = post(client, {"type": "general", "start": tomorrow().isoformat(), "altcha": solved(client)})
    assert refused.json()["code"] == "rate_limited"
    assert "予約が多すぎる" in refused.json()["message"]
    assert int(refused["Retry-After"]) > 0 and refused.json()["detail"]["limit"] == "address"
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert post(other, {"type": "general", "start": tomorrow(11).isoformat(),
                        "altcha": solved(other)}).status_code == 201
    caches["throttle"].clear()


def test_onestop_keeps_procedure_codes_not_answers(client, office):
    schedule(office, code="onestop", kind=ReservationKind.ONESTOP, capacity=2, procedures_per_slot=2,
             max_slots=3)
    answers = {"life_event": "tennyu", "move_date": "2026-11-28",
               "household": [{"relationship": "head", "birth_date": "1985-04-02"}]}
    response = post(client, {"type": "onestop", "start": tomorrow(9).isoformat(), "altcha": solved(client),
                             "answers": answers})
    assert response.status_code == 201, response.content
    reservation = Reservation.objects.get(code=response.json()["code"])
    assert reservation.life_event == "tennyu"
    assert reservation.procedures and all(isinstance(c, str) for c in reservation.procedures)
    assert reservation.slots == min(3, -(-len(reservation.procedures) // 2))
    stored = json.dumps([getattr(reservation, f.attname) for f in Reservation._meta.concrete_fields],
                        default=str)
    assert "1985-04-02" not in stored and "household" not in stored
    assert client.get(f"{B}/reservations/{reservation.code}").json()["procedures"] == reservation.procedures


def test_card_pickup_checks_the_keyed_hash(client, office):
    schedule(office, code="card", kind=ReservationKind.CARD_PICKUP)
    birth = dt.date(1990, 4, 1)
    CardNoticeHash.objects.create(office=office, digest=cards.notice_digest("demo", "1234-5678-9012", birth))
    base = {"type": "card", "start": tomorrow().isoformat()}
    wrong = post(client, {**base, "altcha": solved(client), "notice_number": "123456789012",
                          "birth_date": "1990-04-02"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "card_notice_unknown"
    ok = post(client, {**base, "altcha": solved(client), "notice_number": "１２３４５６７８９０１２",
                       "birth_date": "1990-04-01"})
    assert ok.status_code == 201, ok.content
    reservation = Reservation.objects.get(code=ok.json()["code"])
    assert reservation.notice_hash and "123456789012" not in json.dumps(
        [getattr(reservation, f.attname) for f in Reservation._meta.concrete_fields], default=str)
    twice = post(client, {**base, "altcha": solved(client), "notice_number": "123456789012",
                          "birth_date": "1990-04-01"})
    assert twice.status_code == 409 and twice.json()["code"] == "card_already_booked"


def test_open_data_free_slots_per_day_and_type(client, office):
    schedule(office, capacity=3)
    day = business_date() + dt.timedelta(days=1)
    for _ in range(2):
        assert post(client, {"type": "general", "start": tomorrow().isoformat(),
                             "altcha": solved(client)}).status_code == 201
    data = client.get(f"{B}/offices/demo/reservation-slots.json?from={day}&days=2").json()
    assert data["columns"] == ["date", "type", "slots", "capacity", "booked", "free"]
    assert data["rows"] == [
        {"date": day.isoformat(), "type": "general", "slots": 6, "capacity": 18, "booked": 2, "free": 16},
        {"date": (day + dt.timedelta(days=1)).isoformat(), "type": "general", "slots": 6, "capacity": 18,
         "booked": 0, "free": 18}]
    csv_response = client.get(f"{B}/offices/demo/reservation-slots.csv?from={day}&days=1")
    assert csv_response["Content-Type"].startswith("text/csv")
    text = csv_response.content.decode("utf-8-sig")
    assert text == f"date,type,slots,capacity,booked,free\r\n{day.isoformat()},general,6,18,2,16\r\n"
    # Aggregates only: no code, time or e-mail of a booking.
    assert "@" not in text and ":" not in text


def test_guessing_booking_codes_is_refused_per_address_but_lookups_of_real_codes_never_count(
        client, office, settings):
    """Only misses count: a family that opens its booking page again and again is never slowed,
    a script trying codes is refused after a few misses — for every code, the API and the page."""
    from django.core.cache import caches

    schedule(office, capacity=5)
    settings.THROTTLE = {**settings.THROTTLE, "reservation_lookup": {"address": "3/h"}}
    caches["throttle"].clear()
    code = post(client, {"type": "general", "start": tomorrow(9).isoformat(),
                         "altcha": solved(client)}).json()["code"]
    for _ in range(10):
        assert client.get(f"/api/v1/reservations/{code}").status_code == 200
        assert client.get(f"/r/{code}/").status_code == 200
    misses = [client.get(f"/api/v1/reservations/ZZZZZZZ{i}").status_code for i in range(3)]
    assert misses == [404, 404, 404]
    assert client.get("/r/ZZZZZZZZ/").status_code == 429  # the fourth miss, through the page
    refused = client.get(f"/api/v1/reservations/{code}")  # now even a real code: no more tries
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0
    assert client.post(f"/api/v1/reservations/{code}/cancel", {}, content_type="application/json").status_code == 429
    page = client.get(f"/r/{code}/")
    assert page.status_code == 429 and "短い時間に操作が集中" in page.content.decode()
    other = Client(REMOTE_ADDR="192.0.2.8")
    assert other.get(f"/api/v1/reservations/{code}").status_code == 200
    assert Reservation.objects.get(code=code).status == "booked"
    caches["throttle"].clear()
