"""The demo's case 「DEMO-1」 (`madoguchi demo`): a household of four moving in, names with 髙, 﨑
and 𠮷 (U+20BB7), its form data attached, so every printed form can be tried at once. Called
from cli.py after the cases' demo (the queue knows nothing of forms)."""

from __future__ import annotations

import datetime as dt
import logging

from madoguchi.cases import codes
from madoguchi.cases import selectors as case_selectors
from madoguchi.cases import services as case_services
from madoguchi.cases.demo import demo_answers
from madoguchi.core.actors import Actor
from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import business_date

from .data import validate

log = logging.getLogger(__name__)
ACTOR = Actor(kind="system", label="デモデータ")
DEMO_NAME = "DEMO-1"


def demo_form_data(today: dt.date) -> dict:
    """The household as the phone form gives it (forms/data.py's MoveForm, schema 1)."""
    return {
        "kind": "tennyu",
        "move_date": (today - dt.timedelta(days=3)).isoformat(),
        "old_address": {"postcode": "1500001", "prefecture": "東京都", "city": "渋谷区", "town": "神宮前",
                        "banchi": "一丁目2番3号", "building": "神宮前ハイツ505号室"},
        "new_address": {"postcode": "9200961", "prefecture": "石川県", "city": "金沢市", "town": "香林坊",
                        "banchi": "一丁目1番1号", "building": "香林坊マンション201"},
        "members": [
            {"family_name": "髙橋", "given_name": "𠮷男", "family_kana": "タカハシ", "given_kana": "ヨシオ",
             "birth_date": "1985-04-02", "sex": "male", "relationship": "head", "is_head": True},
            {"family_name": "髙橋", "given_name": "美﨑", "family_kana": "タカハシ", "given_kana": "ミサキ",
             "birth_date": "1987-09-15", "sex": "female", "relationship": "spouse", "is_head": False},
            {"family_name": "髙橋", "given_name": "陽菜", "family_kana": "タカハシ", "given_kana": "ヒナ",
             "birth_date": "2023-05-05", "sex": "female", "relationship": "child", "is_head": False},
            {"family_name": "山﨑", "given_name": "𠮷子", "family_kana": "ヤマザキ", "given_kana": "ヨシコ",
             "birth_date": "1956-01-10", "sex": "female", "relationship": "parent", "is_head": False},
        ],
        "phone": "0762201111",
    }


def seed_form_case(office):
    """Idempotent: 「DEMO-1」 with its form data, opened once (as an interview would)."""
    code = codes.demo_code(1)
    case = case_selectors.case_by_code(code)
    if case is not None:
        return case
    today = business_date()
    data = validate(demo_form_data(today)).model_dump(mode="json")  # as the counter keeps it
    _event, answers, _statuses = demo_answers(today)[0]  # the same family's navigator answers
    # seal_registered: a seal registered before the move (cancelled by it) — 印鑑登録 again.
    answers = {**answers, "move_date": data["move_date"], "seal_registered": True,
               "household": [{"relationship": m["relationship"], "birth_date": m["birth_date"]}
                             for m in data["members"]]}
    try:
        case = case_services.case_open(actor=ACTOR, office=office, life_event="tennyu", answers=answers,
                                       source="interview", code=code)
        case_services.case_attach_form(actor=ACTOR, case_code=code, form_data=data, source="interview")
    except ServiceError as exc:
        log.warning("demo case %s not opened: %s %s", DEMO_NAME, exc.code, exc.message)
        return None
    return case
