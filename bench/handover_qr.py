"""How big is the hand-over QR code? Version (level M, alphanumeric mode) and byte counts.

For each life event of the catalogue (default: the sample, or MADOGUCHI_CATALOGUE_DIR or
--catalogue DIR) it builds the largest answer set the navigator can produce: every question
of the life event answered, with the longest value its type allows (the longest choice,
``false`` over ``true``, a household of --members people), seals it exactly as the browser
does (HPKE to a fresh P-256 key, raw deflate at zlib's default level like
CompressionStream, base45) and reports the QR version segno picks at level M.

It also reports issue 10's payload (書かない forms): the same navigator answers plus a real
move form (``forms.data.MoveForm``, validated and normalised as the counter opens it: names
with 髙, 﨑 and 𠮷, katakana furigana, birth dates, sex, relationship, head flag, old and new
address with building names, phone) for households of 1 to 8 people, and how many codes the
phone shows (one up to version 25-M, else ``MD1.<n>/<m>:`` parts, envelope.split).

Usage: python bench/handover_qr.py [--catalogue DIR] [--members 6] [--browser] [--encrypt N]

``--browser`` also deflates each case's JSON in Debian chromium (CompressionStream
"deflate-raw", what seal.js does) and prints both byte counts, to show the Python figures
are the browser's. ``--encrypt N`` times seal.js's ``sealHandover`` (deflate, HPKE seal,
base45, split, QR drawing) in chromium N times per household size (median, p99), and
``sealText`` alone (no QR), the files served from src/madoguchi/static as the page loads them.

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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import static_page_server  # noqa: E402
from madoguchi.forms.data import navigator_answers, validate  # noqa: E402
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


KANA = [("たかはし", "たろう"), ("たかはし", "はなこ"), ("たかはし", "よしお"), ("たかはし", "さきみ"),
        ("やまさき", "しょういち"), ("やまさき", "かずこ"), ("たかはし", "ひなた"), ("たかはし", "みさき")]
SEX = {"m": "male", "f": "female"}


def move_form(members: int) -> dict:
    """A real MoveForm (issue 10) for a household of ``members``, as the counter opens it."""
    people = []
    for i in range(members):
        family, given = NAMES[i][0].split(" ")
        people.append({"family_name": family, "given_name": given, "family_kana": KANA[i][0],
                       "given_kana": KANA[i][1], "birth_date": BIRTH_DATES[i],
                       "sex": SEX[NAMES[i][2]], "relationship": RELATIONSHIPS[i], "is_head": i == 0})
    form = {"kind": "tennyu", "move_date": dt.date.today().isoformat(), "phone": "090-1234-5678",
            "members": people,
            "old_address": {"postcode": "1000001", "prefecture": "東京都", "city": "千代田区",
                            "town": "千代田", "banchi": "1丁目1番1号",
                            "building": "千代田グランドハイツ 1203号室"},
            "new_address": {"postcode": "9208577", "prefecture": "石川県", "city": "金沢市",
                            "town": "広坂", "banchi": "1丁目1番1号",
                            "building": "広坂レジデンス 305号室"}}
    return validate(form).model_dump(mode="json")


def measure(content: dict, public_key) -> dict:
    text = envelope.seal(content, kid="00c0ffee", public_key=public_key)
    qr = segno.make(text, error="m", mode="alphanumeric", boost_error=False)
    raw_json = envelope.compact_json(content)
    parts = envelope.split(text)
    part_versions = [segno.make(p, error="m", mode="alphanumeric", boost_error=False).version
                     for p in parts]
    return {"json": len(raw_json), "deflated": len(envelope.deflate_raw(raw_json)),
            "envelope": (len(text) - len(envelope.PREFIX)) // 3 * 2, "chars": len(text),
            "version": qr.version, "modules": qr.symbol_size(border=0)[0],
            "codes": len(parts), "code_versions": part_versions}


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


SEAL_PAGE = """<!doctype html><meta charset="utf-8"><title>seal bench</title>
<script type="module">
  import * as seal from '/static/madoguchi/handover/seal.js'
  window.seal = seal
</script>"""

SEAL_MEASURE = """async ([key, content, runs]) => {
  const keys = [{...key, office: "demo"}]
  const { v, kind, office, created_at, expires_at, ...rest } = content
  const stats = (times) => {
    times.sort((a, b) => a - b)
    return {median: times[Math.floor(times.length / 2)], p99: times[Math.min(times.length - 1,
            Math.floor(times.length * 0.99))], max: times[times.length - 1]}
  }
  const whole = [], text = []
  let codes = 0
  for (let i = 0; i < runs; i++) {
    let t = performance.now()
    const made = await seal.sealHandover(keys, "demo", rest)
    whole.push(performance.now() - t)
    codes = made.parts.length
    t = performance.now()
    await seal.sealText(keys[0], content)
    text.push(performance.now() - t)
  }
  return {sealHandover: stats(whole), sealText: stats(text), codes}
}"""


def encrypt_in_browser(contents: list[dict], runs: int, public_key) -> None:
    """seal.js in Debian chromium: what the citizen's phone does when it shows the QR code."""
    from cryptography.hazmat.primitives import serialization
    from playwright.sync_api import sync_playwright

    from madoguchi.handover.keystore import b64url

    static = ROOT / "src" / "madoguchi" / "static"
    origin = "http://localhost"
    raw = public_key.public_bytes(serialization.Encoding.X962,
                                  serialization.PublicFormat.UncompressedPoint)
    key = {"kid": "00c0ffee", "public_key": b64url(raw), "expires_at": None}

    serve = static_page_server(origin, SEAL_PAGE, static)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context()
            context.route(f"{origin}/**", serve)
            page = context.new_page()
            page.goto(f"{origin}/")
            page.wait_for_function("() => window.seal && window.seal.sealHandover")
            print(f"\nencrypt in the browser (chromium {browser.version}, {runs} runs each, "
                  "performance.now(), cross-origin isolated): ms\n")
            print("| household | codes | sealHandover median | p99 | max | sealText median | p99 |\n"
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for content in contents:
                r = page.evaluate(SEAL_MEASURE, [key, content, runs])
                w, t = r["sealHandover"], r["sealText"]
                print(f"| {len(content['form']['members'])} | {r['codes']} | {w['median']:.2f} | "
                      f"{w['p99']:.2f} | {w['max']:.2f} | {t['median']:.2f} | {t['p99']:.2f} |")
        finally:
            browser.close()


def row(name: str, m: dict) -> str:
    return (f"| {name} | {m['json']} | {m['deflated']} | {m['envelope']} | {m['chars']} | "
            f"{m['version']} | {m['modules']} | {m['codes']} ({'+'.join(map(str, m['code_versions']))}) |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", default=os.environ.get("MADOGUCHI_CATALOGUE_DIR") or str(
        ROOT / "src/madoguchi/procedures/catalogue"))
    parser.add_argument("--members", type=int, default=6)
    parser.add_argument("--encrypt", type=int, default=0, metavar="N",
                        help="time seal.js in chromium N times per household of 1-8 (issue 10)")
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
    header = ("| case | JSON bytes | deflated | envelope bytes | QR characters | version (M), one code | "
              "modules | codes shown (versions) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
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

    print("issue 10: the largest navigator answers above (household and move date from the form) "
          "+ a real MoveForm (names with 髙/﨑/𠮷, furigana, addresses, phone)\n")
    print(header)
    base = {qid: largest_value(questions[qid], args.members)
            for qid in next(e for e in life_events if e["code"] == worst[0])["questions"]}
    for members in range(1, 9):
        # As the browser seals it: household and move_date are left to the form (content.py
        # derives them when opened), the other answers as the largest answer set above.
        form = move_form(members)
        answers = {k: v for k, v in base.items() if k not in navigator_answers(form)}
        content = dict(navigator_content("tennyu", answers), form=form)
        contents.append(content)
        print(row(f"navigator + form, household of {members}", measure(content, public_key)))
    if args.encrypt:
        encrypt_in_browser(contents[-8:], args.encrypt, public_key)
    if args.browser:
        python = [len(envelope.deflate_raw(envelope.compact_json(c))) for c in contents]
        chromium = browser_deflated(contents)
        same = sum(p == c for p, c in zip(python, chromium, strict=True))
        print(f"\nchromium CompressionStream('deflate-raw') vs Python zlib (default level): "
              f"{same} of {len(python)} cases the same size; python {python}, chromium {chromium}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
