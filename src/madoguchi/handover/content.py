"""What a hand-over carries, schema version 1 (``"v": 1``), checked after it is opened.

Kinds: ``navigator`` (the procedure navigator's life event and answers), with an optional
``form`` part (issue 10, 書かない forms): the citizen's move form, ``forms.data.MoveForm``
(names, ふりがな, birth dates, addresses, phone; never a 個人番号). The schema version stays 1:
a payload without ``form`` is exactly what issue 9's navigator sealed and still opens; a
server from before issue 10 refuses a payload *with* ``form`` as ``handover_invalid``
(unknown field, ``extra="forbid"``), never half-reads it. A version this server does not
know is refused as ``handover_invalid`` saying the system needs updating, never guessed at.

With a form, ``life_event`` is the form's ``kind`` (転入 tennyu, 転出 tenshutsu, 転居 tenkyo), and
the answers ``household`` and ``move_date`` are derived from the form when opened (the browser
leaves them out: they would repeat the members' relationships and birth dates).
``forms.data`` is plain pydantic (no models): the one schema of the form data, read here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from madoguchi.core.timeutil import now, to_jst
from madoguchi.forms.data import MoveForm, errors_for_people, navigator_answers

from .errors import HandoverRefused

SCHEMA_VERSIONS = (1,)
CLOCK_SKEW = dt.timedelta(days=1)  # a phone's clock may be a little ahead
IDENTIFIER = r"^[a-z][a-z0-9_]{0,63}$"


class NavigatorContent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    v: Literal[1]
    kind: Literal["navigator"]
    office: str = Field(pattern=r"^[-a-zA-Z0-9_]{1,32}$")
    created_at: AwareDatetime
    expires_at: AwareDatetime
    life_event: str = Field(pattern=IDENTIFIER)
    answers: dict[str, Any]
    on: dt.date | None = None
    lang: str = Field(pattern=r"^[A-Za-z_-]{2,10}$")
    form: MoveForm | None = None

    @field_validator("answers")
    @classmethod
    def _question_ids(cls, answers: dict) -> dict:
        import re

        bad = [k for k in answers if not re.match(IDENTIFIER, k)]
        if bad:
            raise ValueError(f"not question ids: {bad[:5]}")
        return answers


def check(content: dict, *, office: str) -> dict:
    """The content as Python values (aware datetimes in JST, ``on`` a date), or a refusal.

    ``office`` is the office of the key that opened it: a hand-over names the office it was
    sealed for, and the two must agree.
    """
    version = content.get("v")
    if version not in SCHEMA_VERSIONS:
        raise HandoverRefused("handover_invalid", detail={"reason": "schema_version", "v": version},
                              message="新しい形式の引継ぎQRコードのため、このシステムでは開けません。"
                                      "システムの更新が必要です。")
    try:
        parsed = NavigatorContent.model_validate(content)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()[:10]]
        form_errors = [e for e in errors if e["loc"][:1] == ["form"]]
        detail = {"reason": "schema", "errors": errors}
        if form_errors:  # what the clerk can tell the citizen, in Japanese
            detail["form_errors"] = errors_for_people(exc)[:10]
        raise HandoverRefused("handover_invalid", detail=detail) from None
    if parsed.form is not None and parsed.form.kind != parsed.life_event:
        raise HandoverRefused("handover_invalid", detail={"reason": "form_kind"})
    if parsed.office != office:
        raise HandoverRefused("handover_invalid", detail={"reason": "office_mismatch"})
    current = now()
    lifetime = dt.timedelta(days=settings.HANDOVER_TTL_DAYS)
    if parsed.created_at > current + CLOCK_SKEW or parsed.expires_at < parsed.created_at or (
            parsed.expires_at - parsed.created_at > lifetime + CLOCK_SKEW):
        raise HandoverRefused("handover_invalid", detail={"reason": "dates"})
    if parsed.expires_at < current:
        raise HandoverRefused("handover_expired",
                              detail={"expired_at": to_jst(parsed.expires_at).isoformat()})
    out = parsed.model_dump(exclude={"form"})
    out["form"] = parsed.form.model_dump(mode="json") if parsed.form is not None else None
    if parsed.form is not None:
        # The browser leaves out what the form already says (a household of six then fits one
        # QR code): the navigator's household and move date are derived from the members.
        out["answers"] = {**out["answers"], **navigator_answers(parsed.form)}
    out["created_at"] = to_jst(parsed.created_at)
    out["expires_at"] = to_jst(parsed.expires_at)
    return out
