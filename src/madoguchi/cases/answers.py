"""The visitor's answers as a clerk reads them (question, answer), so the next counter does
not ask again: 「他の窓口を回った場合や再来庁でも内容が引き継がれている」."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

RELATIONSHIPS = {"head": "世帯主", "spouse": "配偶者", "child": "子", "parent": "親", "grandparent": "祖父母",
                 "grandchild": "孫", "sibling": "兄弟姉妹", "other": "その他"}


def _questions(on: dt.date) -> dict[str, dict]:
    try:
        from madoguchi.procedures import selectors
    except ImportError:
        return {}
    try:
        return {q["id"]: q for q in selectors.public_catalogue(on)["questions"]}
    except Exception:  # noqa: BLE001 — without the catalogue the answers still show, by question id
        return {}


def _text(value) -> str:
    if isinstance(value, dict):
        return str(value.get("ja") or value.get("en") or "")
    return "" if value is None else str(value)


def _age(birth: str, on: dt.date) -> int | None:
    try:
        born = dt.date.fromisoformat(birth)
    except (TypeError, ValueError):
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _member(member, on: dt.date) -> str:
    if not isinstance(member, dict):
        return str(member)
    relationship = RELATIONSHIPS.get(member.get("relationship"), str(member.get("relationship", "")))
    birth = member.get("birth_date")
    if birth in (None, "", "unknown"):
        return _("{relationship}（生年月日 わからない）").format(relationship=relationship)
    age = _age(str(birth), on)
    return _("{relationship}（{birth}生・{age}歳）").format(relationship=relationship, birth=birth,
                                                        age=age if age is not None else "?")


def answer_rows(case) -> list[dict]:
    """``[{"question", "answer"}]`` in the catalogue's order of the questions."""
    questions = _questions(case.on)
    order = {qid: i for i, qid in enumerate(questions)}
    rows = []
    for qid, value in sorted((case.answers or {}).items(), key=lambda kv: order.get(kv[0], len(order))):
        question = questions.get(qid, {})
        if value == "unknown":
            answer = _("わからない")
        elif value is True:
            answer = _("はい")
        elif value is False:
            answer = _("いいえ")
        elif isinstance(value, list):
            answer = "、".join(_member(m, case.on) for m in value) or _("（なし）")
        elif question.get("choices"):
            labels = {c["value"]: _text(c["text"]) for c in question["choices"]}
            answer = labels.get(value, str(value))
        else:
            answer = str(value)
        rows.append({"id": qid, "question": _text(question.get("text")) or qid, "answer": answer})
    return rows
