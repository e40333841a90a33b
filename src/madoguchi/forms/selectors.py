"""Reads of the forms app: the installed templates, the forms a case needs, whether each can be
printed now, and the print records (paper counts)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum

from madoguchi.cases import selectors as case_selectors
from madoguchi.cases.models import ProcedureStatus
from madoguchi.core.timeutil import business_date

from . import layout, render
from .labels import label
from .models import FormPrint


def forms_installed() -> list[dict]:
    """``GET /api/v1/forms``: code and name of every installed template, by code."""
    return [{"code": t.code, "name": t.name, "procedures": t.procedures, "life_events": t.life_events,
             "pages": len(t.pages), "version": t.version}
            for t in sorted(layout.installed().values(), key=lambda t: t.code)]


def template(code: str) -> layout.FormTemplate | None:
    return layout.installed().get(str(code))


def forms_for_case(case) -> list[layout.FormTemplate]:
    """The templates the case's procedures need (a procedure marked 対象外 needs none), in the
    order of the case's procedures; then those tied to its life event."""
    codes = [p.code for p in case.procedures.exclude(status=ProcedureStatus.NOT_APPLICABLE).order_by("position", "id")]
    chosen: list[layout.FormTemplate] = []
    templates = list(layout.installed().values())
    for code in codes:
        for t in templates:
            if code in t.procedures and t not in chosen:
                chosen.append(t)
    for t in templates:
        if case.life_event in t.life_events and t not in chosen:
            chosen.append(t)
    return chosen


def print_context(case) -> dict:
    """What the templates may print besides the form data: the case's code, the office."""
    return {"case": {"code": case.code, "display_code": case.display_code},
            "office": {"code": case.office.code, "name": case.office.name}}


def case_forms_status(case, *, today: dt.date | None = None) -> dict:
    """For the clerk before printing: each needed form and what stops it (missing values,
    characters the font lacks), so no one prints to find out."""
    row = case_selectors.case_form(case)
    today = today or business_date()
    forms = []
    for t in forms_for_case(case):
        entry = {"code": t.code, "name": t.name, "missing": [], "unprintable": []}
        if row is not None:
            problems = render.check(t, row.data, today=today, extra=print_context(case))
            entry["missing"] = [label(p) for p in problems["missing"]]
            entry["unprintable"] = problems["unprintable"]
        entry["ready"] = row is not None and not entry["missing"] and not entry["unprintable"]
        forms.append(entry)
    return {"has_data": row is not None, "data_version": row.version if row else None, "forms": forms,
            "all_ready": bool(forms) and all(f["ready"] for f in forms)}


def unprintable_in(data, path: str = "") -> list[dict]:
    """Every character of the form data that no form could print (the font lacks it), with
    where it is: for a correction screen to flag at once, before any form is chosen."""
    found: list[dict] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found += unprintable_in(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += unprintable_in(value, f"{path}[{index}]")
    elif isinstance(data, str):
        problems: list[dict] = []
        render.printable_text(data, path, problems)
        found += [{**p, "label": label(path)} for p in problems]
    return found


def print_counts(*, office=None, since: dt.datetime | None = None) -> list[dict]:
    """Printed forms and pages per form (the DX office's paper count)."""
    rows = FormPrint.objects.all()
    if office is not None:
        rows = rows.filter(office=office)
    if since is not None:
        rows = rows.filter(at__gte=since)
    return list(rows.values("form", "form_name").annotate(prints=Count("id"), pages=Sum("pages")).order_by("form"))
