"""What the citizen pages read, whichever side they run on: one interface, one implementation
per network role (Sentry's ``services/…/service.py`` shape).

``all`` / ``internal``: the queue tables are the truth (``InternalState``, here). ``public``:
the copy the internal side pushed, which may be stale when the internal side goes quiet — the
zones app provides that implementation and registers it from its ``AppConfig.ready()``::

    public_state.register("public", ZoneCopyState())

so the dependency points from zones to the queue, never back. Pages, the public API, the
notices and the template tags call the module functions below (``get_ticket``, ``get_board``…);
the implementation is looked up by ``settings.ROLE`` (a dict lookup, no import).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from madoguchi.core.timeutil import now, to_jst

from . import rules


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


class PublicState(Protocol):
    """The read interface of the citizen pages. Nothing personal crosses it."""

    def list_offices(self) -> list[dict]: ...
    def get_office(self, code: str) -> OfficeInfo | None: ...
    def get_board(self, code: str) -> dict | None: ...
    def get_calendar(self, code: str, start: dt.date, days: int) -> list[dict] | None: ...
    def category_names(self, code: str) -> dict[str, dict]: ...
    def get_ticket(self, public_id: str) -> dict | None: ...


class InternalState:
    """The queue's own tables (roles ``all`` and ``internal``)."""

    def list_offices(self) -> list[dict]:
        from .models import Office

        return list(Office.objects.values("code", "name"))

    def get_office(self, code: str) -> OfficeInfo | None:
        from .models import Office

        row = Office.objects.filter(code=code).first()
        return row and OfficeInfo(row.code, row.name, row.name_en)

    def get_board(self, code: str) -> dict | None:
        from .models import Office
        from .selectors import board_snapshot

        office = Office.objects.filter(code=code).first()
        return office and board_snapshot(office)

    def get_calendar(self, code: str, start: dt.date, days: int) -> list[dict] | None:
        from .calendar import calendar_days
        from .models import Office

        office = Office.objects.filter(code=code).first()
        return office and calendar_days(office, start, days)

    def category_names(self, code: str) -> dict[str, dict]:
        from .models import Category

        return {c["code"]: c for c in Category.objects.filter(office__code=code)
                .values("code", "name", "name_en", "names")}

    def get_ticket(self, public_id: str) -> dict | None:
        from . import selectors

        ticket = selectors.get_ticket(public_id)
        if ticket is None:
            return None
        status = selectors.ticket_status(ticket)
        status.update(public_id=ticket.public_id, office=ticket.office.code,
                      category_name=ticket.category.name, issued_at=to_jst(ticket.issued_at),
                      business_date=ticket.business_date,
                      transferred=ticket.category_id != ticket.issued_category_id)
        return status


_internal = InternalState()
_by_role: dict[str, PublicState] = {}


def register(role: str, implementation: PublicState) -> None:
    """Serve the citizen pages of ``role`` (e.g. ``"public"``) from ``implementation``."""
    _by_role[role] = implementation


def implementation() -> PublicState:
    return _by_role.get(settings.ROLE, _internal)


def is_public() -> bool:
    """True on the public side: pages read a copy, the queue tables are not there."""
    return settings.ROLE == "public"


def is_ended(status: dict) -> bool:
    """A ticket the citizen can no longer wait with (done, no-show, cancelled, expired)."""
    return status.get("state") not in rules.ACTIVE_STATES


def list_offices() -> list[dict]:
    return implementation().list_offices()


def get_office(code: str) -> OfficeInfo | None:
    return implementation().get_office(code)


def get_board(code: str) -> dict | None:
    return implementation().get_board(code)


def get_calendar(code: str, start: dt.date, days: int) -> list[dict] | None:
    """The office calendar from ``start`` for ``days`` days (None: no such office)."""
    return implementation().get_calendar(code, start, days)


def category_names(code: str) -> dict[str, dict]:
    """Category code → {"name", "name_en", "names"} for one office (for other languages)."""
    return implementation().category_names(code)


def get_ticket(public_id: str) -> dict | None:
    """A ticket's public status: the API's fields plus what the page shows.

    Keys: number, category, state, waiting_ahead, wait_minutes, counter (the
    API contract) and office, category_name, issued_at, business_date.
    ``state`` is ``expired`` for an active ticket of a past business day (rules.py).
    """
    return implementation().get_ticket(public_id)
