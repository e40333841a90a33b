"""Move-form data for tests: a household with 異体字 in the names (髙 U+9AD9, 﨑 U+FA11,
𠮷 U+20BB7, 葛 with the variation selector U+E0100)."""

from __future__ import annotations

import copy
import datetime as dt

VS17 = "\U000E0100"

PEOPLE = [
    # family, given, family kana, given kana, birth, sex, relationship
    ("髙橋", "太郎", "たかはし", "たろう", "1985-04-02", "male", "head"),
    ("髙橋", "花子", "タカハシ", "ハナコ", "1987-09-30", "female", "spouse"),
    ("髙橋", "𠮷男", "ﾀｶﾊｼ", "ﾖｼｵ", "2016-01-20", "male", "child"),
    ("髙橋", "﨑美", "たかはし", "さきみ", "2023-05-05", "female", "child"),
    ("山﨑", "葛" + VS17 + "子", "やまさき", "かずこ", "1956-01-10", "female", "parent"),
    ("山﨑", "正一", "やまさき", "しょういち", "1954-12-03", "male", "parent"),
    ("髙橋", "陽向", "たかはし", "ひなた", "2026-01-01", "unspecified", "grandchild"),
    ("髙橋", "美咲", "たかはし", "みさき", "1990-07-15", "female", "sibling"),
]


def member(i: int) -> dict:
    family, given, fk, gk, birth, sex, rel = PEOPLE[i]
    return {"family_name": family, "given_name": given, "family_kana": fk, "given_kana": gk,
            "birth_date": birth, "sex": sex, "relationship": rel, "is_head": rel == "head"}


def move_form(size: int = 4, /, **overrides) -> dict:
    data = {
        "kind": "tennyu",
        "move_date": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
        "old_address": {"postcode": "1000001", "prefecture": "東京都", "city": "千代田区",
                        "town": "千代田", "banchi": "1-1", "building": "千代田グランドハイツ 1203号室"},
        "new_address": {"postcode": "9200961", "prefecture": "石川県", "city": "金沢市",
                        "town": "香林坊", "banchi": "1丁目1-1", "building": "香林坊レジデンス 305号室"},
        "members": [member(i) for i in range(size)],
        "phone": "09012345678",
    }
    data.update(copy.deepcopy(overrides))
    return data
