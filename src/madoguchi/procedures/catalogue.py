"""Load a catalogue directory, refuse it with file, line and a Japanese message if it is broken.

The directory (docs/catalogue.md)::

    catalogue.yaml  sections.yaml  questions.yaml  life_events.yaml
    procedures/*.yaml  tests/*.yaml

Every condition is compiled once here; determination (engine.py) only executes programs.
``active()`` serves the catalogue the server uses: ``MADOGUCHI_CATALOGUE_DIR`` or the sample,
reloaded when a file changes (checked at most every ``MADOGUCHI_CATALOGUE_RELOAD_SECONDS``); a
broken edit is logged and the last good catalogue stays in service.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pydantic
import yaml

from . import schema
from .conditions import Compiled, compile_condition

log = logging.getLogger(__name__)

SAMPLE_DIR = Path(__file__).resolve().parent / "catalogue"
REQUIRED_FILES = ("catalogue.yaml", "sections.yaml", "questions.yaml", "life_events.yaml")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class CatalogueError(Exception):
    """A catalogue that cannot be used: every problem found, each with file and line."""

    def __init__(self, problems: list[Problem], directory: Path | None = None):
        self.problems = problems
        self.directory = directory
        super().__init__(self.report())

    def report(self) -> str:
        head = f"手続きカタログに誤りが {len(self.problems)} 件あります"
        if self.directory is not None:
            head += f"（{self.directory}）"
        return head + ":\n" + "\n".join(f"  {p}" for p in self.problems)


# ---------------------------------------------------------------- YAML with line numbers


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser when installed (about 10 times faster; marks carry lines all the same),
    with YAML 1.2 booleans: only true/false. (YAML 1.1 reads the key ``on:`` as True and ``no``
    as False, which a test case's ``on: 2026-12-01`` and a choice value ``no`` cannot afford.)"""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


@dataclass
class YamlFile:
    name: str               # relative to the catalogue directory, as shown in messages
    data: Any
    lines: dict[tuple, int]  # path of keys/indexes -> 1-based line

    def line(self, path: tuple) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def _walk(node, path: tuple, lines: dict, duplicates: list):
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            k = key.value if isinstance(key, yaml.ScalarNode) else None
            if k in seen:
                duplicates.append((key.start_mark.line + 1, k))
            seen.add(k)
            lines[path + (k,)] = key.start_mark.line + 1
            _walk(value, path + (k,), lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, duplicates)


def read_yaml(path: Path, name: str) -> tuple[YamlFile | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(name, None, "文字コードが UTF-8 ではありません。UTF-8 で保存してください。")]
    except OSError as exc:
        return None, [Problem(name, None, f"ファイルを読めません: {exc.strerror or exc}")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "書式の誤り"
        return None, [Problem(name, line, f"YAML として読めません（{what}）。インデントや「:」、"
                                          "引用符の閉じ忘れを確認してください。")]
    except yaml.YAMLError as exc:
        return None, [Problem(name, None, f"YAML として読めません（{exc}）。")]
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {(): 1}
    duplicates: list = []
    if node is not None:
        _walk(node, (), lines, duplicates)
    problems = [Problem(name, line, f"キー '{key}' が同じ場所に2回書かれています。")
                for line, key in duplicates]
    return YamlFile(name, data, lines), problems


def _validate(model: type[pydantic.BaseModel], file: YamlFile) -> tuple[Any, list[Problem]]:
    if not isinstance(file.data, dict):
        return None, [Problem(file.name, 1, "ファイルの中身が空か、キー: 値 の形になっていません。")]
    try:
        return model.model_validate(file.data), []
    except pydantic.ValidationError as exc:
        return None, [Problem(file.name, file.line(err["loc"]), schema.pydantic_message(err))
                      for err in exc.errors()]


# ---------------------------------------------------------------- the loaded catalogue


@dataclass
class Procedure:
    """One dated entry of a procedure, with its compiled condition."""

    spec: schema.Procedure
    category: str | None
    condition: Compiled
    order: int
    file: str
    line: int | None

    @property
    def code(self) -> str:
        return self.spec.code

    def in_force(self, on: dt.date) -> bool:
        eff = self.spec.effective
        return eff.from_ <= on and (eff.to is None or on <= eff.to)


@dataclass
class TestCase:
    spec: schema.TestCase
    file: str
    line: int | None


@dataclass
class Catalogue:
    directory: Path
    meta: schema.Meta
    sections: dict[str, schema.Section]
    questions: dict[str, schema.Question]
    asked_if: dict[str, Compiled]
    life_events: dict[str, schema.LifeEvent]
    procedures: list[Procedure]
    tests: list[TestCase]
    digest: str
    signature: tuple = ()
    loaded_at: float = field(default_factory=time.time)

    def __post_init__(self):
        self._by_event: dict[str, list[Procedure]] = {}
        for proc in self.procedures:
            for code in proc.spec.life_events:
                self._by_event.setdefault(code, []).append(proc)

    def procedures_for(self, life_event: str, on: dt.date) -> list[Procedure]:
        """The entries of ``life_event`` in force on ``on``, in catalogue order."""
        return [p for p in self._by_event.get(life_event, ()) if p.in_force(on)]

    def procedure(self, code: str, on: dt.date) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code and p.in_force(on)), None)

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(p.code for p in self.procedures))


def _yaml_files(directory: Path, sub: str) -> list[Path]:
    folder = directory / sub
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def catalogue_files(directory: Path) -> list[Path]:
    return ([directory / n for n in REQUIRED_FILES]
            + _yaml_files(directory, "procedures") + _yaml_files(directory, "tests"))


def signature(directory: Path) -> tuple:
    """What changes when a file is edited, added or removed (names, sizes, mtimes)."""
    out = []
    for path in catalogue_files(directory):
        try:
            st = path.stat()
        except OSError:
            out.append((str(path), None))
            continue
        out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(out)


def load(directory: str | Path | None = None) -> Catalogue:
    """Read, validate and compile the catalogue at ``directory``; raise CatalogueError."""
    directory = Path(directory) if directory else configured_dir()
    if not directory.is_dir():
        raise CatalogueError([Problem(str(directory), None,
                                      "手続きカタログのディレクトリが見つかりません。")], directory)
    sig = signature(directory)
    problems: list[Problem] = []
    digest = hashlib.sha256()

    def read(path: Path, model):
        name = str(path.relative_to(directory))
        if not path.is_file():
            problems.append(Problem(name, None, "必須のファイルがありません。"))
            return None, None
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        file, found = read_yaml(path, name)
        problems.extend(found)
        if file is None:
            return None, None
        value, found = _validate(model, file)
        problems.extend(found)
        return value, file

    meta_doc, _ = read(directory / "catalogue.yaml", schema.CatalogueFile)
    sections_doc, sections_file = read(directory / "sections.yaml", schema.SectionsFile)
    questions_doc, questions_file = read(directory / "questions.yaml", schema.QuestionsFile)
    events_doc, events_file = read(directory / "life_events.yaml", schema.LifeEventsFile)
    procedure_docs = [read(p, schema.ProceduresFile) for p in _yaml_files(directory, "procedures")]
    test_docs = [read(p, schema.TestsFile) for p in _yaml_files(directory, "tests")]
    if not _yaml_files(directory, "procedures"):
        problems.append(Problem("procedures/", None, "手続きのファイル（procedures/*.yaml）がありません。"))

    def unique(items, key: str, file: YamlFile | None, top: str, what: str) -> dict:
        out: dict = {}
        for i, item in enumerate(items):
            k = getattr(item, key)
            if k in out:
                problems.append(Problem(file.name, file.line((top, i, key)),
                                        f"{what} '{k}' が重複しています。"))
            out.setdefault(k, item)
        return out

    sections = unique(sections_doc.sections, "code", sections_file, "sections", "課のコード") \
        if sections_doc else {}
    questions = unique(questions_doc.questions, "id", questions_file, "questions", "質問の id") \
        if questions_doc else {}
    life_events = unique(events_doc.life_events, "code", events_file, "life_events",
                         "ライフイベントのコード") if events_doc else {}
    if "on" in questions:
        problems.append(Problem(questions_file.name, questions_file.line(
            ("questions", list(questions).index("on"), "id")),
            "質問の id に 'on' は使えません（判定日を表す予約語です）。"))

    # Life events name existing questions; questions' asked_if compile and use that event's ones.
    asked_if: dict[str, Compiled] = {}
    if questions_doc:
        for i, q in enumerate(questions_doc.questions):
            if q.asked_if is None:
                continue
            compiled, found = compile_condition(q.asked_if, questions)
            for message in found:
                problems.append(Problem(questions_file.name,
                                        questions_file.line(("questions", i, "asked_if")),
                                        f"質問 '{q.id}' の asked_if: {message}"))
            if compiled is not None:
                asked_if[q.id] = compiled
    if events_doc:
        for i, event in enumerate(events_doc.life_events):
            if len(set(event.questions)) != len(event.questions):
                problems.append(Problem(events_file.name, events_file.line(("life_events", i, "questions")),
                                        f"ライフイベント '{event.code}' の質問が重複しています。"))
            for j, qid in enumerate(event.questions):
                line = events_file.line(("life_events", i, "questions", j))
                if qid not in questions and questions_doc is not None:
                    problems.append(Problem(events_file.name, line,
                                            f"ライフイベント '{event.code}' の質問 '{qid}' は "
                                            "questions.yaml にありません。"))
                elif qid in asked_if:
                    missing = [r for r in asked_if[qid].questions if r not in event.questions]
                    if missing:
                        problems.append(Problem(
                            events_file.name, line,
                            f"質問 '{qid}' の asked_if が使う {', '.join(missing)} が、ライフイベント "
                            f"'{event.code}' の質問にありません。"))

    # Procedures: references, conditions, deadlines, effective periods.
    procedures: list[Procedure] = []
    for doc, file in procedure_docs:
        if doc is None:
            continue
        for i, spec in enumerate(doc.procedures):
            def at(*path, _i=i, _file=file):
                return _file.line(("procedures", _i, *path))

            where = f"手続き '{spec.code}'"
            if spec.section not in sections:
                if sections_doc:
                    problems.append(Problem(file.name, at("section"),
                                            f"{where} の課 '{spec.section}' は sections.yaml にありません。"))
            for j, code in enumerate(spec.life_events):
                if code not in life_events and events_doc:
                    problems.append(Problem(file.name, at("life_events", j),
                                            f"{where} のライフイベント '{code}' は life_events.yaml にありません。"))
            compiled, found = compile_condition(spec.when, questions)
            if questions_doc is None:  # questions.yaml is broken: its problems say enough
                found = [m for m in found if "質問として定義されていません" not in m]
            for message in found:
                problems.append(Problem(file.name, at("when"), f"{where} の when: {message}"))
            if compiled is not None:
                for code in spec.life_events:
                    event = life_events.get(code)
                    if event is None:
                        continue
                    missing = [q for q in compiled.questions if q not in event.questions]
                    if missing:
                        problems.append(Problem(
                            file.name, at("when"),
                            f"{where} の when が使う質問 {', '.join(missing)} が、ライフイベント "
                            f"'{code}' の質問にありません（聞かれないため、ずっと「要確認」になります）。"))
            if spec.deadline is not None and questions_doc is not None:
                q = questions.get(spec.deadline.from_)
                if q is None or q.type != "date":
                    problems.append(Problem(file.name, at("deadline", "from"),
                                            f"{where} の deadline.from '{spec.deadline.from_}' は "
                                            "日付（type: date）の質問ではありません。"))
            if "category" in spec.model_fields_set:
                category = spec.category
            else:
                category = sections[spec.section].category if spec.section in sections else None
            if compiled is None:
                continue
            procedures.append(Procedure(spec, category, compiled, len(procedures), file.name, at()))

    by_code: dict[str, list[Procedure]] = {}
    for proc in procedures:
        for other in by_code.get(proc.code, []):
            a, b = other.spec.effective, proc.spec.effective
            if a.from_ <= (b.to or dt.date.max) and b.from_ <= (a.to or dt.date.max):
                problems.append(Problem(
                    proc.file, proc.line,
                    f"手続き '{proc.code}' の有効期間（{b.from_}〜{b.to or ''}）が、{other.file}:"
                    f"{other.line} の同じ手続きの有効期間（{a.from_}〜{a.to or ''}）と重なっています。"))
        by_code.setdefault(proc.code, []).append(proc)

    # Sections first (the order of sections.yaml), then the order the files list them.
    section_order = {code: i for i, code in enumerate(sections)}
    procedures.sort(key=lambda p: (section_order.get(p.spec.section, len(section_order)), p.order))
    for i, proc in enumerate(procedures):
        proc.order = i

    # Test cases: references and answers (not against files that are broken themselves).
    procedures_ok = all(doc is not None for doc, _f in procedure_docs) and len(procedures) == sum(
        len(doc.procedures) for doc, _f in procedure_docs)
    tests: list[TestCase] = []
    for doc, file in test_docs:
        if doc is None:
            continue
        for i, spec in enumerate(doc.tests):
            line = file.line(("tests", i))
            event = life_events.get(spec.life_event)
            if event is None:
                problems.append(Problem(file.name, file.line(("tests", i, "life_event")),
                                        f"テスト「{spec.name}」のライフイベント '{spec.life_event}' がありません。"))
            for key in ("applies", "to_check", "absent"):
                for j, code in enumerate(getattr(spec, key)):
                    if code not in by_code and procedures_ok:
                        problems.append(Problem(file.name, file.line(("tests", i, key, j)),
                                                f"テスト「{spec.name}」の {key} にある手続き '{code}' はありません。"))
            listed = spec.applies + spec.to_check + spec.absent
            twice = sorted({c for c in listed if listed.count(c) > 1})
            if twice:
                problems.append(Problem(file.name, line, f"テスト「{spec.name}」で {', '.join(twice)} が"
                                                         "複数の期待（applies/to_check/absent）に書かれています。"))
            for qid, value in spec.answers.items() if questions_doc is not None else ():
                message = answer_problem(questions.get(qid), qid, _plain(value))
                if message:
                    problems.append(Problem(file.name, file.line(("tests", i, "answers", qid)),
                                            f"テスト「{spec.name}」: {message}"))
            tests.append(TestCase(spec, file.name, line))

    if problems:
        raise CatalogueError(problems, directory)
    return Catalogue(directory=directory, meta=meta_doc.meta, sections=sections, questions=questions,
                     asked_if=asked_if, life_events=life_events, procedures=procedures, tests=tests,
                     digest=digest.hexdigest()[:16], signature=sig)


def _plain(value):
    """YAML dates become ISO strings, as answers arrive in JSON."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def plain_answers(answers: dict) -> dict:
    return {k: _plain(v) for k, v in answers.items()}


# ---------------------------------------------------------------- answers


def _is_date(value) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return value[4] == "-" and value[7] == "-"


def answer_problem(question: schema.Question | None, qid: str, value) -> str | None:
    """Why ``value`` is not an answer to ``question`` (Japanese), or None if it is."""
    if question is None:
        return f"'{qid}' という質問はありません。"
    if value == UNKNOWN:
        return None
    kind = question.type
    if kind == "yes_no" and not isinstance(value, bool):
        return f"'{qid}' の回答は true / false / \"unknown\" のどれかです。"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int)
                             or abs(value) > 10**9):
        return f"'{qid}' の回答は整数か \"unknown\" です。"
    if kind == "date" and not _is_date(value):
        return f"'{qid}' の回答は YYYY-MM-DD の日付か \"unknown\" です。"
    if kind == "choice" and value not in {c.value for c in question.choices or ()}:
        allowed = ", ".join(c.value for c in question.choices or ())
        return f"'{qid}' の回答は {allowed} か \"unknown\" のどれかです。"
    if kind == "household":
        if not isinstance(value, list) or len(value) > 30:
            return f"'{qid}' の回答は世帯員のリスト（30人まで）か \"unknown\" です。"
        for n, member in enumerate(value, 1):
            if not isinstance(member, dict) or set(member) - {"relationship", "birth_date"} \
                    or set(member) != {"relationship", "birth_date"}:
                return f"'{qid}' の {n} 人目: relationship と birth_date だけを書いてください。"
            if member["relationship"] not in (*schema.RELATIONSHIPS, UNKNOWN):
                return (f"'{qid}' の {n} 人目: relationship は {', '.join(schema.RELATIONSHIPS)} か "
                        "\"unknown\" です。")
            if member["birth_date"] != UNKNOWN and not _is_date(member["birth_date"]):
                return f"'{qid}' の {n} 人目: birth_date は YYYY-MM-DD か \"unknown\" です。"
    return None


# ---------------------------------------------------------------- the catalogue in service


def configured_dir() -> Path:
    return _resolved(os.environ.get("MADOGUCHI_CATALOGUE_DIR", "").strip())


@lru_cache(maxsize=8)
def _resolved(value: str) -> Path:
    return Path(value).expanduser().resolve() if value else SAMPLE_DIR


def reload_seconds() -> float:
    try:
        return float(os.environ.get("MADOGUCHI_CATALOGUE_RELOAD_SECONDS", "5"))
    except ValueError:
        return 5.0


class _Active:
    """The catalogue in service: loaded once, reloaded when its files change, never replaced by
    a broken one (the last good catalogue keeps serving; the problems are logged)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.catalogue: Catalogue | None = None
        self.checked_at = 0.0
        self.failed_signature: tuple | None = None
        self.last_error: CatalogueError | None = None

    def get(self) -> Catalogue:
        current = self.catalogue
        directory = configured_dir()
        now = time.monotonic()
        if current is not None and current.directory == directory \
                and now - self.checked_at < reload_seconds():
            return current
        with self.lock:
            current = self.catalogue
            if current is None or current.directory != directory:
                self.catalogue = load(directory)  # first load: a broken catalogue raises
                self.checked_at = time.monotonic()
                self.last_error = None
                return self.catalogue
            self.checked_at = now
            sig = signature(directory)
            if sig == current.signature or sig == self.failed_signature:
                return current
            try:
                self.catalogue = load(directory)
            except CatalogueError as exc:
                self.failed_signature = sig
                self.last_error = exc
                log.error("手続きカタログの再読み込みに失敗しました。前回の正しいカタログを使い続けます。\n%s",
                          exc.report())
                return current
            self.failed_signature = None
            self.last_error = None
            log.info("手続きカタログを再読み込みしました（%s, %s）", directory, self.catalogue.digest)
            return self.catalogue

    def reset(self) -> None:
        with self.lock:
            self.catalogue = None
            self.failed_signature = None
            self.last_error = None


_active = _Active()


def active() -> Catalogue:
    """The catalogue in service (MADOGUCHI_CATALOGUE_DIR or the sample)."""
    return _active.get()


def last_reload_error() -> CatalogueError | None:
    return _active.last_error


def reset_active() -> None:
    """Forget the catalogue in service (tests that point MADOGUCHI_CATALOGUE_DIR elsewhere)."""
    _active.reset()
