"""The form data of one household (the §A MoveForm shape), as the phone form or the interview
gives it: a family of four moving in, names with 髙, 﨑 and 𠮷 (U+20BB7)."""

import copy

HOUSEHOLD = {
    "kind": "tennyu",
    "move_date": "2026-11-20",
    "old_address": {"postcode": "1500001", "prefecture": "東京都", "city": "渋谷区", "town": "神宮前",
                    "banchi": "一丁目2番3号", "building": "神宮前ハイツ505号室"},
    "new_address": {"postcode": "9200961", "prefecture": "石川県", "city": "金沢市", "town": "香林坊",
                    "banchi": "一丁目1番1号", "building": "香林坊マンション201"},
    "members": [
        {"family_name": "髙橋", "given_name": "𠮷男", "family_kana": "タカハシ", "given_kana": "ヨシオ",
         "birth_date": "1985-04-02", "sex": "male", "relationship": "head", "is_head": True},
        {"family_name": "髙橋", "given_name": "美﨑", "family_kana": "タカハシ", "given_kana": "ミサキ",
         "birth_date": "1989-01-08", "sex": "female", "relationship": "spouse", "is_head": False},
        {"family_name": "髙橋", "given_name": "陽菜", "family_kana": "タカハシ", "given_kana": "ヒナ",
         "birth_date": "2019-05-01", "sex": "female", "relationship": "child", "is_head": False},
        {"family_name": "山﨑", "given_name": "𠮷子", "family_kana": "ヤマザキ", "given_kana": "ヨシコ",
         "birth_date": "1956-01-10", "sex": "female", "relationship": "parent", "is_head": False},
    ],
    "phone": "0762201111",
}


def household(**changes) -> dict:
    data = copy.deepcopy(HOUSEHOLD)
    data.update(changes)
    return data
