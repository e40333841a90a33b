from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from madoguchi.queueing.schemas import TicketOut

ProcedureStatusIn = Literal["pending", "in_progress", "done", "not_applicable", "later"]


class CaseOpenIn(Schema):
    """Either ``{"payload": …}`` (a scanned hand-over QR's text) or ``{"life_event", "answers"}``
    (interview mode, the kiosk navigator in the office)."""

    payload: str | None = Field(None, max_length=8000, description="the hand-over QR's text (base45)")
    life_event: str | None = Field(None, max_length=32, description="転入 tennyu, 転出 tenshutsu …")
    answers: dict[str, object] | None = Field(None, description='question id → value | "unknown"')
    on: date | None = Field(None, description="determination date (default: today, JST)")
    source: Literal["kiosk", "interview"] | None = Field(
        None, description="how the answers were taken (default interview; a payload is always handover)")
    ticket: str | None = Field(None, max_length=32, description="the visitor's ticket id, to link")
    office: str | None = Field(None, max_length=32,
                               description="office code (default: the office of the token, or the clerk's only one)")


class CaseProcedureOut(Schema):
    code: str
    name: str
    section: str
    section_name: str
    category: str | None
    category_name: str | None
    determination: Literal["applies", "to_check"]
    reasons: list[str]
    documents: list[str]
    deadline: date | None
    status: ProcedureStatusIn
    note: str
    updated_at: datetime


class CaseTicketOut(Schema):
    id: str
    number: int
    state: str
    category: str
    counter: str | None
    business_date: date


class CaseEntryOut(Schema):
    at: datetime
    kind: str
    actor: str
    counter: str | None
    detail: dict[str, object]


class CaseOut(Schema):
    code: str = Field(description="8 characters of Crockford base32")
    display_code: str = Field(description='as printed: "ABCD-2345"')
    office: str
    status: Literal["open", "closed"]
    life_event: str
    answers: dict[str, object]
    on: date
    source: Literal["handover", "kiosk", "interview"]
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    visits: int
    procedures: list[CaseProcedureOut]
    tickets: list[CaseTicketOut]
    history: list[CaseEntryOut]


class ProcedureIn(Schema):
    status: ProcedureStatusIn | None = Field(
        None, description="未対応 pending · 対応中 in_progress · 完了 done · 対象外 not_applicable · 後日 later")
    note: str | None = Field(None, max_length=1000)


class CaseRouteIn(Schema):
    ticket: str = Field(max_length=32, description="the visitor's ticket id")
    category: str | None = Field(None, max_length=32, description="default: the next category the case needs")


class CaseRouteOut(Schema):
    case: str
    ticket: TicketOut
