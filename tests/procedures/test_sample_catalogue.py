"""The sample catalogue shipped as the default (src/madoguchi/procedures/catalogue/).

Its own YAML tests (run by ``madoguchi catalogue check``) pin each procedure's condition; these
tests pin what a city adopting the sample and a citizen using it rely on: every file says it is
a sample to adapt, the issue's family sees 児童手当, こども医療費助成 and 介護保険 with documents and
deadlines, deadlines cite the law they come from, and no life event asks a question that cannot
change its result.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from madoguchi.procedures import catalogue as catalogue_mod
from madoguchi.procedures import engine

SAMPLE = Path(catalogue_mod.__file__).parent / "catalogue"
SAMPLE_HEADER = "見本（サンプル）です。各市の条例・実情に合わせて修正してください"
LIFE_EVENTS = {"tennyu", "tenshutsu", "tenkyo", "shussei", "shibou", "konin", "rikon"}


@pytest.fixture(scope="module")
def sample():
    return catalogue_mod.load(SAMPLE)


def test_every_file_of_the_sample_says_it_is_a_sample_to_adapt(sample):
    files = sorted(SAMPLE.rglob("*.yaml"))
    assert len(files) >= 15
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert SAMPLE_HEADER in first, path.relative_to(SAMPLE)
    assert sample.meta.sample is True
    assert SAMPLE_HEADER in sample.meta.note["ja"]


def test_the_sample_covers_the_seven_life_events_with_at_least_60_procedures(sample):
    assert set(sample.life_events) == LIFE_EVENTS
    assert len(sample.codes) >= 60
    for event in LIFE_EVENTS:
        codes = {p.code for p in sample.procedures if event in p.spec.life_events}
        assert len(codes) >= 6, event


def _by_code(result):
    return {p["code"]: p for p in result["procedures"]}


def test_family_with_a_3_year_old_and_a_70_year_old_moving_in_sees_child_and_care_procedures(sample):
    """The issue's browser scenario, answered only with the move date and the household."""
    result = engine.determine(sample, life_event="tennyu", on=dt.date(2026, 12, 1), lang="ja", answers={
        "move_date": "2026-11-28",
        "household": [{"relationship": "head", "birth_date": "1988-05-10"},
                      {"relationship": "child", "birth_date": "2023-06-15"},
                      {"relationship": "parent", "birth_date": "1956-03-03"}]})
    got = _by_code(result)
    expected = {"jidou_teate_nintei": ("児童手当", "children", "2026-12-13"),
                "kodomo_iryo_tennyu": ("こども医療費助成", "children", None),
                "kaigo_shikaku_tennyu": ("介護保険", "care", "2026-12-12")}
    for code, (word, category, deadline) in expected.items():
        proc = got[code]
        assert proc["status"] == "applies", code
        assert word in proc["name"]
        assert proc["category"] == category
        assert proc["documents"], code
        assert proc["deadline"] == deadline, code
    assert got["tennyu_todoke"]["deadline"] == "2026-12-12"  # 住民基本台帳法第22条: 14 days
    # No one is 75 or over: the Late-Stage Elderly enrolment is not listed at all.
    assert "kouki_tennyu" not in got


def test_the_same_family_in_english_gets_english_names_and_documents(sample):
    result = engine.determine(sample, life_event="tennyu", on=dt.date(2026, 12, 1), lang="en", answers={
        "move_date": "2026-11-28",
        "household": [{"relationship": "head", "birth_date": "1988-05-10"},
                      {"relationship": "child", "birth_date": "2023-06-15"}]})
    proc = _by_code(result)["jidou_teate_nintei"]
    assert proc["name"] == "Child allowance — application (moving in)"
    assert all(doc.isascii() for doc in proc["documents"]), proc["documents"]


def test_every_deadline_cites_the_law_or_rule_it_comes_from(sample):
    for proc in sample.procedures:
        if proc.spec.deadline is None:
            continue
        assert proc.spec.law and proc.spec.law.get("ja"), proc.code
        assert proc.spec.deadline.rule and proc.spec.deadline.rule.get("ja"), proc.code


def test_every_question_a_life_event_asks_can_change_its_result(sample):
    """Few and decisive: each question listed for a life event is read by a condition or a
    deadline of that event's procedures, or by another question's asked_if."""
    for event in sample.life_events.values():
        read: set[str] = set()
        for proc in sample.procedures:
            if event.code in proc.spec.life_events:
                read.update(proc.condition.questions)
                if proc.spec.deadline is not None:
                    read.add(proc.spec.deadline.from_)
        for qid in event.questions:
            if qid in sample.asked_if:
                read.update(sample.asked_if[qid].questions)
        unused = [q for q in event.questions if q not in read]
        assert not unused, (event.code, unused)


def test_dated_rule_changes_switch_on_their_day(sample):
    """児童手当 2024-10-01: a high-school first-year is covered from that day, not the day before."""
    household = [{"relationship": "head", "birth_date": "1980-06-01"},
                 {"relationship": "child", "birth_date": "2008-11-03"}]

    def status(on):
        result = engine.determine(sample, life_event="tennyu", on=on, lang="ja",
                                  answers={"move_date": on.isoformat(), "household": household})
        return _by_code(result).get("jidou_teate_nintei", {}).get("status")

    assert status(dt.date(2024, 9, 30)) is None
    assert status(dt.date(2024, 10, 1)) == "applies"


def test_what_a_citizen_reads_is_in_the_six_citizen_languages(sample):
    """Names, reasons, documents, fees, deadline rules, notes and section names (law stays ja/en)."""
    langs = {"ja", "en", "zh_Hans", "ko", "vi", "pt_BR"}
    for proc in sample.procedures:
        assert langs <= {k for k, v in proc.spec.name.items() if v.strip()}, proc.code
        assert langs <= {k for k, v in proc.spec.reason.items() if v.strip()}, proc.code
        for doc in proc.spec.documents:
            assert langs <= {k for k, v in doc.items() if v.strip()}, (proc.code, doc["ja"])
        for text in (proc.spec.fee, proc.spec.notes, proc.spec.deadline.rule if proc.spec.deadline else None):
            assert text is None or langs <= {k for k, v in text.items() if v.strip()}, proc.code
    for section in sample.sections.values():
        assert langs <= {k for k, v in section.name.items() if v.strip()}, section.code
    result = engine.determine(sample, life_event="shussei", on=dt.date(2026, 11, 25), lang="ko",
                              answers={"birth_day": "2026-11-20"})
    assert _by_code(result)["shussei_todoke"]["name"] == "출생신고"
    assert _by_code(result)["shussei_todoke"]["reasons"][0].startswith("출생은")
    assert "모자건강수첩" in _by_code(result)["shussei_todoke"]["documents"]


def test_every_counter_category_of_the_sample_is_a_queue_of_the_demo_office(sample):
    """A visitor routed by the sample must land in an existing queue of the demo office."""
    from madoguchi.queueing.demo import DEMO_CATEGORIES

    demo = {row[0] for row in DEMO_CATEGORIES}
    used = {proc.category for proc in sample.procedures if proc.category is not None}
    used |= {s.category for s in sample.sections.values() if s.category is not None}
    assert used <= demo, sorted(used - demo)
    assert {"insurance", "children", "care", "welfare", "tax", "school", "moving"} <= used
