"""Properties of determination over any answers (Hypothesis), on the fixture and the sample.

* any answers, 「わからない」 anywhere: no exception, a well-formed result;
* turning one answer (or one household member's field) into "unknown", or leaving it
  unanswered, never removes a procedure from applies ∪ to_check;
* the same answers (in any key order) give the same result.

Each test counts what its examples reached (both outcomes, unknowns inside household members …)
and fails if a claimed state never occurred, so a weakened strategy cannot pass quietly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.procedures import catalogue, engine
from madoguchi.procedures.schema import RELATIONSHIPS

from .helpers import BASIC

pytestmark = pytest.mark.dbfree  # pure logic: the SQLite pass runs it, the PostgreSQL pass need not

CATALOGUES = [BASIC, catalogue.SAMPLE_DIR]
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
UNKNOWN = "unknown"


@pytest.fixture(scope="module", params=CATALOGUES, ids=["fixture", "sample"])
def cat(request):
    return catalogue.load(request.param)


def dates(lo=dt.date(1920, 1, 1), hi=dt.date(2031, 12, 31)):
    return st.dates(min_value=lo, max_value=hi).map(dt.date.isoformat)


def value_for(question) -> st.SearchStrategy:
    kind = question.type
    if kind == "yes_no":
        known = st.booleans()
    elif kind == "choice":
        known = st.sampled_from([c.value for c in question.choices])
    elif kind == "number":
        known = st.integers(min_value=0, max_value=6)
    elif kind == "date":
        known = dates(dt.date(2020, 1, 1))
    else:
        member = st.fixed_dictionaries({
            "relationship": st.sampled_from([*RELATIONSHIPS, UNKNOWN]),
            "birth_date": st.one_of(dates(), dates(dt.date(2005, 1, 1), dt.date(2026, 12, 31)),
                                    st.just(UNKNOWN)),
        })
        known = st.lists(member, min_size=0, max_size=6)
    return st.one_of(st.just(UNKNOWN), known)


@st.composite
def scenario(draw, cat):
    """(life event, answers, on): every question of the event absent, unknown or answered."""
    code = draw(st.sampled_from(sorted(cat.life_events)))
    answers = {}
    for qid in cat.life_events[code].questions:
        if draw(st.booleans()) or draw(st.booleans()):  # answered 3 times in 4
            answers[qid] = draw(value_for(cat.questions[qid]))
    on = draw(st.dates(min_value=dt.date(2024, 4, 1), max_value=dt.date(2027, 3, 31)))
    return code, answers, on


def shown(result) -> set[str]:
    return {p["code"] for p in result["procedures"]}


def has_unknown_member(answers) -> bool:
    return any(isinstance(v, list) and any(UNKNOWN in m.values() for m in v) for v in answers.values())


def test_any_answers_never_raise(cat):
    seen = Counter()

    @SETTINGS
    @given(data=st.data())
    def check(data):
        code, answers, on = data.draw(scenario(cat))
        lang = data.draw(st.sampled_from(["ja", "en", "zh_Hans", "ko", "vi", "pt_BR"]))
        result = engine.determine(cat, life_event=code, answers=answers, on=on, lang=lang)
        codes = [p["code"] for p in result["procedures"]]
        assert len(codes) == len(set(codes))
        for p in result["procedures"]:
            assert p["status"] in ("applies", "to_check")
            assert p["reasons"] and all(isinstance(r, str) and r for r in p["reasons"])
            seen[p["status"]] += 1
        asked = [q["id"] for q in result["questions"]]
        assert not set(asked) & set(answers), "an answered question is asked again"
        seen["questions asked"] += bool(asked)
        seen["unknown in a member"] += has_unknown_member(answers)
        seen["unknown answer"] += UNKNOWN in answers.values()

    check()
    for state in ("applies", "to_check", "questions asked", "unknown in a member", "unknown answer"):
        assert seen[state] > 0, f"no example reached {state!r}: {dict(seen)}"


@st.composite
def less_known(draw, answers):
    """``answers`` with one answer made unknown, one member's field made unknown, or one removed."""
    households = sorted(k for k, v in answers.items()
                        if isinstance(v, list) and any(UNKNOWN not in m.values() for m in v))
    how = draw(st.sampled_from(["unknown", "unanswered", "member"] if households else
                               ["unknown", "unanswered"]))
    key = draw(st.sampled_from(households if how == "member" else sorted(answers)))
    value = answers[key]
    changed = dict(answers)
    if how == "unknown":
        changed[key] = UNKNOWN
    elif how == "unanswered":
        del changed[key]
    else:
        i = draw(st.sampled_from([i for i, m in enumerate(value) if UNKNOWN not in m.values()]))
        field = draw(st.sampled_from(["birth_date", "relationship"]))
        changed[key] = [dict(m, **({field: UNKNOWN} if j == i else {})) for j, m in enumerate(value)]
    return how, changed


def test_knowing_less_never_removes_a_procedure(cat):
    seen = Counter()

    @SETTINGS
    @given(data=st.data())
    def check(data):
        code, answers, on = data.draw(scenario(cat))
        if not answers:
            return
        how, changed = data.draw(less_known(answers))
        before = engine.determine(cat, life_event=code, answers=answers, on=on)
        after = engine.determine(cat, life_event=code, answers=changed, on=on)
        assert shown(before) <= shown(after), (
            f"{how}: {sorted(shown(before) - shown(after))} disappeared")
        seen[how] += 1
        status_before = {p["code"]: p["status"] for p in before["procedures"]}
        status_after = {p["code"]: p["status"] for p in after["procedures"]}
        seen["applies became to_check"] += any(
            s == "applies" and status_after[c] == "to_check" for c, s in status_before.items())
        seen["absent became to_check"] += bool(shown(after) - shown(before))

    check()
    for state in ("unknown", "unanswered", "member", "applies became to_check",
                  "absent became to_check"):
        assert seen[state] > 0, f"no example reached {state!r}: {dict(seen)}"


def test_the_same_answers_give_the_same_result(cat):
    seen = Counter()

    @SETTINGS
    @given(data=st.data())
    def check(data):
        code, answers, on = data.draw(scenario(cat))
        first = engine.determine(cat, life_event=code, answers=answers, on=on)
        shuffled = dict(reversed(list(answers.items())))
        assert engine.determine(cat, life_event=code, answers=shuffled, on=on) == first
        assert engine.determine(cat, life_event=code, answers=answers, on=on) == first
        seen["non-empty"] += bool(first["procedures"])
        seen["to_check"] += any(p["status"] == "to_check" for p in first["procedures"])

    check()
    assert seen["non-empty"] > 0 and seen["to_check"] > 0, dict(seen)
