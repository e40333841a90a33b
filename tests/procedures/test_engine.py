"""Determination semantics on the fixture catalogue (tests/procedures/fixtures/basic)."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.procedures import catalogue, engine

from .helpers import BASIC

pytestmark = pytest.mark.dbfree  # pure logic: the SQLite pass runs it, the PostgreSQL pass need not

ON = dt.date(2026, 12, 1)
FAMILY = [
    {"relationship": "head", "birth_date": "1985-04-02"},
    {"relationship": "child", "birth_date": "2023-05-05"},
    {"relationship": "parent", "birth_date": "1956-01-10"},
]


@pytest.fixture(scope="module")
def cat():
    return catalogue.load(BASIC)


def run(cat, answers, life_event="tennyu", on=ON, lang="ja"):
    return engine.determine(cat, life_event=life_event, answers=answers, on=on, lang=lang)


def status(result) -> dict[str, str]:
    return {p["code"]: p["status"] for p in result["procedures"]}


def test_family_with_a_toddler_and_a_70_year_old(cat):
    result = run(cat, {"move_date": "2026-11-28", "household": FAMILY,
                       "previous_insurance": "shaho", "has_car": False, "dogs": 0})
    assert status(result) == {"tennyu_todoke": "applies", "kaigo_hoken": "applies",
                              "jidou_teate": "applies"}
    by_code = {p["code"]: p for p in result["procedures"]}
    assert by_code["tennyu_todoke"]["deadline"] == "2026-12-12"  # 14 days after the move
    assert by_code["jidou_teate"]["deadline"] == "2026-12-13"
    assert by_code["kaigo_hoken"]["deadline"] is None
    assert by_code["jidou_teate"]["documents"] == ["預金通帳"]
    assert by_code["jidou_teate"]["reasons"] == ["高校生年代までのお子さんがいる世帯"]
    assert by_code["jidou_teate"]["category"] == "children"
    assert result["questions"] == []  # nothing left that could change the result


def test_nothing_answered_lists_every_possible_procedure_to_check_and_asks(cat):
    result = run(cat, {})
    assert status(result) == {"tennyu_todoke": "applies", "kokuho_kanyu": "to_check",
                              "kaigo_hoken": "to_check", "jidou_teate": "to_check",
                              "kei_jidousha": "to_check", "inu_touroku": "to_check"}
    # car_kind waits for has_car (its asked_if); move_date is asked for the deadlines.
    assert [q["id"] for q in result["questions"]] == [
        "move_date", "household", "previous_insurance", "has_car", "dogs"]
    choice = next(q for q in result["questions"] if q["id"] == "previous_insurance")
    assert choice["choices"] == [{"value": "kokuho", "text": "国民健康保険"},
                                 {"value": "shaho", "text": "会社の健康保険"}]


def test_unknown_marks_to_check_and_names_the_question(cat):
    result = run(cat, {"previous_insurance": "unknown"})
    kokuho = next(p for p in result["procedures"] if p["code"] == "kokuho_kanyu")
    assert kokuho["status"] == "to_check"
    assert "前の健康保険" in kokuho["reasons"][1]
    assert "previous_insurance" not in [q["id"] for q in result["questions"]]  # answered


def test_an_unknown_birth_date_does_not_hide_a_member_who_decides(cat):
    household = [{"relationship": "child", "birth_date": "unknown"},
                 {"relationship": "parent", "birth_date": "1950-01-01"}]
    result = run(cat, {"household": household})
    assert status(result)["kaigo_hoken"] == "applies"      # true || error = true
    assert status(result)["jidou_teate"] == "to_check"     # the child's age is unknown
    household = [{"relationship": "unknown", "birth_date": "2020-01-01"}]
    assert status(run(cat, {"household": household}))["jidou_teate"] == "to_check"


def test_asked_if_gates_a_question(cat):
    assert "car_kind" in [q["id"] for q in run(cat, {"has_car": True})["questions"]]
    result = run(cat, {"has_car": False})
    assert "car_kind" not in [q["id"] for q in result["questions"]]
    assert "kei_jidousha" not in status(result)
    # has_car unknown: the kind of car may still decide, so it is asked.
    assert "car_kind" in [q["id"] for q in run(cat, {"has_car": "unknown"})["questions"]]


def test_effective_periods_choose_the_rule_in_force(cat):
    teen = [{"relationship": "child", "birth_date": "2008-06-01"}]  # 15 on 2024-04-01, 16 in 2025
    assert status(run(cat, {"household": teen}, on=dt.date(2025, 12, 1))).get("jidou_teate") \
        == "applies"
    assert "jidou_teate" not in status(run(cat, {"household": teen}, on=dt.date(2024, 9, 30)))


def test_age_fy_counts_on_april_first(cat):
    # Born 2008-04-01: 18 on 2026-04-01, so out from FY2026; born 2008-04-02 is still 17.
    assert "jidou_teate" in status(run(cat, {"household": [
        {"relationship": "child", "birth_date": "2008-04-02"}]}, on=dt.date(2026, 4, 10)))
    assert "jidou_teate" not in status(run(cat, {"household": [
        {"relationship": "child", "birth_date": "2008-04-01"}]}, on=dt.date(2026, 4, 10)))
    assert "jidou_teate" in status(run(cat, {"household": [
        {"relationship": "child", "birth_date": "2008-04-01"}]}, on=dt.date(2026, 3, 31)))


def test_age_turns_on_the_birthday(cat):
    member = [{"relationship": "head", "birth_date": "1961-12-01"}]
    assert "kaigo_hoken" in status(run(cat, {"household": member}, on=dt.date(2026, 12, 1)))
    assert "kaigo_hoken" not in status(run(cat, {"household": member}, on=dt.date(2026, 11, 30)))


def test_languages_fall_back_to_english_then_japanese(cat):
    result = run(cat, {"household": FAMILY}, lang="vi")
    by_code = {p["code"]: p for p in result["procedures"]}
    assert by_code["jidou_teate"]["name"] == "Child allowance"  # no vi name: English
    q = run(cat, {}, lang="vi")["questions"][0]
    assert q["text"] == "Ngày chuyển"
    assert run(cat, {}, lang="zh-hans")["questions"][0]["text"] == "迁入日期"


@pytest.mark.parametrize("answers", [
    {"has_car": "yes"}, {"dogs": "2"}, {"dogs": True}, {"move_date": "2026-13-01"},
    {"previous_insurance": "other"}, {"household": [{"relationship": "cousin", "birth_date": "2000-01-01"}]},
    {"household": [{"relationship": "head"}]}, {"nonsense": 1},
])
def test_answers_of_the_wrong_type_are_refused(cat, answers):
    with pytest.raises(engine.InvalidAnswers):
        run(cat, answers)


def test_unknown_life_event(cat):
    with pytest.raises(engine.UnknownLifeEvent):
        run(cat, {}, life_event="nope")
