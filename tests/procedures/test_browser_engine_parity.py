"""The browser's engine (static/madoguchi/procedures/engine.js) decides exactly as the Python one.

The citizen's phone determines procedures itself from the public catalogue JSON (issue 9 §5:
answers never reach the public server); a counter, the kiosk and cases use the Python engine.
A visitor must see the same list on the phone and at the counter, so every catalogue test case
and a few hundred generated answer sets (「わからない」 anywhere, inside household members too)
go through both, and the outputs must be identical, word for word. Below that, single
conditions (a table, and generated ones nesting every operator and macro) must evaluate alike
in the two CEL libraries, where engine.js follows the Python library rather than cel-js.

The page is Debian chromium (Playwright) on a made-up origin whose only files are the project's
static directory: it loads engine.js and the vendored cel-js and nothing else (PageWatch
blocks and reports any other host). The catalogue JSON comes from the real endpoint
(``GET /api/v1/procedures/catalogue?on=``), in process.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import os
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.procedures import catalogue as catalogue_mod
from madoguchi.procedures import selectors

from ..browser.helpers import PageWatch
from ..services_available import CHROMIUM_ARGS, require_chromium
from .helpers import FIXTURES

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "src" / "madoguchi" / "static"
ORIGIN = "http://madoguchi.test"
PAGE = """<!doctype html><meta charset="utf-8"><title>engine parity</title>
<script type="module">
  import * as engine from '/static/madoguchi/procedures/engine.js'
  window.engine = engine
  window.catalogues = {}
</script>"""

# The sample a city starts from, and the engine's fixture catalogues (cel_edges holds the
# conditions where the Python library and cel-js would part if engine.js did not follow the
# library's exists/all).
CATALOGUES = {"sample": catalogue_mod.SAMPLE_DIR,
              **{path.name: path for path in sorted(FIXTURES.iterdir()) if path.is_dir()}}
EXAMPLES = {"sample": 300}  # generated answer sets per catalogue; 150 for each fixture
LANGS = ["ja", "en", "zh-Hans", "ko", "vi", "pt-BR"]
RELATIONSHIPS = ["head", "spouse", "child", "parent", "grandparent", "grandchild", "sibling",
                 "other"]


# ------------------------------------------------------------------ the page


@pytest.fixture(scope="module")
def page():
    """One chromium page with engine.js imported; any request to another host fails the test."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    watch = PageWatch(ORIGIN)

    def serve(route):
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path == "/":
            return route.fulfill(status=200, content_type="text/html", body=PAGE)
        file = (STATIC / path.removeprefix("/static/")).resolve()
        if path.startswith("/static/") and file.is_relative_to(STATIC) and file.is_file():
            kind = "text/javascript" if file.suffix == ".js" else mimetypes.guess_type(file)[0]
            return route.fulfill(status=200, content_type=kind, body=file.read_bytes())
        return route.fulfill(status=404, body="not found")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)

        def open_page(**context_options):
            context = browser.new_context(**context_options)
            watch.attach(context)
            context.route(f"{ORIGIN}/**", serve)
            page = context.new_page()
            watch.watch(page)
            page.goto(f"{ORIGIN}/")
            page.wait_for_function("() => window.engine && window.engine.determine")
            return page

        page = open_page()
        page.open_page = open_page
        yield page
        problems = watch.problems()
        browser.close()
    assert not problems, "the browser saw\n  " + "\n  ".join(problems)


class Engines:
    """One catalogue in service, determined by both engines."""

    def __init__(self, page, name: str, directory: Path):
        self.page = page
        self.name = name
        self.directory = directory
        self.catalogue = catalogue_mod.active()
        self.client = Client()
        self.loaded: set[str] = set()

    def public_json(self, on: str) -> dict:
        response = self.client.get(f"/api/v1/procedures/catalogue?on={on}")
        assert response.status_code == 200, response.content
        return response.json()

    def in_force(self, on: str) -> str:
        """Which dated entries are in force on ``on``: dates with the same ones share one JSON."""
        day = dt.date.fromisoformat(on)
        return "".join("1" if p.in_force(day) else "0" for p in self.catalogue.procedures)

    def js(self, cases: list[dict]) -> list[dict]:
        for case in cases:
            key = self.in_force(case["on"])
            if key not in self.loaded:
                self.page.evaluate("([key, cat]) => { window.catalogues[key] = cat }",
                                   [key, self.public_json(case["on"])])
                self.loaded.add(key)
        return self.page.evaluate(
            "cases => cases.map(c => engine.determine(window.catalogues[c.key], c))",
            [{**c, "key": self.in_force(c["on"])} for c in cases])

    def python(self, case: dict) -> dict:
        result = selectors.determine(life_event=case["life_event"], answers=case["answers"],
                                     on=dt.date.fromisoformat(case["on"]), lang=case["lang"])
        return json.loads(json.dumps(result))  # what the API would send

    def assert_same(self, cases: list[dict]) -> list[dict]:
        results = self.js(cases)
        for case, got in zip(cases, results, strict=True):
            expected = self.python(case)
            assert got == expected, (
                f"the browser's engine differs from the Python engine\n"
                f"answers: {json.dumps(case, ensure_ascii=False)}\n"
                f"python:  {json.dumps(expected, ensure_ascii=False)}\n"
                f"browser: {json.dumps(got, ensure_ascii=False)}")
        return results


@pytest.fixture(scope="module", params=list(CATALOGUES))
def engines(request, page):
    previous = os.environ.get("MADOGUCHI_CATALOGUE_DIR")
    os.environ["MADOGUCHI_CATALOGUE_DIR"] = str(CATALOGUES[request.param])
    catalogue_mod.reset_active()
    try:
        yield Engines(page, request.param, CATALOGUES[request.param])
    finally:
        if previous is None:
            os.environ.pop("MADOGUCHI_CATALOGUE_DIR", None)
        else:
            os.environ["MADOGUCHI_CATALOGUE_DIR"] = previous
        catalogue_mod.reset_active()


# ------------------------------------------------------------------ the catalogue's own tests


def test_every_catalogue_test_case_gives_the_same_result_in_the_browser(engines):
    tests = engines.catalogue.tests
    assert tests, f"{engines.directory} has no test cases"
    cases = [{"life_event": t.spec.life_event, "answers": catalogue_mod.plain_answers(t.spec.answers),
              "on": t.spec.on.isoformat(), "lang": lang}
             for t in tests for lang in ("ja", "en")]
    results = engines.assert_same(cases)
    print(f"\n{engines.name}: {len(tests)} catalogue test cases, ja and en")
    for test, result in zip(tests, results[::2], strict=True):
        status = {p["code"]: p["status"] for p in result["procedures"]}
        spec = test.spec
        assert all(status.get(c) == "applies" for c in spec.applies), (spec.name, status)
        assert all(status.get(c) == "to_check" for c in spec.to_check), (spec.name, status)
        assert not any(c in status for c in spec.absent), (spec.name, status)


def test_without_a_date_the_phone_determines_on_today_in_japan(engines):
    """A phone set to another time zone (a resident back from abroad, a visitor's own phone)
    still determines on today's date in Japan, as the server does (ages and deadlines)."""
    utc = dt.datetime.now(dt.UTC)
    japan = (utc + dt.timedelta(hours=9)).date()
    # UTC+14 has another date than Japan from 10:00 to 15:00 UTC, UTC-11 the rest of the day.
    zone, offset = ("Pacific/Kiritimati", 14) if 10 <= utc.hour < 15 else ("Pacific/Pago_Pago", -11)
    assert (utc + dt.timedelta(hours=offset)).date() != japan
    page = engines.page.open_page(timezone_id=zone)
    event = next(iter(engines.catalogue.life_events.values()))
    query = {"life_event": event.code, "answers": {}, "lang": "ja"}
    catalogue = engines.public_json(japan.isoformat())
    got = page.evaluate("([cat, q]) => engine.determine(cat, q)", [catalogue, query])
    local = page.evaluate("() => new Date().toLocaleDateString('sv')")  # YYYY-MM-DD, phone's zone
    assert local != japan.isoformat()
    assert got["on"] == japan.isoformat()
    expected = engines.python({**query, "on": japan.isoformat()})
    assert got == expected
    page.context.close()


# ------------------------------------------------------------------ generated answers


def dates_around(on: dt.date):
    """Dates that cross the catalogue's thresholds: birthdays and April 1 near ``on``, any day."""
    years = st.one_of(st.integers(0, 20), st.integers(0, 100))  # children more often
    near = st.builds(lambda years, days: _shift(on, years, days), years, st.integers(-3, 3))
    april = st.builds(lambda years, day: _april(on, years, day),
                      st.integers(0, 100), st.sampled_from([31, 1, 2]))
    anyday = st.dates(dt.date(1920, 1, 1), dt.date(2035, 12, 31))
    return st.one_of(near, april, anyday).map(dt.date.isoformat)


def _shift(on: dt.date, years: int, days: int) -> dt.date:
    try:
        base = on.replace(year=on.year - years)
    except ValueError:  # 29 February
        base = on.replace(year=on.year - years, day=28)
    return base + dt.timedelta(days=days)


def _april(on: dt.date, years: int, day: int) -> dt.date:
    return dt.date(on.year - years, 3, 31) if day == 31 else dt.date(on.year - years, 4, day)


def or_unknown(strategy, one_in: int = 2):
    """``strategy``, or "unknown" about once in ``one_in`` draws."""
    return st.integers(1, one_in).flatmap(lambda n: st.just("unknown") if n == 1 else strategy)


def answer_for(question, on: dt.date):
    kind = question.type
    if kind == "yes_no":
        return or_unknown(st.booleans())
    if kind == "choice":
        return or_unknown(st.sampled_from([c.value for c in question.choices]))
    if kind == "number":
        return or_unknown(st.one_of(st.integers(0, 5), st.integers(-10**9, 10**9)))
    if kind == "date":
        moves = st.builds(lambda d: on + dt.timedelta(days=d), st.integers(-40, 40))
        return or_unknown(st.one_of(moves, st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)))
                          .map(dt.date.isoformat))
    member = st.fixed_dictionaries({
        "relationship": or_unknown(st.sampled_from(RELATIONSHIPS), 8),
        "birth_date": or_unknown(dates_around(on), 5),
    })
    return or_unknown(st.lists(member, max_size=7), 6)


@st.composite
def answer_sets(draw, catalogue):
    event = draw(st.sampled_from(list(catalogue.life_events.values())))
    on = draw(st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31)))
    answers = {}
    for qid in event.questions:
        if draw(st.integers(0, 9)) == 0:
            continue  # not answered (yet)
        answers[qid] = draw(answer_for(catalogue.questions[qid], on))
    # answers the navigator kept from another life event chosen first
    for qid in draw(st.lists(st.sampled_from(sorted(catalogue.questions)), max_size=2)):
        answers.setdefault(qid, draw(answer_for(catalogue.questions[qid], on)))
    return {"life_event": event.code, "answers": answers, "on": on.isoformat(),
            "lang": draw(st.sampled_from(LANGS))}


def test_generated_answers_give_the_same_result_in_the_browser(engines):
    cat = engines.catalogue
    seen = Counter()

    @settings(max_examples=EXAMPLES.get(engines.name, 150), deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(case=answer_sets(cat))
    def check(case):
        (result,) = engines.assert_same([case])
        status = {p["code"]: p["status"] for p in result["procedures"]}
        possible = {p.code for p in cat.procedures_for(case["life_event"],
                                                       dt.date.fromisoformat(case["on"]))}
        seen["applies"] += "applies" in status.values()
        seen["to_check"] += "to_check" in status.values()
        seen["absent"] += bool(possible - set(status))
        seen["questions"] += bool(result["questions"])
        partial = {qid for qid, v in case["answers"].items()
                   if isinstance(v, list) and any("unknown" in m.values() for m in v)}
        if partial:
            # procedures over a household with an unknown birth date or relationship
            over = [p.code for p in cat.procedures_for(case["life_event"],
                                                       dt.date.fromisoformat(case["on"]))
                    if partial & set(p.condition.questions)]
            seen["unknown_in_member"] += 1
            seen["unknown_in_member_to_check"] += any(status.get(c) == "to_check" for c in over)
            seen["unknown_in_member_decided"] += any(status.get(c) != "to_check" for c in over)
        seen["sets"] += 1

    check()
    print(f"\n{engines.name}: {dict(seen)}")
    for state in ("applies", "to_check", "absent", "questions", "unknown_in_member",
                  "unknown_in_member_to_check", "unknown_in_member_decided"):
        assert seen[state] >= 5, f"the generated answers reached {state!r} only {seen[state]} times: {seen}"


# ------------------------------------------------------------------ the two CEL libraries

EXPRESSIONS = [
    # errors and the logical operators
    "true || x", "x || true", "false && x", "x && false", "x || false", "!x", "x ? true : false",
    "has_car || dogs > 0", "has_car && dogs > 0", "!(has_car && dogs > 0) || before(move_date, on)",
    # registered functions; "unknown" and non-dates are errors
    "age(birth) >= 18", "age_fy(birth) <= 18", "days_between(move_date, on) <= 14",
    "before(move_date, on)", "age('unknown') > 1 || true", "age('2026-02-30') > 1",
    "age('20261201') > 1", "age(dogs) > 1",
    # quantifiers over members with unknown fields, in different orders
    "household.exists(m, age(m.birth_date) < 3)", "household.all(m, age(m.birth_date) >= 18)",
    "household.exists(m, m.relationship == 'child' && age_fy(m.birth_date) <= 14)",
    "household.exists(m, age(m.birth_date) < 18 || dogs > 0)",
    "household.all(m, age(m.birth_date) >= 18 && has_car)",
    "household.exists_one(m, m.relationship == 'head')",
    "household.filter(m, age(m.birth_date) < 18).size() >= 2",
    "household.map(m, age(m.birth_date)).exists(a, a >= 65)",
    "household.exists(m, household.exists(n, days_between(m.birth_date, n.birth_date) > 365))",
    "!household.exists(m, age(m.birth_date) >= 65) ? dogs > 0 : has_car",
    "size(household) > 2", "household[0].relationship == 'head'", "household[5].relationship == 'x'",
    # the standard functions the loader allows, numbers and strings
    "dogs == 2", "dogs > 1.5", "dogs == 2.0", "double(dogs) / 2.0 > 0.5", "dogs / 2 == 1",
    "dogs % 2 == 0", "dogs + 1 > 2", "int('3') == 3", "string(dogs) == '2'", "bool('true')",
    "insurance in ['kokuho', 'shaho']", "insurance.startsWith('ko')", "insurance.endsWith('ho')",
    "insurance.contains('ok')", "insurance.matches('^k.*o$')", "size(insurance) == 6",
    "move_date < on", "move_date >= '2026-01-01'", "on == '2026-12-01'",
    "dogs", "insurance", "1 / 0 > 1 || true", "1 / 0 > 1",
    "dogs == 'x'", "insurance == 1", "has_car == 1", "dogs in [1, 2]", "insurance in ['a', 1]",
    "insurance in {'kokuho': 1}", "-dogs < 0", "dogs * 1000000000 * 1000000000 > 0",
    "9223372036854775807 + dogs > 0", "'あ' < 'い'", "insurance < 'l'", "[dogs, 1][0] == dogs",
    "{'a': dogs}.a == dogs", "household.exists(m, m.relationship in ['head', 'spouse'])",
]
ON = "2026-12-01"
MEMBERS = [{"relationship": "head", "birth_date": "1985-04-02"},
           {"relationship": "child", "birth_date": "2024-06-01"},
           {"relationship": "parent", "birth_date": "1950-01-10"},
           {"birth_date": "2015-03-03"},           # relationship "unknown" (left out)
           {"relationship": "spouse"}]             # birth date "unknown" (left out)
VARIABLE_SETS = [
    {},
    {"has_car": True, "dogs": 2, "insurance": "kokuho", "move_date": "2026-11-20",
     "birth": "2008-12-01", "household": MEMBERS[:3]},
    {"has_car": False, "dogs": 0, "insurance": "shaho", "move_date": "2026-12-05",
     "birth": "2008-04-01", "household": MEMBERS[::-1]},
    {"dogs": 3, "birth": "unknown", "household": [MEMBERS[4], MEMBERS[1], MEMBERS[0]]},
    {"has_car": True, "household": [MEMBERS[0], MEMBERS[3], MEMBERS[1]]},
    {"household": []},
]


def test_conditions_evaluate_alike_in_both_cel_libraries(page):
    """Condition by condition: the Python library (``common-expression-language``) and
    engine.js (cel-js plus its own ``||``/``&&``/``!``/``?:``/``exists``/``all``) give the same
    true / false / undecided, including where the Python library's quantifiers stop at the
    first member in error and cel-js alone would not."""
    import cel

    from madoguchi.procedures.conditions import Compiled, functions_for

    on = dt.date.fromisoformat(ON)
    differ = []
    for variables in VARIABLE_SETS:
        context = cel.Context(variables={**variables, "on": ON}, functions=functions_for(on))
        got = page.evaluate(
            "([exprs, vars, on]) => exprs.map(e => engine.evaluateCondition(e, vars, on))",
            [EXPRESSIONS, variables, ON])
        for source, js in zip(EXPRESSIONS, got, strict=True):
            python = Compiled(source, cel.compile(source), ()).evaluate(context)
            if python != js:
                differ.append(f"{source!r} with {variables}: python {python}, browser {js}")
    assert not differ, "\n".join(differ)


@st.composite
def conditions(draw, depth=0, members=()):
    """A random condition over the variables of VARIABLE_SETS: logical operators, quantifiers
    and the other macros nested in each other and under comparisons, list literals and calls;
    inside a macro the member (``m``, then ``n``) is in scope."""
    atoms = ["true", "false", "has_car", "dogs > 1", "insurance == 'kokuho'",
             "before(move_date, on)", "age(birth) >= 18", "dogs", "1 / 0 > 0",
             "size(household) > 1"]
    for v in members:
        atoms += [f"age({v}.birth_date) < 18", f"{v}.relationship == 'child'",
                  f"days_between({v}.birth_date, move_date) > 0", f"age_fy({v}.birth_date) >= 65"]
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(atoms))
    sub = lambda: draw(conditions(depth + 1, members))  # noqa: E731
    shape = draw(st.sampled_from(["||", "&&", "!", "?:", "==", "exists", "all", "exists", "all",
                                  "exists_one", "filter", "map", "list"]))
    if shape in ("||", "&&"):
        return f"({sub()} {shape} {sub()})"
    if shape == "!":
        return f"!({sub()})"
    if shape == "?:":
        return f"({sub()} ? {sub()} : {sub()})"
    if shape == "==":
        return f"({sub()} {draw(st.sampled_from(['==', '!=']))} {draw(st.sampled_from(['true', 'false']))})"
    if shape == "list":
        return f"[{sub()}, true][0]"
    var = "mn"[len(members)] if len(members) < 2 else None
    if var is None:
        return sub()
    inner = draw(conditions(depth + 1, (*members, var)))
    if shape == "filter":
        return f"household.filter({var}, {inner}).size() >= 1"
    if shape == "map":
        return f"household.map({var}, {inner}).exists(x, x)"
    return f"household.{shape}({var}, {inner})"


def test_generated_conditions_evaluate_alike_in_both_cel_libraries(page):
    import cel

    from madoguchi.procedures.conditions import Compiled, functions_for

    on = dt.date.fromisoformat(ON)
    seen = Counter()

    @settings(max_examples=600, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(source=conditions(), variables=st.sampled_from(VARIABLE_SETS))
    def check(source, variables):
        context = cel.Context(variables={**variables, "on": ON}, functions=functions_for(on))
        python = Compiled(source, cel.compile(source), ()).evaluate(context)
        js = page.evaluate("([e, vars, on]) => engine.evaluateCondition(e, vars, on)",
                           [source, variables, ON])
        assert js == python, f"{source} with {variables}"
        seen[python] += 1
        seen["quantifier"] += "household." in source

    check()
    print(f"\ngenerated conditions: {dict(seen)}")
    assert min(seen[True], seen[False], seen[None], seen["quantifier"]) >= 20, seen
