from datetime import date, datetime

from ninja import Field, Schema


class ErrorOut(Schema):
    code: str
    message: str
    detail: object | None = None


class OfficeOut(Schema):
    code: str
    name: str


class BoardRowOut(Schema):
    category: str
    name: str
    range: tuple[int, int]
    last_called: int | None
    next_number: int | None
    waiting: int
    wait_minutes: int = Field(description="the wait of a ticket issued now, about (P50)")
    wait_minutes_p80: int | None = Field(
        None, description="four in five tickets issued now are called within this (P80)")
    on_hold: int
    accepting: bool = Field(True, description="false: 受付終了 (the category issues no ticket now)")
    closed_reason: str | None = Field(
        None, description="why not accepting: office_closed | reception_closed (past the cut-off) | category_closed")
    reception_until: str | None = Field(None, description='the category\'s daily cut-off, "HH:MM" (JST)')
    accepting_until: datetime | None = Field(None, description="accepting: when it stops today (closing or cut-off)")
    next_opening: datetime | None = Field(None, description="not accepting: when it issues again")


class CallingOut(Schema):
    number: int
    counter: str


class BoardOut(Schema):
    office: str
    updated_at: datetime
    rows: list[BoardRowOut]
    calling: list[CallingOut]
    # Called in the last 30 minutes as 不在 (no-show): the lobby display lists them.
    missed: list[int] = []
    missed_until: list[datetime] = []  # when each of ``missed`` leaves the list


class CounterOut(Schema):
    id: str
    name: str
    categories: list[str]


class IssueIn(Schema):
    category: str


class IssuedOut(Schema):
    id: str
    number: int
    category: str
    waiting_ahead: int
    status_url: str


class TransferIn(Schema):
    category: str


class CallNextIn(Schema):
    # The ticket the counter's screen shows as being called: finished before the next call.
    finish_current: str | None = None


class RouteIn(Schema):
    category: str = Field(max_length=32)
    # What the move is for, kept in the ticket's event (e.g. "case:123").
    ref: str | None = Field(default=None, max_length=100)


class CallTicketIn(Schema):
    ticket: str
    finish_current: str | None = None


class TicketOut(Schema):
    id: str
    number: int
    category: str
    state: str
    counter: str | None
    issued_at: datetime
    recall_count: int


class TicketEnvelope(Schema):
    ticket: TicketOut


class TicketStatusOut(Schema):
    number: int
    category: str
    state: str
    waiting_ahead: int
    wait_minutes: int = Field(description="about (P50): half of such waits are shorter")
    wait_minutes_p80: int | None = Field(None, description="at the latest for four in five (P80)")
    counter: str | None


class CalendarDayOut(Schema):
    """One day of an office's calendar. ``hours`` are half-open JST ranges ("17:30": issuing
    ends at 17:29:59); "24:00" ends at midnight. ``note``: 「祝日（勤労感謝の日）」「年末年始」「休日開庁」…"""

    date: str
    open: bool
    hours: list[tuple[str, str]]
    note: str | None


class CalendarQuery(Schema):
    start: date | None = Field(None, alias="from", ge=date(2000, 1, 1), le=date(2999, 12, 31),
                               description="YYYY-MM-DD, 2000-01-01 to 2999-12-31 (default: today, JST)")
    days: int = Field(7, ge=1, le=92, description="how many days, 1–92")
