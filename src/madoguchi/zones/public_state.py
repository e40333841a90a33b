"""The public side's implementation of the citizen pages' read interface
(``madoguchi.queueing.public_state``): the copy the internal side pushed (``PublicOffice``,
``PublicTicket``), which may be stale when the internal side goes quiet — then pages say so.

Registered for ``ROLE=public`` by ``ZonesConfig.ready()``. The module-level names below are the
queue's interface, re-exported for code that still imports them from here.
"""

from __future__ import annotations

import datetime as dt

from madoguchi.core.timeutil import business_date
from madoguchi.queueing import rules
from madoguchi.queueing.public_state import (  # noqa: F401 (the interface, re-exported)
    OfficeInfo,
    category_names,
    get_board,
    get_calendar,
    get_office,
    get_ticket,
    is_public,
    list_offices,
)


class ZoneCopyState:
    """Reads the zone copy; never the queue tables (the public side has none)."""

    def list_offices(self) -> list[dict]:
        from .models import PublicOffice

        return list(PublicOffice.objects.values("code", "name"))

    def get_office(self, code: str) -> OfficeInfo | None:
        from .models import PublicOffice

        row = PublicOffice.objects.filter(code=code).first()
        return row and OfficeInfo(row.code, row.name, row.name_en, row.received_at)

    def get_board(self, code: str) -> dict | None:
        from .models import PublicOffice

        row = PublicOffice.objects.filter(code=code).values("board").first()
        return row and row["board"]

    def get_calendar(self, code: str, start: dt.date, days: int) -> list[dict] | None:
        """From the copy the internal side sends (today and the next 183 days)."""
        from .models import PublicOffice

        row = PublicOffice.objects.filter(code=code).values("calendar").first()
        if row is None:
            return None
        end = (start + dt.timedelta(days=days)).isoformat()
        return [d for d in row["calendar"] if start.isoformat() <= d["date"] < end]

    def category_names(self, code: str) -> dict[str, dict]:
        from .models import PublicOffice

        row = PublicOffice.objects.filter(code=code).values("categories").first()
        return {c["code"]: c for c in (row["categories"] if row else [])}

    def get_ticket(self, public_id: str) -> dict | None:
        from .models import PublicTicket

        row = PublicTicket.objects.filter(public_id=public_id).first()
        if row is None:
            return None
        status = dict(row.status)
        status["issued_at"] = dt.datetime.fromisoformat(status["issued_at"])
        status["business_date"] = row.business_date
        if rules.is_expired(status["state"], row.business_date, business_date()):
            status.update(state=rules.EXPIRED, waiting_ahead=0, wait_minutes=0, wait_minutes_p80=0,
                          counter=None)
        return status
