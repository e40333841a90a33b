"""How big is the hand-over QR code? Version (level M, alphanumeric mode) and byte counts.

For each life event of the catalogue (default: the sample, or MADOGUCHI_CATALOGUE_DIR or
--catalogue DIR) it builds the largest answer set the navigator can produce: every question
of the life event answered, with the longest value its type allows (the longest choice,
``false`` over ``true``, a household of --members people), seals it exactly as the browser
does (HPKE to a fresh P-256 key, raw deflate at zlib's default level like
CompressionStream, base45) and reports the QR version segno picks at level M.

It also reports a placeholder of issue 10's payload (書かない forms): the same navigator
answers plus names, furigana, birth dates, sex and relationship of each member, the old and
new address and a phone number — for households of 1 to 8 people.

Usage: python bench/handover_qr.py [--catalogue DIR] [--members 6] [--browser]

``--browser`` also deflates each case's JSON in Debian chromium (CompressionStream
"deflate-raw", what seal.js does) and prints both byte counts, to show the Python figures
are the browser's.

Not a test: it measures and prints (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
from pathlib import Path

import segno
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from madoguchi.handover import envelope  # noqa: E402
from madoguchi.handover.keystore import generate  # noqa: E402

RELATIONSHIPS = ["head", "spouse", "child", "child", "parent", "parent", "grandchild", "sibling"]
BIRTH_DATES = ["1985-04-02", "1987-09-30", "2016-01-20", "2023-05-05", "1956-01-10",
               "1958-12-03", "2026-10-01", "1990-07-15"]
# Issue 10's members: 異体字 included (髙, 﨑, 𠮷 are 3-4 bytes each in UTF-8).
NAMES = [("髙橋 太郎", "たかはし たろう", "m"), ("髙橋 花子", "たかはし はなこ", "f"),
         ("髙橋 𠮷男", "たかはし よしお", "m"), ("髙橋 﨑美", "たかはし さきみ", "f"),
         ("山﨑 正一", "やまさき しょういち", "m"), ("山﨑 和子", "やまさき かずこ", "f"),
         ("髙橋 陽向", "たかはし ひなた", "m"), ("髙橋 美咲", "たかはし みさき", "f")]


def household(members: int) -> list[dict]:
    return [{"relationship": RELATIONSHIPS[i], "birth_date": BIRTH_DATES[i]} for i in range(members)]


def largest_value(question: dict, members: int):
    kind = question["type"]
    if kind == "yes_no":
        return False
    if kind == "choice":
        return max((c["value"] for c in question["choices"]), key=len)
    if kind == "number":
        return 99
    if kind == "date":
        return "2026-11-20"
    if kind == "household":
        return household(members)
    raise ValueError(kind)


def navigator_content(life_event: str, answers: dict) -> dict:
    created = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    return {"v": 1, "kind": "navigator", "office": "demo", "created_at": created.strftime(iso),
            "expires_at": (created + dt.timedelta(days=7)).strftime(iso), "life_event": life_event,
            "answers": answers, "on": "2026-11-28", "lang": "pt_BR"}


def form_placeholder(members: int) -> dict:
    """A guess at issue 10's form part, to see whether it fits one code."""
    people = [{"name": NAMES[i][0], "kana": NAMES[i][1], "birth_date": BIRTH_DATES[i],
               "sex": NAMES[i][2], "relationship": RELATIONSHIPS[i], "head": i == 0}
              for i in range(members)]
    return {"move_date": "2026-11-20", "phone": "090-1234-5678", "members": people,
            "old_address": {"postcode": "1000001", "prefecture": "東京都", "city": "千代田区",
                            "town": "千代田", "block": "1丁目1番1号",
                            "building": "千代田グランドハイツ 1203号室"},
            "new_address": {"postcode": "9208577", "prefecture": "石川県", "city": "金沢市",
                            "town": "広坂", "block": "1丁目1番1号",
                            "building": "広坂レジデンス 305号室"}}


def measure(content: dict, public_key) -> dict:
    text = envelope.seal(content, kid="00c0ffee", public_key=public_key)
    qr = segno.make(text, error="m", mode="alphanumeric", boost_error=False)
    raw_json = envelope.compact_json(content)
    return {"json": len(raw_json), "deflated": len(envelope.deflate_raw(raw_json)),
            "envelope": (len(text) - len(envelope.PREFIX)) // 3 * 2, "chars": len(text),
            "version": qr.version, "modules": qr.symbol_size(border=0)[0]}


def browser_deflated(contents: list[dict]) -> list[int]:
    """Deflated sizes of the contents' compact JSON as chromium's CompressionStream makes them."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content("<p>bench</p>")
            return [page.evaluate("""async (s) => {
                const stream = new Blob([new TextEncoder().encode(s)]).stream()
                  .pipeThrough(new CompressionStream("deflate-raw"));
                return (await new Response(stream).arrayBuffer()).byteLength; }""",
                envelope.compact_json(c).decode()) for c in contents]
        finally:
            browser.close()


def row(name: str, m: dict) -> str:
    return (f"| {name} | {m['json']} | {m['deflated']} | {m['envelope']} | {m['chars']} | "
            f"{m['version']} | {m['modules']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", default=os.environ.get("MADOGUCHI_CATALOGUE_DIR") or str(
        ROOT / "src/madoguchi/procedures/catalogue"))
    parser.add_argument("--members", type=int, default=6)
    parser.add_argument("--browser", action="store_true",
                        help="compare the deflated sizes with chromium's CompressionStream")
    args = parser.parse_args()
    directory = Path(args.catalogue)
    questions = {q["id"]: q for q in yaml.safe_load(
        (directory / "questions.yaml").read_text())["questions"]}
    life_events = yaml.safe_load((directory / "life_events.yaml").read_text())["life_events"]
    public_key = generate().public_key()

    print(f"# hand-over QR sizes — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
          f"{platform.python_version()}, segno {segno.__version__}, catalogue {directory}")
    print(f"# every question of the life event answered, household of {args.members}; "
          "level M, alphanumeric mode\n")
    header = ("| case | JSON bytes | deflated | envelope bytes | QR characters | version (M) | "
              "modules |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(header)
    results, contents = [], []
    for event in life_events:
        answers = {qid: largest_value(questions[qid], args.members) for qid in event["questions"]}
        contents.append(navigator_content(event["code"], answers))
        m = measure(contents[-1], public_key)
        results.append((event["code"], len(answers), m))
        print(row(f"navigator {event['code']} ({len(answers)} answers)", m))
    everything = {qid: largest_value(q, args.members) for qid, q in questions.items()}
    print(row(f"navigator, all {len(everything)} questions at once (upper bound)",
              measure(navigator_content("tennyu", everything), public_key)))
    worst = max(results, key=lambda r: r[2]["chars"])
    print(f"\nlargest navigator answer set: {worst[0]} ({worst[1]} answers) -> version "
          f"{worst[2]['version']}-M, {worst[2]['chars']} characters\n")

    print("issue 10 placeholder: the largest navigator answers above + a form part "
          "(names, furigana, addresses, phone)\n")
    print(header)
    base = {qid: largest_value(questions[qid], args.members)
            for qid in next(e for e in life_events if e["code"] == worst[0])["questions"]}
    for members in range(1, 9):
        answers = dict(base, household=household(members)) if "household" in base else base
        content = dict(navigator_content(worst[0], answers), form=form_placeholder(members))
        contents.append(content)
        print(row(f"navigator + form, household of {members}", measure(content, public_key)))
    if args.browser:
        python = [len(envelope.deflate_raw(envelope.compact_json(c))) for c in contents]
        chromium = browser_deflated(contents)
        same = sum(p == c for p, c in zip(python, chromium, strict=True))
        print(f"\nchromium CompressionStream('deflate-raw') vs Python zlib (default level): "
              f"{same} of {len(python)} cases the same size; python {python}, chromium {chromium}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
