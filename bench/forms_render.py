"""Printed forms: render the whole PDF set one household needs (住民異動届, 国民健康保険 異動届,
児童手当 認定請求書, 印鑑登録申請書, こども医療費助成 申請書) and time it.

    .venv/bin/python bench/forms_render.py [--rounds 20] [--members 4]

Measured in one process, as a server runs it: the first form including the font's parsing (the
process starts cold: import, 24 MB Noto Serif CJK JP parsed once), then ``rounds`` renders of
the whole set (wall time per set and per form: median, p99) and the PDF sizes. Each render is
``forms.render.render`` exactly as ``GET /api/v1/cases/{code}/forms/{form}.pdf`` calls it
(checks, drawing, font subset, PDF bytes), without HTTP and the print record. Nothing asserts:
it measures and prints (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _common import machine, print_json, summary_ms  # noqa: E402


def household(members: int) -> dict:
    from madoguchi.forms.demo import demo_form_data

    data = demo_form_data(dt.date(2026, 11, 28))
    extra = [{**data["members"][2], "given_name": f"子{i}", "birth_date": f"20{10 + i:02d}-04-0{1 + i % 8}"}
             for i in range(max(0, members - 4))]
    data["members"] = (data["members"] + extra)[:members]
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--members", type=int, default=4)
    args = parser.parse_args()
    started = time.perf_counter()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.test")
    import django

    django.setup()
    from madoguchi.forms import layout, render

    today = dt.date(2026, 11, 28)
    data = household(args.members)
    templates = sorted(layout.installed().values(), key=lambda t: t.code)
    first_start = time.perf_counter()
    first = render.render(templates[0], data, today=today)
    first_s = time.perf_counter() - first_start
    cold_s = time.perf_counter() - started

    per_set, per_form, cpu_set = [], {t.code: [] for t in templates}, []
    sizes, pages = {}, {}
    for _ in range(args.rounds):
        set_start, cpu_start = time.perf_counter(), time.thread_time()
        for t in templates:
            t0 = time.perf_counter()
            out = render.render(t, data, today=today)
            per_form[t.code].append(time.perf_counter() - t0)
            sizes[t.code], pages[t.code] = len(out.pdf), out.pages
        per_set.append(time.perf_counter() - set_start)
        cpu_set.append(time.thread_time() - cpu_start)
    print_json("forms_render", {
        "machine": machine(),
        "members": args.members, "rounds": args.rounds, "forms": [t.code for t in templates],
        "first_form_incl_font_load_s": round(first_s, 3), "first_form_pages": first.pages,
        "process_start_to_first_pdf_s": round(cold_s, 3),
        "set_wall": summary_ms(per_set), "set_cpu": summary_ms(cpu_set),
        "per_form_wall": {code: summary_ms(values) for code, values in per_form.items()},
        "pdf_bytes": sizes, "pages": pages,
    })


if __name__ == "__main__":
    main()
