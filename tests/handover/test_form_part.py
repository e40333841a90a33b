"""Issue 10: the hand-over's optional ``form`` part (the citizen's move form) and the split
into up to three QR codes (``MD1.<n>/<m>:``), joined again at the counter in any order."""

from __future__ import annotations

import itertools

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.forms.data import navigator_answers, validate
from madoguchi.handover import envelope, services
from madoguchi.handover.errors import HandoverRefused

from ..forms.move_data import VS17, move_form
from .helpers import navigator_content, row_count, seal_for


@pytest.fixture
def key(office):
    return services.office_key_create(actor=SYSTEM, office_code="demo")


def with_form(size: int = 6, **form_overrides) -> dict:
    form = move_form(size, **form_overrides)
    answers = navigator_answers(validate(form))
    return navigator_content(life_event=form["kind"], answers=dict(answers, has_car=True), form=form)


def refused(staff, payload: str) -> HandoverRefused:
    before = row_count()
    with pytest.raises(HandoverRefused) as caught:
        services.handover_open(actor=staff, payload=payload)
    assert row_count() == before, "a refused hand-over stored something"
    return caught.value


def test_an_issue_9_payload_still_opens(staff, key):
    """What the navigator sealed before the form existed: no ``form`` key at all."""
    content = navigator_content()
    assert "form" not in content
    opened = services.handover_open(actor=staff, payload=seal_for(key, content))
    assert opened["answers"] == content["answers"] and opened["life_event"] == "tennyu"
    assert opened["form"] is None


def test_the_form_part_opens_with_every_name_byte_exact(staff, key):
    content = with_form(6)
    opened = services.handover_open(actor=staff, payload=seal_for(key, content))
    sent = [(m["family_name"], m["given_name"]) for m in content["form"]["members"]]
    got = [(m["family_name"], m["given_name"]) for m in opened["form"]["members"]]
    assert [(a.encode(), b.encode()) for a, b in got] == [(a.encode(), b.encode()) for a, b in sent]
    assert "\U00020bb7" in got[2][1] and "\ufa11" in got[3][1] and VS17 in got[4][1]
    # normalised on the way in: katakana furigana, half-width postcode
    assert opened["form"]["members"][2]["family_kana"] == "タカハシ"
    assert opened["answers"]["household"][0] == {"relationship": "head", "birth_date": "1985-04-02"}


def test_the_household_and_move_date_come_from_the_form(staff, key):
    """The browser leaves them out of the answers (a household of six then fits one code)."""
    content = with_form(3)
    del content["answers"]["household"], content["answers"]["move_date"]
    opened = services.handover_open(actor=staff, payload=seal_for(key, content))
    assert opened["answers"]["household"] == [
        {"relationship": "head", "birth_date": "1985-04-02"},
        {"relationship": "spouse", "birth_date": "1987-09-30"},
        {"relationship": "child", "birth_date": "2016-01-20"}]
    assert opened["answers"]["move_date"] == content["form"]["move_date"]
    assert opened["answers"]["has_car"] is True


def test_a_form_that_does_not_validate_is_refused_in_japanese(staff, key):
    content = with_form(2)
    content["form"]["members"][1]["my_number"] = "123456789012"
    error = refused(staff, seal_for(key, content))
    assert error.code == "handover_invalid"
    assert error.detail["form_errors"] == [{
        "field": "form.members[1].my_number", "label": "届出書の2人目のmy_number",
        "message": "この項目は受け付けていません。"}]


def test_the_form_kind_must_be_the_life_event(staff, key):
    content = dict(with_form(1), life_event="tenkyo")
    assert refused(staff, seal_for(key, content)).detail == {"reason": "form_kind"}


# ------------------------------------------------------------------ parts


def big_text(key, size: int = 8) -> str:
    content = with_form(size)
    # long names of varied kanji (deflate cannot shrink them) make it need parts
    kanji = [chr(0x4E00 + (i * 7919) % 20000) for i in range(400)]
    for i, m in enumerate(content["form"]["members"]):
        m["given_name"] += "".join(kanji[i * 30:i * 30 + 30])
    content["form"]["new_address"]["building"] = "".join(kanji[300:370])
    return seal_for(key, content)


def test_one_code_when_it_fits_version_25(key):
    text = seal_for(key, with_form(1))
    assert envelope.split(text) == [text]


def test_a_large_hand_over_is_split_and_joined_in_any_order(staff, key):
    text = big_text(key)
    parts = envelope.split(text)
    assert 2 <= len(parts) <= 3, len(text)
    assert all(len(p) <= envelope.ALPHANUMERIC_M[25] for p in parts)
    assert [p[:8] for p in parts] == [f"MD1.{n}/{len(parts)}:" for n in range(1, len(parts) + 1)]
    for order in itertools.permutations(parts):
        assert envelope.join_parts(order) == text
    # the counter's field: a desk scanner types each code and Enter, in the order shown
    lines = "\r\n".join(reversed(parts)).lower() + "\r\n"
    opened = services.handover_open(actor=staff, payload=lines)
    assert len(opened["form"]["members"]) == 8


def test_missing_parts_say_how_many_were_read(staff, key):
    parts = envelope.split(big_text(key), max_chars=1000)
    assert len(parts) == 3
    with pytest.raises(HandoverRefused) as caught:
        envelope.join_parts([parts[2], parts[0]])
    error = caught.value
    assert error.code == "handover_truncated"
    assert error.detail["progress"] == "2/3 読み取り済み" and error.detail["missing"] == [2]
    assert "2/3 読み取り済み" in error.message and "2/3" in error.message
    assert refused(staff, parts[1]).code == "handover_truncated"


def test_a_part_read_twice_is_fine_but_parts_of_two_codes_are_not(key):
    parts = envelope.split(big_text(key), max_chars=1000)
    assert envelope.join_parts(parts + parts[:1]) == envelope.join_parts(parts)
    other = envelope.split(big_text(key), max_chars=1000)
    with pytest.raises(HandoverRefused) as caught:
        envelope.join_parts([parts[0], other[0], parts[1], parts[2]])
    assert caught.value.code == "handover_tampered"
    two_sets = envelope.split(big_text(key), max_chars=1400)
    assert len(two_sets) == 2
    with pytest.raises(HandoverRefused) as caught:
        envelope.join_parts([parts[0], two_sets[1]])
    assert caught.value.code == "handover_tampered"


def test_more_than_three_codes_is_too_large(key):
    with pytest.raises(ValueError):
        envelope.split(big_text(key), max_chars=500)
