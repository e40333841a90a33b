"""From the form data to the text printed in a field: paths (``members[0].birth_date``), formats
(``wareki``, ``name``, ``relationship`` …) and what is missing.

Names are printed exactly as typed: no NFKC, no "simplification" (髙 stays 髙, 𠮷 stays 𠮷).
"""

from __future__ import annotations

import datetime as dt
import re

from . import wareki as wareki_mod
from .layout import PLACEHOLDER

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\.")

KINDS = {"tennyu": "転入", "tenshutsu": "転出", "tenkyo": "転居"}
SEXES = {"male": "男", "female": "女", "unspecified": ""}
# 続柄 as the resident register writes it (seen from the head of the household).
RELATIONSHIPS = {
    "head": ("世帯主", "世帯主"), "spouse": ("夫", "妻"), "child": ("子", "子"),
    "parent": ("父", "母"), "grandparent": ("祖父", "祖母"), "grandchild": ("孫", "孫"),
    "sibling": ("兄弟", "姉妹"), "other": ("縁故者", "縁故者"),
}
RELATIONSHIP_UNSEXED = {"spouse": "配偶者", "parent": "親", "grandparent": "祖父母", "sibling": "兄弟姉妹"}


class Missing(Exception):
    """A value the field needs is absent or unreadable; ``paths`` name it in the data."""

    def __init__(self, paths: list[str]):
        super().__init__(", ".join(paths))
        self.paths = paths


def resolve(data, path: str):
    """The value at ``path`` (``members[0].family_name``), or None."""
    value = data
    for name, index in (m.groups() for m in _TOKEN.finditer(path) if m.group(0) != "."):
        if name is not None:
            value = value.get(name) if isinstance(value, dict) else None
        else:
            i = int(index)
            value = value[i] if isinstance(value, list) and i < len(value) else None
        if value is None:
            return None
    return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(value, path):
    try:
        return wareki_mod.as_date(value)
    except (TypeError, ValueError) as exc:
        raise Missing([path]) from exc


def _parts(value, path, keys, sep="\u3000", required=1):
    """The parts joined; the first ``required`` of them must be there (a given name may be
    absent for some foreign residents, a 町名 for some addresses)."""
    if not isinstance(value, dict):
        raise Missing([path])
    absent = [f"{path}.{k}" for k in keys[:required] if _blank(value.get(k))]
    if absent:
        raise Missing(absent)
    return sep.join(str(value.get(k)).strip() for k in keys if not _blank(value.get(k)))


def _relationship(value, path) -> str:
    if not isinstance(value, dict) or _blank(value.get("relationship")):
        raise Missing([f"{path}.relationship"])
    code, sex = value["relationship"], value.get("sex")
    if code not in RELATIONSHIPS:
        return str(code)
    if sex in ("male", "female"):
        return RELATIONSHIPS[code][0 if sex == "male" else 1]
    return RELATIONSHIP_UNSEXED.get(code, RELATIONSHIPS[code][0])


def _age(value, path, today: dt.date) -> str:
    born = _date(value, path)
    return str(today.year - born.year - ((today.month, today.day) < (born.month, born.day)))


def _postcode(value, path) -> str:
    digits = re.sub(r"\D", "", str(value))
    if len(digits) != 7:
        raise Missing([path])
    return f"{digits[:3]}-{digits[3:]}"


def format_value(value, fmt: str | None, path: str, today: dt.date) -> str:
    """One placeholder's text; Missing when the data cannot give it."""
    fmt = fmt or "text"
    if fmt in ("name", "kana"):
        keys = ("family_name", "given_name") if fmt == "name" else ("family_kana", "given_kana")
        return _parts(value, path, keys)
    if fmt == "address":
        return _parts(value, path, ("prefecture", "city", "town", "banchi"), sep="", required=2)
    if fmt == "relationship":
        return _relationship(value, path)
    if _blank(value):
        raise Missing([path])
    if fmt == "wareki":
        try:
            return wareki_mod.wareki(_date(value, path))
        except wareki_mod.WarekiError as exc:
            raise Missing([path]) from exc
    if fmt in ("era", "year", "month", "day"):
        try:
            return wareki_mod.wareki_parts(_date(value, path))[fmt]
        except wareki_mod.WarekiError as exc:
            raise Missing([path]) from exc
    if fmt == "date":
        return wareki_mod.seireki(_date(value, path))
    if fmt == "age":
        return _age(value, path, today)
    if fmt == "postcode":
        return _postcode(value, path)
    if fmt == "sex":
        return SEXES.get(str(value), str(value))
    if fmt == "kind":
        return KINDS.get(str(value), str(value))
    return " ".join(str(value).split()) if fmt == "phone" else str(value).replace("\n", " ").strip()


def fill(template: str, data, today: dt.date) -> tuple[str, list[str]]:
    """The text of a field and the paths it misses (a missing placeholder prints nothing)."""
    missing: list[str] = []

    def one(match: re.Match) -> str:
        path, fmt = match.group(1), match.group(2)
        try:
            return format_value(resolve(data, path), fmt, path, today)
        except Missing as exc:
            missing.extend(exc.paths)
            return ""

    return PLACEHOLDER.sub(one, template), missing


def context(data: dict, *, today: dt.date, extra: dict | None = None) -> dict:
    """What templates may refer to besides the form data: ``today`` (届出日), ``head`` (世帯主,
    the member marked ``is_head`` or the first), ``applicant`` (届出人: the head unless the data
    names one), and what the caller adds (``case``, ``office``)."""
    members = [m for m in data.get("members") or [] if isinstance(m, dict)]
    head = next((m for m in members if m.get("is_head")), members[0] if members else None)
    ctx = {**data, "today": today.isoformat(), "head": head,
           "applicant": data.get("applicant") or head}
    ctx.update(extra or {})
    return ctx


def row_matches(row, where: dict) -> bool:
    for key, wanted in where.items():
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if str(resolve(row, key)) not in [str(a) for a in allowed]:
            return False
    return True
