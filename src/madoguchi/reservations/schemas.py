from datetime import date, datetime

from ninja import Field, Schema

from .slots import MAX_DAYS


class ReservationTypeOut(Schema):
    code: str
    name: str = Field(description="in the caller's language (Accept-Language / ?lang=)")
    slots_needed: int = Field(description="consecutive slots one booking takes (one-stop: at least)")
    kind: str = Field(description="general | onestop | card_pickup")


class SlotsQuery(Schema):
    type: str = Field(max_length=32, description="the reservation type's code")
    start: date | None = Field(None, alias="from", ge=date(2000, 1, 1), le=date(2999, 12, 31),
                               description="YYYY-MM-DD (default: today, JST)")
    days: int = Field(7, ge=1, le=MAX_DAYS, description=f"how many days, 1–{MAX_DAYS}")
    slots: int | None = Field(None, ge=1, le=12,
                              description="consecutive slots the booking needs (default: the type's)")


class SlotOut(Schema):
    start: datetime
    end: datetime
    free: int


class ReservationIn(Schema):
    type: str = Field(max_length=32)
    start: datetime = Field(description="a slot's start, ISO 8601 (a time without zone is JST)")
    altcha: str = Field("", max_length=8000, description="the ALTCHA widget's solution (base64)")
    email: str | None = Field(None, max_length=254)
    lang: str | None = Field(None, max_length=10)
    answers: dict | None = Field(
        None, description='one-stop: {"life_event": "tennyu", …the navigator\'s answers}; only the '
                          "procedures they determine are kept")
    notice_number: str | None = Field(None, max_length=64, description="card pickup: 交付通知書番号")
    birth_date: date | None = Field(None, description="card pickup: the holder's birth date")


class BookedOut(Schema):
    code: str
    start: datetime
    end: datetime
    status_url: str


class ReservationOut(Schema):
    code: str
    office: str
    type: str
    type_name: str
    start: datetime
    end: datetime
    status: str = Field(description="booked | cancelled | checked_in | no_show")
    procedures: list[str] = Field(description="one-stop: the procedure codes to be handled")


class CancelIn(Schema):
    token: str | None = Field(None, max_length=64, description="the change/cancel link's token")


class FreeSlotsQuery(Schema):
    start: date | None = Field(None, alias="from", ge=date(2000, 1, 1), le=date(2999, 12, 31),
                               description="YYYY-MM-DD (default: today, JST)")
    days: int = Field(31, ge=1, le=MAX_DAYS, description=f"how many days, 1–{MAX_DAYS}")


class FreeSlotsRowOut(Schema):
    date: str
    type: str
    slots: int
    capacity: int
    booked: int
    free: int


class FreeSlotsOut(Schema):
    office: str
    columns: list[str]
    rows: list[FreeSlotsRowOut]
