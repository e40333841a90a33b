"""Reads of the procedure catalogue in service (catalogue.active()); nothing is stored."""

from __future__ import annotations

import datetime as dt

from madoguchi.core.errors import NotFound, ServiceError
from madoguchi.core.timeutil import business_date

from . import catalogue as catalogue_mod
from . import engine
from .engine import catalogue_lang, text


def life_events(lang: str = "ja") -> list[dict]:
    """``[{"code", "name"}]`` in the catalogue's order, names in ``lang``."""
    lang = catalogue_lang(lang)
    return [{"code": e.code, "name": text(e.name, lang)}
            for e in catalogue_mod.active().life_events.values()]


def determine(*, life_event: str, answers: dict, on: dt.date | None = None, lang: str = "ja") -> dict:
    """The procedures ``answers`` call for on ``on`` (JST today by default); issue 9 §7's
    ``determine`` response plus ``"life_event"`` and ``"on"``.

    Raises NotFound (``life_event_not_found``) or ServiceError 422 (``invalid_answers``).
    """
    cat = catalogue_mod.active()
    on = on or business_date()
    if not 1900 <= on.year <= 2200:
        raise ServiceError("判定日は 1900 年から 2200 年の間の日付にしてください。", code="invalid_date",
                           detail=on.isoformat(), status=422)
    try:
        return engine.determine(cat, life_event=life_event, answers=answers, on=on, lang=lang)
    except engine.UnknownLifeEvent:
        raise NotFound(f"ライフイベント '{life_event}' は手続きカタログにありません。",
                       code="life_event_not_found") from None
    except engine.InvalidAnswers as exc:
        raise ServiceError("回答の形式が正しくありません。", code="invalid_answers",
                           detail=exc.problems, status=422) from None


def procedure(code: str, on: dt.date | None = None) -> dict | None:
    """One procedure in force on ``on``: names in every language, section, category …"""
    cat = catalogue_mod.active()
    proc = cat.procedure(code, on or business_date())
    if proc is None:
        return None
    return procedure_dict(cat, proc)


def procedure_dict(cat, proc) -> dict:
    spec = proc.spec
    section = cat.sections.get(spec.section)
    return {
        "code": spec.code,
        "name": spec.name,
        "section": spec.section,
        "section_name": section.name if section else None,
        "category": proc.category,
        "life_events": list(spec.life_events),
        "when": spec.when,
        "reads": list(proc.condition.questions),
        "reason": spec.reason,
        "documents": list(spec.documents),
        "fee": spec.fee,
        "deadline": ({"days": spec.deadline.days, "from": spec.deadline.from_,
                      "rule": spec.deadline.rule} if spec.deadline else None),
        "law": spec.law,
        "source_url": spec.source_url,
        "online_url": spec.online_url,
        "notes": spec.notes,
        "effective": {"from": spec.effective.from_.isoformat(),
                      "to": spec.effective.to.isoformat() if spec.effective.to else None},
    }


def public_catalogue(on: dt.date | None = None) -> dict:
    """Everything the browser's engine needs to determine on ``on`` (nothing personal): life
    events, questions with every translation, the procedures in force with their CEL, and the
    engine's sentences in every language."""
    from .schema import LANGS

    cat = catalogue_mod.active()
    on = on or business_date()
    return {
        "version": cat.digest,
        "on": on.isoformat(),
        "meta": cat.meta.model_dump(),
        "languages": list(LANGS),
        "sections": [{"code": s.code, "name": s.name, "category": s.category}
                     for s in cat.sections.values()],
        "questions": [{"id": q.id, "type": q.type, "text": q.text, "help": q.help,
                       "choices": [{"value": c.value, "text": c.text} for c in q.choices]
                       if q.choices else None,
                       "asked_if": q.asked_if,
                       "asked_if_reads": list(cat.asked_if[q.id].questions) if q.id in cat.asked_if
                       else []} for q in cat.questions.values()],
        "life_events": [{"code": e.code, "name": e.name, "questions": list(e.questions)}
                        for e in cat.life_events.values()],
        "procedures": [procedure_dict(cat, p) for p in cat.procedures if p.in_force(on)],
        "messages": {lang: engine.messages(lang) for lang in LANGS},
    }
