"""The move form's data: normalisation (jaconv) and validation with Japanese messages."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from madoguchi.forms import data, normalise

from .move_data import VS17, member, move_form

pytestmark = pytest.mark.dbfree  # pure logic: the SQLite pass runs it, the PostgreSQL pass need not


class TestNormalise:
    def test_kana_becomes_full_width_katakana(self):
        assert normalise.kana("たかはし") == "タカハシ"
        assert normalise.kana("ﾀｶﾊｼ ｼﾞﾛｳ") == "タカハシ\u3000ジロウ"
        assert normalise.kana("  やまさき　 ") == "ヤマサキ"
        assert normalise.kana("ゔぃヴ") == "ヴィヴ"

    def test_digits_become_half_width(self):
        assert normalise.digits("〒９２０－０９６１") == "9200961"
        assert normalise.digits("０９０ー１２３４ー５６７８") == "09012345678"
        assert normalise.digits("076-220-1111 ") == "0762201111"
        assert normalise.banchi("１丁目１－１") == "1丁目1-1"

    @pytest.mark.parametrize("typed", ["髙橋", "山﨑", "𠮷男", "葛" + VS17 + "子", "ｱﾝﾅ", "\uf929子"])
    def test_names_keep_every_code_point(self, typed):
        # 﨑 U+FA11 sits in the compatibility block (but has no decomposition), 𠮷 is outside
        # the BMP, VS17 picks a glyph. ｱﾝﾅ (half-width) is how this person wrote it: NFKC
        # would make it アンナ. A name is not normalised.
        assert normalise.name("\u3000" + typed + " ") == typed
        assert [hex(ord(c)) for c in normalise.name(typed)] == [hex(ord(c)) for c in typed]


class TestMoveForm:
    def test_a_household_is_normalised_and_names_survive(self):
        form = data.validate(move_form(6, phone="０９０－１２３４－５６７８"))
        dumped = form.model_dump(mode="json")
        assert dumped["phone"] == "09012345678"
        assert [m["family_kana"] for m in dumped["members"]][:3] == ["タカハシ"] * 3
        assert dumped["members"][2]["given_kana"] == "ヨシオ"
        names = [m["family_name"] + m["given_name"] for m in dumped["members"]]
        assert names[2] == "髙橋\U00020bb7男"
        assert names[3] == "髙橋\ufa11美"
        assert names[4] == "山\ufa11葛\U000e0100子"

    def test_navigator_answers_come_from_the_members(self):
        form = data.validate(move_form(3))
        answers = data.navigator_answers(form)
        assert answers["household"] == [
            {"relationship": "head", "birth_date": "1985-04-02"},
            {"relationship": "spouse", "birth_date": "1987-09-30"},
            {"relationship": "child", "birth_date": "2016-01-20"}]
        assert answers["move_date"] == form.move_date.isoformat()
        assert "family_name" not in str(answers)

    def test_there_is_no_my_number_field(self):
        bad = move_form(1)
        bad["members"][0]["my_number"] = "123456789012"
        with pytest.raises(data.FormInvalid) as caught:
            data.validate(bad)
        assert caught.value.detail["errors"] == [{
            "field": "members[0].my_number", "label": "1人目のmy_number",
            "message": "この項目は受け付けていません。"}]
        assert not any("number" in name for name in data.MoveForm.model_json_schema()["$defs"]["Member"]["properties"])

    @pytest.mark.parametrize(("change", "field", "label", "message"), [
        ({"phone": "12-34"}, "phone", "電話番号", "電話番号は0から始まる10桁か11桁の数字で入力してください。"),
        ({"members": [dict(member(0), family_kana="Takahashi")]}, "members[0].family_kana",
         "1人目のふりがな（氏）", "ふりがなは、ひらがなかカタカナで入力してください。"),
        ({"members": [member(0), dict(member(1), birth_date="2026-02-30")]}, "members[1].birth_date",
         "2人目の生年月日", "日付を正しく入力してください（例: 2026-04-01）。"),
        ({"members": [member(0), dict(member(1), family_name="  ")]}, "members[1].family_name",
         "2人目の氏名（氏）", "氏名（氏）を入力してください。"),
        ({"members": [member(0), dict(member(1), relationship="head")]}, "members[1]",
         "2人目", "世帯主の方は続柄を「世帯主」にしてください。"),
        ({"members": []}, "members", "世帯の方", "世帯の方を1人以上入力してください。"),
        ({"new_address": {"postcode": "920"}}, "new_address.postcode", "新しい住所の郵便番号",
         "郵便番号は7桁の数字で入力してください。"),
        ({"new_address": {"postcode": "9200961"}}, "new_address", "新しい住所",
         "都道府県・市区町村・町名を入力してください。"),
        ({"kind": "hikkoshi"}, "kind", "届出の種類", "選択肢から選んでください。"),
        ({"email": "taro@"}, "email", "メールアドレス", "メールアドレスの形式が正しくありません。"),
    ])
    def test_problems_are_named_in_japanese(self, change, field, label, message):
        with pytest.raises(data.FormInvalid) as caught:
            data.validate(move_form(2, **change))
        errors = caught.value.detail["errors"]
        assert {"field": field, "label": label, "message": message} in errors, errors
        assert caught.value.status == 422 and caught.value.code == "form_invalid"

    def test_a_move_abroad_needs_no_foreign_address_lines(self):
        form = data.validate(move_form(1, kind="tenshutsu",
                                       old_address=move_form()["new_address"],
                                       new_address={"building": "Rua Augusta 100, São Paulo"}))
        assert form.new_address.city == ""

    @pytest.mark.parametrize("old", [{"building": "Rua Augusta 100"}, {"postcode": "9200961", "prefecture": "石川県"}])
    def test_a_move_within_the_city_needs_both_addresses_whole(self, old):
        # 転居 stays in this city: the old address is no foreign one (as the phone's form says).
        with pytest.raises(data.FormInvalid) as caught:
            data.validate(move_form(1, kind="tenkyo", old_address=old))
        assert {"field": "old_address", "label": "前の住所", "message": "都道府県・市区町村・町名を入力してください。"} \
            in caught.value.detail["errors"]

    def test_two_heads_are_refused(self):
        two = move_form(2)
        two["members"][1].update(relationship="head", is_head=True)
        with pytest.raises(data.FormInvalid) as caught:
            data.validate(two)
        assert caught.value.message == "世帯主は1人だけ選んでください。"


class TestDatesAreJapaneseDates:
    """At 01:00 in Japan a UTC server's date is still yesterday: a baby born today (JST) and a
    move a year from today (JST) are both accepted, whatever the server's zone."""

    AT = dt.datetime(2026, 11, 28, 16, 0, tzinfo=dt.UTC)  # 2026-11-29 01:00 JST

    @pytest.fixture(autouse=True)
    def _clock(self, monkeypatch):
        monkeypatch.setattr("madoguchi.core.timeutil.now", lambda: self.AT)
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        yield
        monkeypatch.undo()
        time.tzset()

    def test_a_birth_on_the_japanese_tomorrow_of_utc_is_not_in_the_future(self):
        members = [member(0), dict(member(1), relationship="child", birth_date="2026-11-30")]
        form = data.validate(move_form(2, members=members))
        assert form.members[1].birth_date == dt.date(2026, 11, 30)

    def test_a_move_one_year_from_the_japanese_today(self):
        assert data.validate(move_form(1, move_date="2027-11-30")).move_date == dt.date(2027, 11, 30)
        with pytest.raises(data.FormInvalid):
            data.validate(move_form(1, move_date="2027-12-01"))
