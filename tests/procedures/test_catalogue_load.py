"""A broken catalogue file is refused with its file, line and a Japanese message."""

from __future__ import annotations

import pytest

from madoguchi.procedures import catalogue
from madoguchi.procedures.catalogue import CatalogueError

from .helpers import BASIC, copy_basic, edit, line_of

pytestmark = pytest.mark.dbfree  # pure logic: the SQLite pass runs it, the PostgreSQL pass need not


def refusal(directory) -> list:
    with pytest.raises(CatalogueError) as info:
        catalogue.load(directory)
    return info.value.problems


def only(problems, file: str):
    found = [p for p in problems if p.file == file]
    assert found, f"no problem in {file}: {problems}"
    return found


def test_the_fixture_loads():
    cat = catalogue.load(BASIC)
    assert [e for e in cat.life_events] == ["tennyu", "shussei"]
    assert len(cat.procedures) == 8 and len(cat.tests) == 6


def test_bad_yaml(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "hoken.yaml"
    edit(path, "    section: hoken\n    life_events: [tennyu]\n    when: \"previous_insurance == 'kokuho'\"",
         "    section: hoken\n    life_events: [tennyu\n    when: \"previous_insurance == 'kokuho'\"")
    (problem,) = refusal(d)
    assert problem.file == "procedures/hoken.yaml"
    assert problem.line is not None and abs(problem.line - line_of(path, "life_events: [tennyu")) <= 1
    assert "YAML として読めません" in problem.message


def test_unknown_question_in_a_condition(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "other.yaml"
    edit(path, 'when: "dogs > 0"', 'when: "dog_count > 0"')
    (problem,) = refusal(d)
    assert (problem.file, problem.line) == ("procedures/other.yaml", line_of(path, "dog_count"))
    assert "'dog_count' は質問として定義されていません" in problem.message
    assert "inu_touroku" in problem.message


def test_macro_variables_and_on_are_not_questions(tmp_path):
    d = copy_basic(tmp_path)
    edit(d / "procedures" / "other.yaml", 'when: "dogs > 0"',
         "when: \"dogs > 0 && household.all(p, days_between(p.birth_date, on) > 0) "
         "&& 'x.exists(q, zzz)' != ''\"")
    edit(d / "life_events.yaml", "car_kind, dogs]", "car_kind, dogs, household]")
    with pytest.raises(CatalogueError) as info:  # household twice in tennyu: one problem only
        catalogue.load(d)
    assert [p.message for p in info.value.problems] == ["ライフイベント 'tennyu' の質問が重複しています。"]


def test_a_condition_that_does_not_compile(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "hoken.yaml"
    edit(path, "age(m.birth_date) >= 65)", "age(m.birth_date) >= )")
    (problem,) = refusal(d)
    assert (problem.file, problem.line) == ("procedures/hoken.yaml", line_of(path, ">= )"))
    assert "コンパイルできません" in problem.message


def test_an_unregistered_function(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "hoken.yaml"
    edit(path, "age(m.birth_date) >= 65", "agee(m.birth_date) >= 65")
    (problem,) = refusal(d)
    assert problem.line == line_of(path, "agee(")
    assert "関数 'agee' は使えません" in problem.message


def test_bool_is_refused_as_the_python_library_has_no_such_function(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "other.yaml"
    edit(path, 'when: "dogs > 0"', 'when: "bool(string(dogs > 0))"')
    (problem,) = refusal(d)
    assert problem.line == line_of(path, "bool(")
    assert "関数 'bool' は使えません" in problem.message


def test_has_is_refused(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "other.yaml"
    edit(path, 'when: "dogs > 0"', 'when: "!has(dogs) || dogs > 0"')
    problems = refusal(d)
    assert any(p.line == line_of(path, "has(dogs)") and "has() は使えません" in p.message
               for p in problems)
    # ... but the word inside a string literal is no call
    d2 = copy_basic(tmp_path / "two")
    edit(d2 / "procedures" / "other.yaml", 'when: "dogs > 0"', "when: \"dogs > 0 && 'has(x)' != ''\"")
    catalogue.load(d2)


def test_overlapping_effective_periods(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "kodomo.yaml"
    edit(path, "effective: {from: 2012-04-01, to: 2024-09-30}",
         "effective: {from: 2012-04-01, to: 2024-10-01}")
    (problem,) = refusal(d)
    lines = [n for n, text in enumerate(path.read_text().splitlines(), 1)
             if "- code: jidou_teate" in text]
    assert (problem.file, problem.line) == ("procedures/kodomo.yaml", lines[1])
    assert f"procedures/kodomo.yaml:{lines[0]}" in problem.message  # the entry it overlaps
    assert "有効期間" in problem.message and "重なっています" in problem.message
    assert "2024-10-01" in problem.message


def test_references(tmp_path):
    d = copy_basic(tmp_path)
    edit(d / "procedures" / "other.yaml", "section: zeimu", "section: zeimuka")
    edit(d / "procedures" / "other.yaml", "life_events: [tennyu]\n    when: \"dogs",
         "life_events: [tenyu]\n    when: \"dogs")
    edit(d / "life_events.yaml", "questions: [household]", "questions: [household, pets]")
    edit(d / "tests" / "tennyu.yaml", "absent: [kokuho_kanyu, kei_jidousha",
         "absent: [kokuho, kei_jidousha")
    messages = [f"{p.file}:{p.line}: {p.message}" for p in refusal(d)]
    other = d / "procedures" / "other.yaml"
    assert f"procedures/other.yaml:{line_of(other, 'zeimuka')}: 手続き 'kei_jidousha' の課 'zeimuka' は " \
           "sections.yaml にありません。" in messages
    assert any("ライフイベント 'tenyu' は life_events.yaml にありません" in m for m in messages)
    assert any(m.startswith("life_events.yaml:") and "'pets' は questions.yaml にありません" in m
               for m in messages)
    assert any(m.startswith("tests/tennyu.yaml:") and "'kokuho' はありません" in m for m in messages)


def test_a_condition_on_a_question_its_life_event_never_asks(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "kodomo.yaml"
    edit(path, "age_fy(m.birth_date) <= 17)\"", "age_fy(m.birth_date) <= 17) && dogs == 0\"")
    (problem,) = refusal(d)
    assert "dogs" in problem.message and "'shussei'" in problem.message


def test_schema_problems_name_the_field_in_japanese(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "questions.yaml"
    edit(path, "    type: number", "    type: integer")
    edit(d / "procedures" / "shimin.yaml", "    law: {ja: 住民基本台帳法第22条}",
         "    law: {ja: 住民基本台帳法第22条}\n    lawyer: x")
    edit(d / "life_events.yaml", "name: {ja: 出生, en: Birth, ", "name: {ja: 出生, ")
    problems = refusal(d)
    by_file = {p.file: p for p in problems}
    assert by_file["questions.yaml"].line == line_of(path, "type: integer")
    assert "使えない値" in by_file["questions.yaml"].message
    assert by_file["procedures/shimin.yaml"].line == line_of(d / "procedures" / "shimin.yaml", "lawyer")
    assert "'lawyer': 知らない項目です" in by_file["procedures/shimin.yaml"].message
    assert "英語の文がありません" in by_file["life_events.yaml"].message


def test_yaml_1_1_booleans_are_strings(tmp_path):
    """``on:`` stays a key and ``yes`` is no boolean (a yes_no answer must be true/false)."""
    d = copy_basic(tmp_path)
    path = d / "tests" / "tennyu.yaml"
    edit(path, "      has_car: false\n", "      has_car: no\n")
    (problem,) = refusal(d)
    assert problem.line == line_of(path, "has_car: no")
    assert "true / false" in problem.message


def test_duplicate_keys_are_refused(tmp_path):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "other.yaml"
    edit(path, "    category: null\n", "    category: null\n    category: tax\n")
    (problem,) = refusal(d)
    assert problem.line == line_of(path, "category: tax")
    assert "2回" in problem.message


def test_a_missing_file(tmp_path):
    d = copy_basic(tmp_path)
    (d / "sections.yaml").unlink()
    problems = refusal(d)
    assert [str(p) for p in problems] == ["sections.yaml: 必須のファイルがありません。"]


def test_every_problem_is_reported_at_once(tmp_path):
    d = copy_basic(tmp_path)
    edit(d / "procedures" / "other.yaml", 'when: "dogs > 0"', 'when: "dog_count > 0"')
    edit(d / "procedures" / "hoken.yaml", ">= 65)", ">= )")
    assert {p.file for p in refusal(d)} == {"procedures/other.yaml", "procedures/hoken.yaml"}


def test_the_server_keeps_the_last_good_catalogue(tmp_path, monkeypatch, caplog):
    d = copy_basic(tmp_path)
    monkeypatch.setenv("MADOGUCHI_CATALOGUE_DIR", str(d))
    monkeypatch.setenv("MADOGUCHI_CATALOGUE_RELOAD_SECONDS", "0")
    catalogue.reset_active()
    try:
        first = catalogue.active()
        assert first.procedure("inu_touroku", first.tests[0].spec.on) is not None
        path = d / "procedures" / "other.yaml"
        edit(path, 'when: "dogs > 0"', 'when: "dog_count > 0"')
        assert catalogue.active() is first  # broken: still the last good one, logged
        assert "dog_count" in caplog.text and catalogue.last_reload_error() is not None
        edit(path, 'when: "dog_count > 0"', 'when: "dogs > 1"')
        second = catalogue.active()
        assert second is not first and catalogue.last_reload_error() is None
        assert second.procedure("inu_touroku", first.tests[0].spec.on).spec.when == "dogs > 1"
    finally:
        catalogue.reset_active()


def test_a_broken_catalogue_is_refused_at_first_load(tmp_path, monkeypatch):
    d = copy_basic(tmp_path)
    edit(d / "procedures" / "other.yaml", 'when: "dogs > 0"', 'when: "dogs >"')
    monkeypatch.setenv("MADOGUCHI_CATALOGUE_DIR", str(d))
    catalogue.reset_active()
    try:
        with pytest.raises(CatalogueError):
            catalogue.active()
    finally:
        catalogue.reset_active()
