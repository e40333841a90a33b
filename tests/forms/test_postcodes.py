"""GET /api/v1/postcodes/{zip7}: Japan Post's data served by our own side, to anyone."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def anonymous(db):
    return Client()


def test_a_postcode_gives_its_address_with_kana(anonymous):
    response = anonymous.get("/api/v1/postcodes/9200961")
    assert response.status_code == 200
    assert response.json() == [{"prefecture": "石川県", "city": "金沢市", "town": "香林坊",
                                "prefecture_kana": "イシカワケン", "city_kana": "カナザワシ",
                                "town_kana": "コウリンボウ"}]
    assert "public" in response["Cache-Control"]


def test_a_postcode_of_several_towns_gives_each(anonymous):
    towns = [row["town"] for row in anonymous.get("/api/v1/postcodes/4520961").json()]
    assert len(towns) > 1 and "春日明河原" in towns and "春日一番割" in towns


def test_an_office_postcode_and_a_whole_city(anonymous):
    office = anonymous.get("/api/v1/postcodes/9208577").json()
    assert office[0]["city"] == "金沢市" and office[0]["town"] == "広坂"
    whole = anonymous.get("/api/v1/postcodes/0600000").json()
    assert whole == [{"prefecture": "北海道", "city": "札幌市中央区", "town": "",
                      "prefecture_kana": "ホッカイドウ", "city_kana": "サッポロシチュウオウク",
                      "town_kana": ""}]


def test_full_width_digits_and_a_hyphen_are_read(anonymous):
    assert anonymous.get("/api/v1/postcodes/９２０-０９６１").json()[0]["town"] == "香林坊"


@pytest.mark.parametrize("zip7", ["920096", "92009611", "abcdefg", "920 0961x"])
def test_a_malformed_postcode_is_422(anonymous, zip7):
    response = anonymous.get(f"/api/v1/postcodes/{zip7}")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "postcode_invalid"
    assert body["message"] == "郵便番号は7桁の数字で入力してください。"


def test_an_unknown_postcode_is_404(anonymous):
    response = anonymous.get("/api/v1/postcodes/0000000")
    assert response.status_code == 404
    assert response.json()["code"] == "postcode_not_found"
    assert "見つかりません" in response.json()["message"]


def test_it_is_in_the_openapi_schema(anonymous):
    spec = anonymous.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/postcodes/{zip7}"]["get"]
    assert set(operation["responses"]) >= {"200", "404", "422"}
