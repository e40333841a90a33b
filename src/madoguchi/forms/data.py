"""The move form's data (住所異動: 転入・転出・転居), schema version 1: what one entry gives.

Everyone reads this shape: the citizen's phone fills it and seals it into the hand-over QR
(``handover/content.py`` ``form``), the counter corrects it or takes it by interview, and the
printed forms are filled from it (``forms/render.py``)::

    {"v": 1, "kind": "tennyu" | "tenshutsu" | "tenkyo", "move_date": "YYYY-MM-DD",
     "old_address": {"postcode": "9200961", "prefecture", "city", "town", "banchi", "building"},
     "new_address": {…same…},
     "members": [{"family_name", "given_name", "family_kana", "given_kana",
                  "birth_date": "YYYY-MM-DD", "sex": "male" | "female" | "unspecified",
                  "relationship": "head" | "spouse" | "child" | …, "is_head": bool}],
     "phone": "0762201111", "email": ""}

Every value is normalised before it is checked (``normalise.py``): kana to full-width
katakana, digits to half-width; names are kept code point for code point. There is no field
for the 個人番号 (My Number), and an unknown field is refused (``extra="forbid"``).

``validate(data)`` returns the model or raises ``FormInvalid`` whose detail lists each
problem as ``{"field": "members[1].birth_date", "label": "2人目の生年月日", "message": …}`` in
Japanese, for the clerk.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import business_date

from . import normalise

SCHEMA_VERSION = 1
KINDS = ("tennyu", "tenshutsu", "tenkyo")
# The navigator catalogue's household relationships (procedures/catalogue/questions.yaml), as
# seen from the head of the household.
RELATIONSHIPS = ("head", "spouse", "child", "parent", "grandparent", "grandchild", "sibling", "other")
SEXES = ("male", "female", "unspecified")
MAX_MEMBERS = 12
NAME_MAX = 40
KANA_MAX = 60

KANA_RE = re.compile(r"^[\u30a1-\u30fa\u30fc\u30fb\u3000]+$")  # ァ…ヺ ー ・ and 全角 space
PHONE_RE = re.compile(r"^0\d{9,10}$")
POSTCODE_RE = re.compile(r"^\d{7}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _check_name(value: str) -> str:
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cf") and not 0xE0100 <= ord(ch) <= 0xE01EF:
            raise _error("form_name_chars", "使えない文字（制御文字）が含まれています。")
    return value


def _before(func):
    return BeforeValidator(lambda v: func(v) if isinstance(v, str) or v is None else v)


Name = Annotated[str, _before(normalise.name), Field(max_length=NAME_MAX)]
Kana = Annotated[str, _before(normalise.kana), Field(max_length=KANA_MAX)]
Text = Annotated[str, _before(normalise.text), Field(max_length=80)]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    postcode: Annotated[str, _before(normalise.digits)] = ""
    prefecture: Annotated[str, _before(normalise.text), Field(max_length=10)] = ""
    city: Annotated[str, _before(normalise.text), Field(max_length=40)] = ""
    town: Text = ""
    banchi: Annotated[str, _before(normalise.banchi), Field(max_length=60)] = ""
    building: Text = ""

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        if value and not POSTCODE_RE.match(value):
            raise _error("form_postcode", "郵便番号は7桁の数字で入力してください。")
        return value

    def one_line(self) -> str:
        return "".join((self.prefecture, self.city, self.town, self.banchi)) + (
            f"　{self.building}" if self.building else "")


class Member(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_name: Name
    given_name: Name = ""  # some people have one name only
    family_kana: Kana
    given_kana: Kana = ""
    birth_date: dt.date
    sex: Literal["male", "female", "unspecified"]
    relationship: Literal["head", "spouse", "child", "parent", "grandparent", "grandchild",
                          "sibling", "other"]
    is_head: bool = False

    @field_validator("family_name")
    @classmethod
    def _family_name(cls, value: str) -> str:
        if not value:
            raise _error("form_required", "氏名（氏）を入力してください。")
        return _check_name(value)

    @field_validator("given_name")
    @classmethod
    def _given_name(cls, value: str) -> str:
        return _check_name(value)

    @field_validator("family_kana", "given_kana")
    @classmethod
    def _kana(cls, value: str, info) -> str:
        if not value:
            if info.field_name == "family_kana":
                raise _error("form_required", "ふりがなを入力してください。")
            return value
        if not KANA_RE.match(value):
            raise _error("form_kana", "ふりがなは、ひらがなかカタカナで入力してください。")
        return value

    @field_validator("birth_date")
    @classmethod
    def _birth(cls, value: dt.date) -> dt.date:
        if value < dt.date(1890, 1, 1) or value > business_date() + dt.timedelta(days=1):
            raise _error("form_birth_date", "生年月日が正しくありません。")
        return value

    @model_validator(mode="after")
    def _head(self) -> Member:
        if self.is_head != (self.relationship == "head"):
            raise _error("form_head", "世帯主の方は続柄を「世帯主」にしてください。")
        return self


class MoveForm(BaseModel):
    """One 住所異動 entry for a household. Never holds a 個人番号."""

    model_config = ConfigDict(extra="forbid")

    v: Literal[1] = 1
    kind: Literal["tennyu", "tenshutsu", "tenkyo"]
    move_date: dt.date
    old_address: Address
    new_address: Address
    members: list[Member] = Field(min_length=1, max_length=MAX_MEMBERS)
    phone: Annotated[str, _before(normalise.digits)]
    email: Annotated[str, _before(normalise.email), Field(max_length=120)] = ""

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not PHONE_RE.match(value):
            raise _error("form_phone", "電話番号は0から始まる10桁か11桁の数字で入力してください。")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not EMAIL_RE.match(value):
            raise _error("form_email", "メールアドレスの形式が正しくありません。")
        return value

    @field_validator("move_date")
    @classmethod
    def _move_date(cls, value: dt.date) -> dt.date:
        today = business_date()  # the day in Japan, whatever the server's zone
        if not today - dt.timedelta(days=366) <= value <= today + dt.timedelta(days=366):
            raise _error("form_move_date", "異動日（引越しの日）は前後1年以内の日付を入力してください。")
        return value

    @model_validator(mode="after")
    def _household(self) -> MoveForm:
        if sum(m.is_head for m in self.members) > 1:
            raise _error("form_two_heads", "世帯主は1人だけ選んでください。")
        # The address in this city must be complete (both of them for 転居, a move within the
        # city); the other one may be abroad (転入 from abroad, 転出 to abroad): then its
        # prefecture and city stay empty. The phone's form (citizen.js) checks the same.
        here = {"tennyu": ("new_address",), "tenshutsu": ("old_address",),
                "tenkyo": ("old_address", "new_address")}[self.kind]
        for field in here:
            address = getattr(self, field)
            if not (address.prefecture and address.city and address.town):
                raise PydanticCustomError("form_address", "{field}: 都道府県・市区町村・町名を入力してください。",
                                          {"field": field})
        return self


# ------------------------------------------------------------------ the navigator's answers


def navigator_answers(form: MoveForm | dict) -> dict[str, Any]:
    """The navigator's answers the form already gives (ワンスオンリー): the household
    (relationship and birth date of each member, no names) and the move date."""
    if isinstance(form, dict):
        form = MoveForm.model_validate(form)
    return {"move_date": form.move_date.isoformat(),
            "household": [{"relationship": m.relationship, "birth_date": m.birth_date.isoformat()}
                          for m in form.members]}


# ------------------------------------------------------------------ errors for people

FIELD_LABELS = {
    "form": "届出書", "kind": "届出の種類", "move_date": "異動日（引越しの日）", "old_address": "前の住所",
    "new_address": "新しい住所", "members": "世帯の方", "phone": "電話番号", "email": "メールアドレス",
    "postcode": "郵便番号", "prefecture": "都道府県", "city": "市区町村", "town": "町名",
    "banchi": "番地", "building": "建物名・部屋番号", "family_name": "氏名（氏）",
    "given_name": "氏名（名）", "family_kana": "ふりがな（氏）", "given_kana": "ふりがな（名）",
    "birth_date": "生年月日", "sex": "性別", "relationship": "続柄", "is_head": "世帯主",
}

GENERIC_MESSAGES = {
    "missing": "入力してください。",
    "string_too_long": "{max_length}文字以内で入力してください。",
    "too_long": "世帯の方は{max_length}人までです。",
    "too_short": "世帯の方を1人以上入力してください。",
    "date_from_datetime_parsing": "日付を正しく入力してください（例: 2026-04-01）。",
    "date_parsing": "日付を正しく入力してください（例: 2026-04-01）。",
    "date_type": "日付を正しく入力してください（例: 2026-04-01）。",
    "literal_error": "選択肢から選んでください。",
    "extra_forbidden": "この項目は受け付けていません。",
    "string_type": "文字で入力してください。",
    "bool_parsing": "はい・いいえで答えてください。",
    "model_type": "形式が正しくありません。",
    "list_type": "形式が正しくありません。",
}


class FormInvalid(ServiceError):
    status = 422
    code = "form_invalid"
    message = "届出の内容に誤りがあります。"


def field_path(loc) -> str:
    """``("members", 1, "birth_date")`` → ``members[1].birth_date``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def field_label(loc) -> str:
    """``("members", 1, "birth_date")`` → 「2人目の生年月日」."""
    words = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            if i and loc[i - 1] == "members":
                words[-1] = f"{part + 1}人目の"
            continue
        words.append(FIELD_LABELS.get(str(part), str(part)))
    out = ""
    for word in words:
        out += word if out.endswith("の") or not out else f"の{word}"
    return out.removesuffix("の")


def errors_for_people(exc: ValidationError) -> list[dict]:
    """Each problem with its path, its Japanese label and a Japanese message."""
    out = []
    for e in exc.errors():
        loc = tuple(e["loc"])
        ctx = e.get("ctx") or {}
        if e["type"] == "form_address":
            loc = loc + (ctx.get("field", ""),)
            message = "都道府県・市区町村・町名を入力してください。"
        elif e["type"].startswith("form_"):
            message = e["msg"]
        else:
            message = GENERIC_MESSAGES.get(e["type"], "入力内容が正しくありません。").format(**ctx)
        out.append({"field": field_path(loc), "label": field_label(loc), "message": message})
    return out


def validate(data: Any) -> MoveForm:
    """The form data checked and normalised, or ``FormInvalid`` listing every problem."""
    try:
        return MoveForm.model_validate(data)
    except ValidationError as exc:
        errors = errors_for_people(exc)
        first = errors[0]
        raise FormInvalid(f"{first['label']}: {first['message']}" if first["label"] else first["message"],
                          detail={"errors": errors}) from None


def json_schema() -> dict:
    return MoveForm.model_json_schema()
