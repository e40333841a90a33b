"""Japanese names of the form data's places, for the clerk: ``members[2].birth_date`` →
「3人目の生年月日」 (a refusal names what to fill in, not a path)."""

from __future__ import annotations

import re

FIELD = {
    "kind": "異動の種類", "move_date": "異動日", "phone": "電話番号", "email": "メールアドレス",
    "new_address": "新住所", "old_address": "旧住所", "members": "世帯員", "head": "世帯主",
    "applicant": "届出人", "postcode": "郵便番号", "prefecture": "都道府県", "city": "市区町村",
    "town": "町名", "banchi": "番地", "building": "方書", "family_name": "氏", "given_name": "名",
    "family_kana": "氏のフリガナ", "given_kana": "名のフリガナ", "birth_date": "生年月日", "sex": "性別",
    "relationship": "続柄", "is_head": "世帯主の印",
}
_PART = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def label(path: str) -> str:
    """「3人目の生年月日」「新住所の郵便番号」; an unknown name is shown as it is."""
    words = []
    for name, index in _PART.findall(path.split("（")[0]):
        word = FIELD.get(name, name)
        if index is not None and index != "":
            word = f"{int(index) + 1}人目" if name == "members" else f"{word}{int(index) + 1}"
        words.append(word)
    text = "の".join(words)
    if "（" in path:  # a block of rows with a condition: 「世帯員（relationship=child）」
        text += "（" + path.split("（", 1)[1]
    return text
