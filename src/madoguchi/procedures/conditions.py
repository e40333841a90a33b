"""CEL conditions: the registered functions, the unknown semantics, and the static checks.

Conditions (a procedure's ``when``, a question's ``asked_if``) are CEL evaluated by the
``common-expression-language`` library; nothing here parses or evaluates CEL itself. What
this module adds:

* the functions a condition may call (``age``, ``age_fy``, ``days_between``, ``before``),
  computed on the determination date ``on`` in Japan time;
* "unknown" as an *error*: a function given ``"unknown"`` (or anything that is not a
  ``YYYY-MM-DD`` date) raises, so the condition ends in a CEL error unless ``||``/``&&``
  decide without it — and an error means "to check", never "absent";
* a lexical check of the identifiers a condition uses (outside string literals), so a typo
  in a question id is refused at load instead of making a procedure "to check" forever.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable

import cel

# Functions a catalogue may call: the registered ones below and a small part of CEL's standard
# library that both evaluators have (the Python library has no ``bool()``: a condition using it
# could never be decided, so the loader refuses it like any unknown function).
REGISTERED = ("age", "age_fy", "days_between", "before")
STANDARD = frozenset({"size", "int", "double", "string", "contains", "startsWith",
                      "endsWith", "matches"})
MACROS = ("all", "exists", "exists_one", "map", "filter")

_STRING = re.compile(
    r"""[rRbB]{0,2}(\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')""")
_MACRO_VAR = re.compile(r"\.\s*(?:" + "|".join(MACROS) + r")\s*\(\s*([A-Za-z_]\w*)\s*,")
_HAS = re.compile(r"(?<![\w.])has\s*\(")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UnknownValue(ValueError):
    """Raised by a registered function given "unknown" (or no date): a CEL error, i.e. to check."""


class _QuietUnknown(logging.Filter):
    """The library logs every failing Python function as a warning; an unknown birth date is
    not a problem worth a log line (and answers must not be logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "UnknownValue" not in record.getMessage()


logging.getLogger("cel").addFilter(_QuietUnknown())


def without_strings(source: str) -> str:
    """The source with every string literal blanked (same length, so columns still match)."""
    return _STRING.sub(lambda m: " " * len(m.group(0)), source)


def macro_variables(source: str) -> set[str]:
    """Names bound by comprehension macros (the ``m`` of ``household.exists(m, …)``)."""
    return set(_MACRO_VAR.findall(without_strings(source)))


def uses_has(source: str) -> bool:
    return bool(_HAS.search(without_strings(source)))


def parse_date(value) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise UnknownValue(f"not a date: {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UnknownValue(f"not a date: {value!r}") from exc


def completed_years(birth: dt.date, on: dt.date) -> int:
    """Completed years on ``on`` (the birthday itself counts; 29 February turns on 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def fiscal_year_start(on: dt.date) -> dt.date:
    """April 1 of the Japanese fiscal year (年度) containing ``on``."""
    return dt.date(on.year if on.month >= 4 else on.year - 1, 4, 1)


def functions_for(on: dt.date) -> dict[str, Callable]:
    """The registered functions, evaluated on the determination date ``on``."""
    april_first = fiscal_year_start(on)

    def age(d):
        return completed_years(parse_date(d), on)

    def age_fy(d):
        return completed_years(parse_date(d), april_first)

    def days_between(d1, d2):
        return (parse_date(d2) - parse_date(d1)).days

    def before(d1, d2):
        return parse_date(d1) < parse_date(d2)

    return {"age": age, "age_fy": age_fy, "days_between": days_between, "before": before}


class Compiled:
    """One compiled condition and the question ids it reads."""

    __slots__ = ("source", "program", "questions")

    def __init__(self, source: str, program, questions: tuple[str, ...]):
        self.source = source
        self.program = program
        self.questions = questions

    def evaluate(self, context) -> bool | None:
        """True / False, or None when it cannot be decided (a CEL error, or not a bool)."""
        try:
            value = self.program.execute(context)
        except Exception:  # noqa: BLE001 - every CEL error means "to check"
            return None
        return value if isinstance(value, bool) else None


def compile_condition(source: str, question_ids) -> tuple[Compiled | None, list[str]]:
    """Compile ``source``; return it with the problems found (Japanese), if any."""
    if not isinstance(source, str) or not source.strip():
        return None, ["条件が空です。CEL の式を書いてください。"]
    problems: list[str] = []
    if uses_has(source):
        problems.append(
            "has() は使えません。「わからない」の回答で手続きが消えてしまうためです"
            "（未回答・わからないは自動的に「要確認」になります）。")
    try:
        program = cel.compile(source)
    except Exception as exc:  # noqa: BLE001 - the library raises ValueError with its parser message
        detail = str(exc).split("ERROR:", 1)[-1].strip().splitlines()[0] if "ERROR:" in str(exc) \
            else str(exc)
        return None, [*problems, f"条件をコンパイルできません（CEL の書き方の誤り）: {detail}"]
    bound = macro_variables(source)
    unknown = [name for name in program.variables()
               if name not in bound and name != "on" and name not in question_ids]
    for name in unknown:
        problems.append(f"条件の中の '{name}' は質問として定義されていません"
                        "（questions.yaml の id、on、または関数の変数名を確認してください）。")
    for name in program.functions():
        if name[:1] in "_@!-" or name in REGISTERED or name in STANDARD:
            continue
        problems.append(f"条件の中の関数 '{name}' は使えません。使える関数: "
                        f"{', '.join(REGISTERED)}（および {', '.join(sorted(STANDARD))}）。")
    if problems:
        return None, problems
    # The questions it reads, in the order of questions.yaml (reasons list them in that order).
    used = set(program.variables()) - bound
    refs = tuple(name for name in question_ids if name in used)
    return Compiled(source, program, refs), []
