"""Determination: which procedures a household's answers call for, on a date.

Pure functions over a loaded ``Catalogue`` (no database). The browser runs the same rules
(static/madoguchi/procedures/engine.js) on the public JSON of ``public_catalogue``; the two
must give identical results (the parity test), so every rule here is written down in
docs/catalogue.md:

* an unanswered question or the answer ``"unknown"`` leaves its variable unbound; a
  household member's ``"unknown"`` field is left out of the member; a registered function
  given anything but a date raises — all of which make the condition a CEL *error*;
* true → ``applies``, false → absent, error (or a non-bool) → ``to_check``, never dropped;
* CEL's ``exists``/``all`` absorb an element's error when another element decides (as
  ``||``/``&&`` do; the browser's cel-js does so). The Python library stops at the first
  element in error instead, so an undecided condition over a household with unknown fields
  is evaluated again with the members reordered (fully known members first, then each
  partly unknown member in front): the library's answer, when it gives one, is the
  specification's, so any decided order is the result (``_reordered``);
* ``questions``: the life event's unanswered questions that a ``to_check`` condition reads
  or a listed procedure's deadline counts from, gated by their ``asked_if``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import cel

from .catalogue import UNKNOWN, Catalogue, answer_problem
from .conditions import functions_for

LANG_ALIASES = {"zh-hans": "zh_Hans", "zh_hans": "zh_Hans", "pt-br": "pt_BR", "pt_br": "pt_BR"}


class InvalidAnswers(ValueError):
    """Answers that do not fit the catalogue's questions; ``problems`` in Japanese."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class UnknownLifeEvent(LookupError):
    pass


def catalogue_lang(lang: str | None) -> str:
    """A catalogue language key (ja, en, zh_Hans, ko, vi, pt_BR) from a Django or BCP 47 code."""
    value = (lang or "ja").strip()
    low = value.lower().replace("_", "-")
    if low in LANG_ALIASES:
        return LANG_ALIASES[low]
    for key in ("ja", "en", "ko", "vi"):
        if low == key or low.startswith(key + "-"):
            return key
    if low.startswith("zh"):
        return "zh_Hans"
    if low.startswith("pt"):
        return "pt_BR"
    return "ja"


def text(value: dict | None, lang: str) -> str | None:
    """A translation: the language asked for, else English, else Japanese."""
    if not value:
        return None
    return value.get(lang) or value.get("en") or value.get("ja")


@lru_cache(maxsize=16)
def messages(lang: str) -> dict[str, str]:
    """The engine's own sentences in ``lang`` (gettext; also served to the browser's engine)."""
    from django.utils import translation

    from . import texts

    django_lang = {"zh_Hans": "zh-hans", "pt_BR": "pt-br"}.get(lang, lang)
    with translation.override(django_lang):
        return {"to_check_unknown": str(texts.TO_CHECK_UNKNOWN),
                "to_check_undecided": str(texts.TO_CHECK_UNDECIDED),
                "separator": str(texts.LIST_SEPARATOR)}


def check_answers(catalogue: Catalogue, answers: dict) -> None:
    problems = [p for qid, value in answers.items()
                if (p := answer_problem(catalogue.questions.get(qid), qid, value))]
    if problems:
        raise InvalidAnswers(problems)


def bind(answers: dict) -> tuple[dict, set[str]]:
    """CEL variables from answers, and the ids whose answer holds an "unknown" somewhere."""
    variables: dict = {}
    unknown: set[str] = set()
    for qid, value in answers.items():
        if value == UNKNOWN:
            unknown.add(qid)
            continue
        if isinstance(value, list):  # household: drop each member's unknown fields
            members = []
            for member in value:
                kept = {k: v for k, v in member.items() if v != UNKNOWN}
                if len(kept) != len(member):
                    unknown.add(qid)
                members.append(kept)
            value = members
        variables[qid] = value
    return variables, unknown


def determine(catalogue: Catalogue, *, life_event: str, answers: dict, on: dt.date,
              lang: str = "ja") -> dict:
    """The determination response (issue 9 §7) plus ``life_event`` and ``on``."""
    event = catalogue.life_events.get(life_event)
    if event is None:
        raise UnknownLifeEvent(life_event)
    check_answers(catalogue, answers)
    lang = catalogue_lang(lang)
    variables, unknown = bind(answers)
    variables["on"] = on.isoformat()
    context = cel.Context(variables=variables, functions=functions_for(on))
    words = messages(lang)

    partial = {qid for qid in unknown if isinstance(answers.get(qid), list)}
    procedures = catalogue.procedures_for(life_event, on)
    results = [proc.condition.evaluate(context) for proc in procedures]
    undecided = [i for i, r in enumerate(results)
                 if r is None and partial.intersection(procedures[i].condition.questions)]
    if undecided:
        _reordered(procedures, results, undecided, context, variables, partial)

    out, to_check_refs, deadline_refs = [], set(), set()
    for proc, result in zip(procedures, results, strict=True):
        if result is False:
            continue
        spec = proc.spec
        reasons = [text(spec.reason, lang)]
        if result is None:
            to_check_refs.update(proc.condition.questions)
            open_ = [q for q in proc.condition.questions if q in unknown or q not in answers]
            if open_:
                names = words["separator"].join(text(catalogue.questions[q].text, lang) for q in open_)
                reasons.append(words["to_check_unknown"].format(questions=names))
            else:
                reasons.append(words["to_check_undecided"])
        deadline = None
        if spec.deadline is not None:
            start = answers.get(spec.deadline.from_)
            if isinstance(start, str) and start != UNKNOWN:
                deadline = (dt.date.fromisoformat(start)
                            + dt.timedelta(days=spec.deadline.days)).isoformat()
            else:
                deadline_refs.add(spec.deadline.from_)
        out.append({
            "code": spec.code,
            "name": text(spec.name, lang),
            "section": spec.section,
            "category": proc.category,
            "status": "applies" if result else "to_check",
            "reasons": reasons,
            "documents": [text(d, lang) for d in spec.documents],
            "deadline": deadline,
            "online_url": spec.online_url,
        })
    return {"life_event": life_event, "on": on.isoformat(), "procedures": out,
            "questions": _open_questions(catalogue, event, answers, context,
                                         to_check_refs | deadline_refs, lang)}


def _reordered(procedures, results: list, undecided: list[int], context, variables: dict,
               partial: set[str]) -> None:
    """Decide what ``undecided`` can with household members reordered (``results`` in place).

    Orders: fully known members first, then each partly unknown member moved to the front.
    Each order is one rebinding of the context for every undecided condition at once; the
    context is left bound as it came.
    """
    def complete(member) -> bool:
        return len(member) == 2

    base = {qid: sorted(variables[qid], key=lambda m: not complete(m)) for qid in partial}
    orders = [base]
    for qid in sorted(partial):
        members = base[qid]
        orders += [{**base, qid: [m, *members[:i], *members[i + 1:]]}
                   for i, m in enumerate(members) if not complete(m)]
    for order in orders:
        context.update(order)
        for i in undecided:
            if results[i] is None:
                results[i] = procedures[i].condition.evaluate(context)
        if all(results[i] is not None for i in undecided):
            break
    context.update({qid: variables[qid] for qid in partial})


def _open_questions(catalogue: Catalogue, event, answers: dict, context, wanted: set[str],
                    lang: str) -> list[dict]:
    """The unanswered questions of ``event`` that can still change the result, in its order.

    A question with ``asked_if`` is asked when that holds; while it cannot be decided because
    a question it reads is unanswered, that question is asked first (and this one waits);
    when it cannot be decided because of an answered "unknown", this one is asked.
    """
    pending = {q for q in wanted if q not in answers}
    asked: set[str] = set()
    todo = list(pending)
    seen = set(todo)
    while todo:
        qid = todo.pop()
        gate = catalogue.asked_if.get(qid)
        if gate is None:
            asked.add(qid)
            continue
        verdict = gate.evaluate(context)
        if verdict is True:
            asked.add(qid)
        elif verdict is None:
            blockers = [q for q in gate.questions if q not in answers]
            if not blockers:
                asked.add(qid)
            for q in blockers:
                if q not in seen:
                    seen.add(q)
                    todo.append(q)
    out = []
    for qid in event.questions:
        if qid not in asked:
            continue
        q = catalogue.questions[qid]
        out.append({"id": qid, "text": text(q.text, lang), "type": q.type,
                    "choices": [{"value": c.value, "text": text(c.text, lang)} for c in q.choices]
                    if q.choices else None})
    return out
