"""The shape of each catalogue file (pydantic), with Japanese messages for what is wrong.

docs/catalogue.md describes the format for people; this module is its executable form. The
models only check shape and local rules; cross-references (a procedure's section, a question
used in a condition …) are checked by ``catalogue.py`` once every file is read.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

LANGS = ("ja", "en", "zh_Hans", "ko", "vi", "pt_BR")
LANG_NAMES = {"ja": "日本語", "en": "英語", "zh_Hans": "中国語（簡体字）", "ko": "韓国語",
              "vi": "ベトナム語", "pt_BR": "ポルトガル語"}
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
CATEGORY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
RELATIONSHIPS = ("head", "spouse", "child", "parent", "grandparent", "grandchild", "sibling",
                 "other")
QUESTION_TYPES = ("yes_no", "choice", "number", "date", "household")


def _ident(value: str) -> str:
    if not IDENT.match(value):
        raise ValueError(f"'{value}' は使えません。英小文字で始まり、英小文字・数字・_ だけの名前にしてください。")
    return value


def _category(value: str | None) -> str | None:
    if value is not None and not CATEGORY.match(value):
        raise ValueError(f"受付区分コード '{value}' は使えません（英小文字・数字・-・_）。")
    return value


def _text(required: tuple[str, ...]):
    def check(value: dict[str, str]) -> dict[str, str]:
        unknown = [k for k in value if k not in LANGS]
        if unknown:
            raise ValueError(f"言語 {', '.join(unknown)} は使えません。使える言語: {', '.join(LANGS)}。")
        missing = [LANG_NAMES[k] for k in required if not (value.get(k) or "").strip()]
        if missing:
            raise ValueError(f"{'・'.join(missing)}の文がありません（必須: {', '.join(required)}）。")
        return value
    return AfterValidator(check)


Ident = Annotated[str, AfterValidator(_ident)]
CategoryCode = Annotated[str | None, AfterValidator(_category)]
Text = Annotated[dict[str, str], _text(("ja",))]
NameText = Annotated[dict[str, str], _text(("ja", "en"))]
FullText = Annotated[dict[str, str], _text(LANGS)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Meta(Strict):
    name: Text
    sample: bool = False
    note: Text | None = None


class CatalogueFile(Strict):
    meta: Meta


class Section(Strict):
    code: Ident
    name: Text
    category: CategoryCode = None


class SectionsFile(Strict):
    sections: list[Section]


class Choice(Strict):
    value: Annotated[str, Field(min_length=1, max_length=60)]
    text: FullText


class Question(Strict):
    id: Ident
    type: Literal[QUESTION_TYPES]  # type: ignore[valid-type]
    text: FullText
    help: Text | None = None
    choices: list[Choice] | None = None
    asked_if: str | None = None

    @model_validator(mode="after")
    def _choices(self):
        if self.type == "choice":
            if not self.choices or len(self.choices) < 2:
                raise ValueError("type: choice の質問には choices を2つ以上書いてください。")
            values = [c.value for c in self.choices]
            if len(set(values)) != len(values) or "unknown" in values:
                raise ValueError("choices の value が重複しているか、予約語 'unknown' を使っています。")
        elif self.choices is not None:
            raise ValueError(f"choices は type: choice の質問にだけ書けます（この質問は {self.type}）。")
        return self


class QuestionsFile(Strict):
    questions: list[Question]


class LifeEvent(Strict):
    code: Ident
    name: FullText
    questions: list[Ident] = Field(min_length=1)


class LifeEventsFile(Strict):
    life_events: list[LifeEvent]


class Deadline(Strict):
    days: Annotated[int, Field(ge=0, le=3660)]
    from_: Ident = Field(alias="from")
    rule: Text | None = None


class Effective(Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _order(self):
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"effective の to ({self.to}) が from ({self.from_}) より前です。")
        return self


class Procedure(Strict):
    code: Ident
    name: NameText
    section: Ident
    category: CategoryCode = None
    life_events: list[Ident] = Field(min_length=1)
    when: str
    reason: Text
    documents: list[Text] = []
    fee: Text | None = None
    deadline: Deadline | None = None
    law: Text | None = None
    source_url: str | None = None
    online_url: str | None = None
    notes: Text | None = None
    effective: Effective


class ProceduresFile(Strict):
    procedures: list[Procedure]


class TestCase(Strict):
    name: Annotated[str, Field(min_length=1)]
    life_event: Ident
    on: dt.date
    answers: dict[str, Any] = {}
    applies: list[Ident] = []
    to_check: list[Ident] = []
    absent: list[Ident] = []


class TestsFile(Strict):
    tests: list[TestCase]


# pydantic's error types, in the words an operator editing YAML understands.
PYDANTIC_MESSAGES = {
    "missing": "必須の項目がありません",
    "extra_forbidden": "知らない項目です（綴りを確認してください）",
    "string_type": "文字列を書いてください",
    "int_type": "整数を書いてください",
    "int_parsing": "整数を書いてください",
    "bool_type": "true か false を書いてください",
    "bool_parsing": "true か false を書いてください",
    "list_type": "リスト（- で始まる行）を書いてください",
    "dict_type": "キー: 値 の形で書いてください",
    "model_type": "キー: 値 の形で書いてください",
    "date_type": "日付を YYYY-MM-DD で書いてください",
    "date_parsing": "日付を YYYY-MM-DD で書いてください",
    "date_from_datetime_parsing": "日付を YYYY-MM-DD で書いてください",
    "literal_error": "使えない値です",
    "too_short": "空にはできません",
    "string_too_short": "空にはできません",
    "greater_than_equal": "小さすぎます",
    "less_than_equal": "大きすぎます",
}


def pydantic_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    field = next((str(p) for p in reversed(error.get("loc", ())) if isinstance(p, str)), "")
    base = PYDANTIC_MESSAGES.get(kind, f"値が正しくありません（{error.get('msg', '')}）")
    if kind == "literal_error":
        base += f"（使える値: {error.get('ctx', {}).get('expected', '')}）"
    return f"'{field.removesuffix('_')}': {base}" if field else base
