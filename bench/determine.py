"""Determination for one household over the whole catalogue: median and p99 per call.

    .venv/bin/python bench/determine.py [--dir CATALOGUE] [--n 3000] [--seed 9]

Answer sets are random but seeded: for every life event of the catalogue, households of one to
six members of every age, every other question answered, left unanswered or 「わからない」 (one in
five). Each call is ``selectors.determine`` as the API runs it (catalogue in service, answers
checked, every in-force procedure of the life event evaluated, open questions computed), in
Japanese and one other language. Wall time and the thread's CPU time are both given: on a
shared machine the wall-time tail is mostly waiting for a core. Also measured: loading (and compiling) the catalogue, and the
public JSON the browser fetches. Nothing asserts: it measures and prints (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _common import machine, print_json, summary_ms  # noqa: E402

RELATIONSHIPS = ["head", "spouse", "child", "parent", "grandparent", "grandchild", "sibling", "other"]


def random_answers(rng: random.Random, cat, life_event: str | None, on: dt.date) -> dict:
    """Answers to the questions of ``life_event`` (None: to every question of the catalogue)."""
    answers = {}
    for qid in (cat.life_events[life_event].questions if life_event else cat.questions):
        q = cat.questions[qid]
        roll = rng.random()
        if roll < 0.15:
            continue                      # not answered yet
        if roll < 0.30:
            answers[qid] = "unknown"      # 「わからない」
            continue
        if q.type == "yes_no":
            answers[qid] = rng.random() < 0.5
        elif q.type == "choice":
            answers[qid] = rng.choice(q.choices).value
        elif q.type == "number":
            answers[qid] = rng.randint(0, 3)
        elif q.type == "date":
            answers[qid] = (on - dt.timedelta(days=rng.randint(0, 30))).isoformat()
        else:
            members = []
            for i in range(rng.randint(1, 6)):
                born = on - dt.timedelta(days=rng.randint(0, 95 * 365))
                members.append({
                    "relationship": "head" if i == 0 else rng.choice(RELATIONSHIPS),
                    "birth_date": "unknown" if rng.random() < 0.1 else born.isoformat()})
            answers[qid] = members
    return answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default=None, help="catalogue directory (default: the sample)")
    parser.add_argument("--n", type=int, default=3000, help="timed determinations")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    if args.dir:
        os.environ["MADOGUCHI_CATALOGUE_DIR"] = args.dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.test")
    import django

    django.setup()
    from madoguchi.procedures import catalogue, selectors

    loads = []
    for _ in range(5):
        t = time.perf_counter()
        cat = catalogue.load(catalogue.configured_dir())
        loads.append(time.perf_counter() - t)
    on = dt.date(2026, 12, 1)
    rng = random.Random(args.seed)
    events = sorted(cat.life_events)
    cases = [(e, random_answers(rng, cat, e, on), rng.choice(["ja", "en", "vi", "pt_BR"]))
             for e in (rng.choice(events) for _ in range(args.n))]
    for event, answers, lang in cases[:200]:  # warm up (catalogue in service, translations)
        selectors.determine(life_event=event, answers=answers, on=on, lang=lang)
    timings, cpu, by_event, statuses = [], [], {}, {"applies": 0, "to_check": 0}
    for event, answers, lang in cases:
        c = time.thread_time()
        t = time.perf_counter()
        result = selectors.determine(life_event=event, answers=answers, on=on, lang=lang)
        elapsed = time.perf_counter() - t
        cpu.append(time.thread_time() - c)
        timings.append(elapsed)
        by_event.setdefault(event, []).append(elapsed)
        for p in result["procedures"]:
            statuses[p["status"]] += 1
    # The whole catalogue: one household answering every question, determined for every life
    # event in turn (every entry in force evaluated once).
    whole = []
    for _ in range(max(200, args.n // 10)):
        answers = random_answers(rng, cat, None, on)
        t = time.perf_counter()
        for event in events:
            selectors.determine(life_event=event, answers=answers, on=on, lang="ja")
        whole.append(time.perf_counter() - t)
    t = time.perf_counter()
    public = selectors.public_catalogue(on)
    public_s = time.perf_counter() - t
    print_json("machine", machine())
    print_json("catalogue", {"dir": str(cat.directory), "life_events": len(cat.life_events),
                             "questions": len(cat.questions), "procedures": len(cat.codes),
                             "dated_entries": len(cat.procedures),
                             "load_and_compile": summary_ms(loads),
                             "public_json_kb": round(len(json.dumps(public, ensure_ascii=False)
                                                         .encode()) / 1024, 1),
                             "public_json_build_ms": round(public_s * 1000, 2)})
    print_json("determine (one household, whole catalogue of its life event)", {
        "all": summary_ms(timings),
        "all_cpu_time": summary_ms(cpu),
        "by_life_event": {e: summary_ms(v) for e, v in sorted(by_event.items())},
        "every_life_event_in_turn": summary_ms(whole),
        "procedures_listed": statuses})


if __name__ == "__main__":
    main()
