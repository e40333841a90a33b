"""What a case needs from the procedures and hand-over apps, through their public functions
(``procedures.selectors.determine`` / ``procedure``, ``handover.services.handover_open``).

Imported when used: the case app starts even where those apps are not installed, and says
so in a clear refusal rather than at import time.
"""

from __future__ import annotations

import datetime as dt

from madoguchi.core.errors import ServiceError


def _unavailable(what: str, code: str) -> ServiceError:
    # 422, not 503: retrying will not help; this installation lacks the app.
    return ServiceError(f"{what}はこのシステムでは利用できません。管理者にお問い合わせください。",
                        code=code, status=422)


def determine(*, life_event: str, answers: dict, on: dt.date) -> dict:
    try:
        from madoguchi.procedures import selectors
    except ImportError:
        raise _unavailable("手続き判定", "procedures_unavailable") from None
    return selectors.determine(life_event=life_event, answers=answers, on=on, lang="ja")


def handover_digest(payload: str) -> str | None:
    """The id of one sealed QR code (``handover.selectors.handover_digest``: the same however
    a scanner typed it, its parts in any order), so a second reading is known as such; None
    when the text is no hand-over (opening it then says why)."""
    try:
        from madoguchi.handover import selectors
    except ImportError:
        raise _unavailable("引継ぎQRの読み取り", "handover_unavailable") from None
    return selectors.handover_digest(str(payload or ""))


def open_handover(*, actor, payload: str) -> dict:
    if not str(payload or "").strip():
        raise ServiceError("引継ぎQRの内容が空です。もう一度読み取ってください。", code="handover_truncated",
                           status=422)
    try:
        from madoguchi.handover import services
    except ImportError:
        raise _unavailable("引継ぎQRの読み取り", "handover_unavailable") from None
    return services.handover_open(actor=actor, payload=payload)


def _text(value, lang: str = "ja") -> str:
    """A translated text (``{"ja": …, "en": …}``) or a plain string, in ``lang`` (else ja)."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("ja") or "")
    return "" if value is None else str(value)


def _catalogue_entry(code: str, on: dt.date) -> dict:
    try:
        from madoguchi.procedures import selectors
    except ImportError:
        return {}
    try:
        return selectors.procedure(code, on) or {}
    except Exception:  # noqa: BLE001 — extra names only; the determination already gave the essentials
        return {}


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def snapshot(entry: dict, on: dt.date) -> dict:
    """The fields a ``CaseProcedure`` keeps of one determined procedure (what the visitor was
    told that day, whatever the catalogue says later)."""
    code = str(entry["code"])
    info = _catalogue_entry(code, on)
    section = info.get("section") if isinstance(info.get("section"), str) else entry.get("section")
    section_name = (_text(info.get("section_name")) or _text(info.get("section_names"))
                    or (_text(entry.get("section")) if isinstance(entry.get("section"), dict) else "")
                    or str(entry.get("section_name") or section or ""))
    category = entry.get("category") if "category" in entry else info.get("category")
    return {
        "code": code,
        "name": _text(entry.get("name")) or _text(info.get("name")) or code,
        "name_en": _text(info.get("name"), "en") if isinstance(info.get("name"), dict) else "",
        "section": _text(section)[:64],
        "section_name": section_name[:100],
        "category": str(category or "")[:32],
        "determination": "to_check" if entry.get("status") == "to_check" else "applies",
        "reasons": [str(r) for r in entry.get("reasons") or []],
        "documents": [_text(d) for d in entry.get("documents") or []],
        "deadline": _date(entry.get("deadline")),
    }
