"""Procedure determination in the browser: engine.js over the sample catalogue in Debian chromium.

Usage::

    .venv/bin/python bench/determine_browser.py                  # 2,000 determinations per household
    .venv/bin/python bench/determine_browser.py --runs 5000

The citizen's phone determines procedures itself (issue 9 §5). This measures what the phone
does after each answer: ``determine(catalogue, {life_event: "tennyu", answers, on})`` for one
household over the sample catalogue's public JSON (every 転入 procedure's CEL condition), in
headless chromium (Playwright), timed inside the page with ``performance.now()``. The page is
served cross-origin isolated (COOP/COEP on http://localhost, a secure context), which gives
``performance.now()`` 5 µs resolution instead of 100 µs.

Three figures per household: the first call (cel-js parses every condition: what a phone pays
once after loading the catalogue), then ``--runs`` calls one by one (median, p99, max), and the
mean over the same number of calls in one loop (no timer overhead).

Households: a family (head 41, spouse 39, a 3-year-old, a 70-year-old) answering every 転入
question, and the same family with the 70-year-old's birth date 「わからない」 and every third
answer unknown (more conditions end in an error; members are reordered and evaluated again).

Benchmarks measure and print; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _common import machine, print_json, static_page_server  # noqa: E402

STATIC = ROOT / "src" / "madoguchi" / "static"
ORIGIN = "http://localhost"
CHROMIUM = os.environ.get("MADOGUCHI_TEST_CHROMIUM", "/usr/bin/chromium")
ON = "2026-12-01"
FAMILY = [{"relationship": "head", "birth_date": "1985-04-02"},
          {"relationship": "spouse", "birth_date": "1987-09-10"},
          {"relationship": "child", "birth_date": "2023-05-05"},
          {"relationship": "parent", "birth_date": "1956-01-10"}]
PAGE = """<!doctype html><meta charset="utf-8"><title>determine bench</title>
<script type="module">
  import * as engine from '/static/madoguchi/procedures/engine.js'
  window.engine = engine
</script>"""

MEASURE = """([catalogue, query, runs]) => {
  const t0 = performance.now()
  const first = engine.determine(catalogue, query)
  const firstMs = performance.now() - t0
  const times = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    engine.determine(catalogue, query)
    times.push(performance.now() - t)
  }
  const t1 = performance.now()
  for (let i = 0; i < runs; i++) engine.determine(catalogue, query)
  const loopMs = (performance.now() - t1) / runs
  times.sort((a, b) => a - b)
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))]
  return {first_call_ms: firstMs, median_ms: at(0.5), p99_ms: at(0.99), max_ms: times[times.length - 1],
          mean_in_loop_ms: loopMs, procedures: first.procedures.length,
          to_check: first.procedures.filter((p) => p.status === 'to_check').length,
          questions: first.questions.length, isolated: crossOriginIsolated}
}"""


def public_catalogue() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.test")  # no secrets needed
    import datetime as dt

    import django

    django.setup()
    from madoguchi.procedures import selectors

    return json.loads(json.dumps(selectors.public_catalogue(dt.date.fromisoformat(ON))))


def answers_for(catalogue: dict, *, unknown_every: int) -> dict:
    """An answer to every 転入 question (yes_no: yes, choice: the first, dates: the move date)."""
    questions = {q["id"]: q for q in catalogue["questions"]}
    tennyu = next(e for e in catalogue["life_events"] if e["code"] == "tennyu")
    answers = {}
    for n, qid in enumerate(tennyu["questions"], 1):
        kind = questions[qid]["type"]
        if kind == "household":
            answers[qid] = FAMILY if not unknown_every else \
                [*FAMILY[:3], {"relationship": "parent", "birth_date": "unknown"}]
        elif unknown_every and n % unknown_every == 0:
            answers[qid] = "unknown"
        else:
            answers[qid] = {"yes_no": True, "number": 1, "date": "2026-11-28",
                            "choice": (questions[qid]["choices"] or [{}])[0].get("value")}[kind]
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()

    catalogue = public_catalogue()
    households = {"family, every question answered": answers_for(catalogue, unknown_every=0),
                  "family, 70-year-old's birth date and every third answer unknown":
                      answers_for(catalogue, unknown_every=3)}

    from playwright.sync_api import sync_playwright

    serve = static_page_server(ORIGIN, PAGE, STATIC)

    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        version = browser.version
        for name, answers in households.items():
            context = browser.new_context()
            context.route(f"{ORIGIN}/**", serve)
            page = context.new_page()
            page.goto(f"{ORIGIN}/")
            page.wait_for_function("() => window.engine && window.engine.determine")
            query = {"life_event": "tennyu", "answers": answers, "on": ON, "lang": "ja"}
            results[name] = page.evaluate(MEASURE, [catalogue, query, args.runs])
            context.close()
        browser.close()
    tennyu_procedures = sum("tennyu" in p["life_events"] for p in catalogue["procedures"])
    print_json("determine in chromium (engine.js, sample catalogue, 転入)", {
        "machine": {**machine(), "chromium": version},
        "command": "bench/determine_browser.py " + " ".join(sys.argv[1:]),
        "catalogue": {"version": catalogue["version"], "procedures_in_force": len(catalogue["procedures"]),
                      "tennyu_conditions": tennyu_procedures},
        "runs": args.runs,
        "results": {k: {m: round(v, 4) if isinstance(v, float) else v for m, v in r.items()}
                    for k, r in results.items()},
    })


if __name__ == "__main__":
    main()
