"""Reads of cases (habit 2). Looking at a case for a person goes through
``services.case_view`` first, which writes the audit row; these only read."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from madoguchi.core.timeutil import JST
from madoguchi.queueing.models import ACTIVE_STATES, Category, Office

from . import codes
from .models import (
    OUTSTANDING,
    Case,
    CaseEntry,
    CaseForm,
    CaseProcedure,
    CaseStatus,
    CaseTicket,
    ProcedureStatus,
)


def case_by_code(code: str) -> Case | None:
    code = codes.normalize(code)
    return Case.objects.select_related("office").filter(code=code).first() if code else None


def case_for_ticket(ticket_public_id: str) -> Case | None:
    """The case a ticket carries (linked when the case was opened, scanned or routed)."""
    if not ticket_public_id:
        return None
    link = (CaseTicket.objects.select_related("case__office")
            .filter(ticket__public_id=str(ticket_public_id)[:32]).first())
    return link.case if link else None


def case_tickets(case: Case) -> list:
    """The visitor's tickets, newest first, with where each is now."""
    return [link.ticket for link in CaseTicket.objects.filter(case=case)
            .select_related("ticket__category", "ticket__counter").order_by("-attached_at", "-id")]


def current_ticket(case: Case):
    """The visitor's active ticket of today, if any (where the visitor is now)."""
    for ticket in case_tickets(case):
        if ticket.state in ACTIVE_STATES:
            return ticket
    return None


def procedures_by_section(case: Case) -> list[dict]:
    """The case's procedures grouped by section, sections in the order of their first
    procedure (後日 ones were moved first on a revisit)."""
    groups: OrderedDict[str, dict] = OrderedDict()
    for row in CaseProcedure.objects.filter(case=case).order_by("position", "id"):
        key = row.section or row.section_name or "-"
        group = groups.setdefault(key, {"section": row.section, "name": row.section_name or row.section,
                                        "category": row.category, "procedures": []})
        group["procedures"].append(row)
    return list(groups.values())


def case_form(case: Case) -> CaseForm | None:
    """The latest version of the case's form data, or None (no form data taken yet)."""
    return CaseForm.objects.filter(case=case).order_by("-version").first()


def case_history(case: Case) -> list[CaseEntry]:
    return list(CaseEntry.objects.filter(case=case).order_by("id"))


def case_counts(case: Case) -> dict:
    counts = dict.fromkeys(ProcedureStatus.values, 0)
    for status in CaseProcedure.objects.filter(case=case).values_list("status", flat=True):
        counts[status] += 1
    counts["outstanding"] = sum(counts[s] for s in OUTSTANDING)
    counts["total"] = sum(counts[s] for s in ProcedureStatus.values)
    return counts


def category_names(office_id: int) -> dict[str, str]:
    return dict(Category.objects.filter(office_id=office_id).values_list("code", "name"))


def case_detail(case: Case) -> dict:
    """What the API answers for a case (``GET /api/v1/cases/{code}``)."""
    names = category_names(case.office_id)
    tickets = case_tickets(case)
    return {
        "code": case.code, "display_code": case.display_code, "office": case.office.code,
        "status": case.status, "life_event": case.life_event, "answers": case.answers,
        "on": case.on, "source": case.source, "opened_at": case.opened_at, "opened_by": case.opened_by,
        "closed_at": case.closed_at, "visits": case.visits,
        "procedures": [{
            "code": p.code, "name": p.name, "section": p.section, "section_name": p.section_name,
            "category": p.category or None, "category_name": names.get(p.category),
            "determination": p.determination, "reasons": p.reasons, "documents": p.documents,
            "deadline": p.deadline, "status": p.status, "note": p.note, "updated_at": p.updated_at,
        } for p in CaseProcedure.objects.filter(case=case).order_by("position", "id")],
        "tickets": [{"id": t.public_id, "number": t.number, "state": t.state, "category": t.category.code,
                     "counter": t.counter.label if t.counter_id else None,
                     "business_date": t.business_date} for t in tickets],
        "history": [{"at": e.at, "kind": e.kind, "actor": e.actor, "counter": e.counter or None,
                     "detail": e.detail} for e in case_history(case)],
    }


def office_open_cases(office: Office) -> list[dict]:
    """The supervisor's list: every open case of the office and where its visitor is now
    (ticket state, category, counter), oldest first. Bounded queries: cases, procedures'
    statuses, ticket links."""
    cases = list(Case.objects.filter(office=office, status=CaseStatus.OPEN).order_by("opened_at"))
    ids = [c.pk for c in cases]
    counts: dict[int, dict] = {pk: {"outstanding": 0, "done": 0, "later": 0, "total": 0} for pk in ids}
    for case_id, status in CaseProcedure.objects.filter(case_id__in=ids).values_list("case_id", "status"):
        row = counts[case_id]
        row["total"] += 1
        if status in OUTSTANDING:
            row["outstanding"] += 1
        if status in ("done", "later"):
            row[status] += 1
    latest: dict[int, object] = {}
    active: dict[int, object] = {}
    for link in (CaseTicket.objects.filter(case_id__in=ids)
                 .select_related("ticket__category", "ticket__counter").order_by("attached_at", "id")):
        latest[link.case_id] = link.ticket
        if link.ticket.state in ACTIVE_STATES:
            active[link.case_id] = link.ticket
    return [{"case": c, "counts": counts[c.pk], "ticket": active.get(c.pk) or latest.get(c.pk),
             "active": c.pk in active} for c in cases]


def cases_opened_count(first: dt.date, last: dt.date, *, source: str | None = None) -> int:
    """Cases opened between two business dates (both included, Asia/Tokyo), all offices; with
    ``source="handover"`` those opened from a citizen's hand-over QR (prepared at home)."""
    start = dt.datetime.combine(first, dt.time.min, tzinfo=JST)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=JST)
    cases = Case.objects.filter(opened_at__gte=start, opened_at__lt=end)
    if source:
        cases = cases.filter(source=source)
    return cases.count()
