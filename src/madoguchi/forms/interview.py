"""The counter's form editor (届出内容の確認・訂正, 聞き取り): between the HTML form a clerk
types into and the move form's data (``data.py``, schema 1).

The editor is a plain server-rendered form: every value typed comes back in the POST, so a
refused save shows each message next to its field with nothing lost. Dates may be typed in
和暦 (``S60.4.2``, ``昭和60年4月2日``) or 西暦 (``wareki.parse``); the rest is normalised by
``data.validate`` as on the phone (kana → カタカナ, full-width digits → half-width).

An *entry* is the editor's view of the data: the same shape as the form data but every value
the string as typed (dates included), plus the member's position for the template.
"""

from __future__ import annotations

import datetime as dt

from . import data as form_data
from . import wareki

ADDRESSES = ("old_address", "new_address")
ADDRESS_FIELDS = ("postcode", "prefecture", "city", "town", "banchi", "building")
MEMBER_FIELDS = ("family_name", "given_name", "family_kana", "given_kana", "birth_date", "sex", "relationship")
TOP_FIELDS = ("kind", "move_date", "phone", "email")
MAX_MEMBERS = form_data.MAX_MEMBERS


def blank_member(*, head: bool = False) -> dict:
    member = dict.fromkeys(MEMBER_FIELDS, "")
    if head:
        member["relationship"] = "head"
    return member


def blank_entry(kind: str = "") -> dict:
    """An empty editor (聞き取り for a visitor without a phone): one member, the head."""
    return {"kind": kind if kind in form_data.KINDS else "", "move_date": "", "phone": "", "email": "",
            "old_address": dict.fromkeys(ADDRESS_FIELDS, ""), "new_address": dict.fromkeys(ADDRESS_FIELDS, ""),
            "members": [blank_member(head=True)]}


def _text(value) -> str:
    return "" if value is None else str(value)


def from_data(data: dict) -> dict:
    """The stored form data as the editor shows it (dates as stored, YYYY-MM-DD)."""
    entry = blank_entry()
    for name in TOP_FIELDS:
        entry[name] = _text(data.get(name))
    for which in ADDRESSES:
        address = data.get(which) or {}
        entry[which] = {f: _text(address.get(f)) for f in ADDRESS_FIELDS}
    members = [{f: _text(m.get(f)) for f in MEMBER_FIELDS} for m in (data.get("members") or [])]
    entry["members"] = members or [blank_member(head=True)]
    return entry


def from_post(post) -> dict:
    """What the clerk typed, as typed (``members-<i>-<field>``, ``<address>.<field>``)."""
    entry = blank_entry()
    for name in TOP_FIELDS:
        entry[name] = str(post.get(name, ""))
    for which in ADDRESSES:
        entry[which] = {f: str(post.get(f"{which}.{f}", "")) for f in ADDRESS_FIELDS}
    try:
        count = max(0, min(int(post.get("members", "1")), MAX_MEMBERS + 1))
    except ValueError:
        count = 1
    entry["members"] = [{f: str(post.get(f"members-{i}-{f}", "")) for f in MEMBER_FIELDS} for i in range(count)]
    return entry


def _date(value: str, path: str, problems: list[dict]) -> str:
    """ISO text for the model, or the typed text with a problem recorded (和暦 accepted)."""
    if not value.strip():
        return value
    try:
        return wareki.parse(value).isoformat()
    except wareki.WarekiError as exc:
        problems.append({"field": path, "message": str(exc)})
        return value


def to_data(entry: dict) -> tuple[dict, list[dict]]:
    """The data ``data.validate`` checks, and the dates that could not be read."""
    problems: list[dict] = []
    out: dict = {"kind": entry["kind"], "move_date": _date(entry["move_date"], "move_date", problems),
                 "phone": entry["phone"], "email": entry["email"]}
    for which in ADDRESSES:
        out[which] = dict(entry[which])
    out["members"] = []
    for index, member in enumerate(entry["members"]):
        row = {f: member[f] for f in MEMBER_FIELDS}
        row["birth_date"] = _date(member["birth_date"], f"members[{index}].birth_date", problems)
        row["is_head"] = member["relationship"] == "head"  # 世帯主 is the 続柄 「世帯主」
        for choice in ("sex", "relationship"):
            if not row[choice]:
                row.pop(choice)  # not chosen: 「入力してください」
        out["members"].append(row)
    if not out["kind"]:
        out.pop("kind")
    return out, problems


def check(entry: dict) -> tuple[form_data.MoveForm | None, list[dict]]:
    """The checked form, or every problem (``{"field", "label", "message"}``) in Japanese."""
    raw, problems = to_data(entry)
    try:
        form = form_data.validate(raw)
    except form_data.FormInvalid as exc:
        errors = list(exc.detail["errors"])
    else:
        if not problems:
            return form, []
        errors = []
    # A date the clerk typed that cannot be read: its own message replaces the model's.
    unread = {p["field"] for p in problems}
    errors = [e for e in errors if e["field"] not in unread]
    for problem in problems:
        loc = tuple(int(p) if p.isdigit() else p
                    for p in problem["field"].replace("[", ".").replace("]", "").split("."))
        errors.append({**problem, "label": form_data.field_label(loc)})
    return None, errors


def place_errors(errors: list[dict], entry: dict) -> dict:
    """Each message beside its field: ``top[field]``, ``address[which][field]``,
    ``members[i][field]``; what belongs to no field (two heads) goes to ``general``."""
    placed: dict = {"top": {}, "address": {w: {} for w in ADDRESSES},
                    "members": [{} for _ in entry["members"]], "general": []}
    for error in errors:
        field, message = error["field"], error["message"]
        head, _, rest = field.partition(".")
        if field in TOP_FIELDS:
            placed["top"].setdefault(field, message)
        elif head in ADDRESSES or field in ADDRESSES:
            # The whole address (都道府県・市区町村・町名 missing) is shown at its 町名.
            placed["address"][head].setdefault(rest or "town", message)
        elif field.startswith("members["):
            index_text, _, name = field[len("members["):].partition("]")
            name = name.lstrip(".") or "relationship"  # the member as a whole: its 続柄 (世帯主)
            index = int(index_text) if index_text.isdigit() else -1
            if 0 <= index < len(placed["members"]):
                placed["members"][index].setdefault(name, message)
            else:
                placed["general"].append(error)
        elif field == "members":
            placed["top"].setdefault("members", message)
        else:
            placed["general"].append(error)
    return placed


def shown_date(value: str) -> str:
    """The 和暦 of a typed date, to show beside the field (empty when it cannot be read)."""
    try:
        day = wareki.parse(value)
        return wareki.wareki(day) if day >= dt.date(1912, 7, 30) else ""
    except (wareki.WarekiError, ValueError):
        return ""
