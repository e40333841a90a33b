"""What the citizen-facing pages read, whichever side they run on.

``all`` / ``internal``: the queue tables are the truth. ``public``: the copy
the internal side pushed (``PublicOffice``, ``PublicTicket``), which may be
stale when the internal side goes quiet — then pages say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from madoguchi.core.timeutil import business_date, now, to_jst

ACTIVE = {"waiting", "called", "held"}


@dataclass(frozen=True)
class OfficeInfo:
    code: str
    name: str
    name_en: str
    received_at: dt.datetime | None = None  # public side: when the internal side last spoke

    @property
    def stale(self) -> bool:
        if self.received_at is None:
            return False
        return (now() - self.received_at).total_seconds() > settings.ZONE_STALE_SECONDS

    @property
    def received_at_jst(self) -> dt.datetime | None:
        return to_jst(self.received_at) if self.received_at else None


def is_public() -> bool:
    return settings.ROLE == "public"


def list_offices() -> list[dict]:
    if is_public():
        from .models import PublicOffice

        return list(PublicOffice.objects.values("code", "name"))
    from madoguchi.queueing.models import Office

    return list(Office.objects.values("code", "name"))


def get_office(code: str) -> OfficeInfo | None:
    if is_public():
        from .models import PublicOffice

        row = PublicOffice.objects.filter(code=code).first()
        return row and OfficeInfo(row.code, row.name, row.name_en, row.received_at)
    from madoguchi.queueing.models import Office

    row = Office.objects.filter(code=code).first()
    return row and OfficeInfo(row.code, row.name, row.name_en)


def get_board(code: str) -> dict | None:
    if is_public():
        from .models import PublicOffice

        row = PublicOffice.objects.filter(code=code).values("board").first()
        return row and row["board"]
    from madoguchi.queueing.models import Office
    from madoguchi.queueing.selectors import board_snapshot

    office = Office.objects.filter(code=code).first()
    return office and board_snapshot(office)


def get_calendar(code: str, start: dt.date, days: int) -> list[dict] | None:
    """The office calendar from ``start`` for ``days`` days (None: no such office). The public
    side answers from the copy the internal side sends (today and the next 183 days)."""
    if is_public():
        from .models import PublicOffice

        row = PublicOffice.objects.filter(code=code).values("calendar").first()
        if row is None:
            return None
        end = (start + dt.timedelta(days=days)).isoformat()
        return [d for d in row["calendar"] if start.isoformat() <= d["date"] < end]
    from madoguchi.queueing.calendar import calendar_days
    from madoguchi.queueing.models import Office

    office = Office.objects.filter(code=code).first()
    return office and calendar_days(office, start, days)


def category_names(code: str) -> dict[str, dict]:
    """Category code → {"name", "name_en", "names"} for one office (for other languages)."""
    if is_public():
        from .models import PublicOffice

        row = PublicOffice.objects.filter(code=code).values("categories").first()
        return {c["code"]: c for c in (row["categories"] if row else [])}
    from madoguchi.queueing.models import Category

    return {c["code"]: c for c in Category.objects.filter(office__code=code).values("code", "name", "name_en",
                                                                                     "names")}


def get_ticket(public_id: str) -> dict | None:
    """A ticket's public status: the API's fields plus what the page shows.

    Keys: number, category, state, waiting_ahead, wait_minutes, counter (the
    API contract) and office, category_name, issued_at, business_date.
    ``state`` is ``expired`` for an active ticket of a past business day.
    """
    if is_public():
        from .models import PublicTicket

        row = PublicTicket.objects.filter(public_id=public_id).first()
        if row is None:
            return None
        status = dict(row.status)
        status["issued_at"] = dt.datetime.fromisoformat(status["issued_at"])
        status["business_date"] = row.business_date
        if status["state"] in ACTIVE and row.business_date != business_date():
            status.update(state="expired", waiting_ahead=0, wait_minutes=0, counter=None)
        return status
    from madoguchi.queueing import selectors

    ticket = selectors.get_ticket(public_id)
    if ticket is None:
        return None
    status = selectors.ticket_status(ticket)
    status.update(public_id=ticket.public_id, office=ticket.office.code,
                  category_name=ticket.category.name, issued_at=to_jst(ticket.issued_at),
                  business_date=ticket.business_date,
                  transferred=ticket.category_id != ticket.issued_category_id)
    return status
