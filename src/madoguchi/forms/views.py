"""The print buttons' target: the filled PDF, or a Japanese page saying what stops it (a clerk
never sees a JSON error). Staff of the case's office (core/permissions.py)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from madoguchi.cases import selectors as case_selectors
from madoguchi.core.errors import ServiceError

from . import selectors, services


def case_form_print(request, code, case_code, form):
    office = request.office
    case = case_selectors.case_by_code(case_code)
    if case is None or case.office_id != office.pk:
        raise Http404
    try:
        rendered, record = services.form_print(actor=request.actor, case_code=case.code, form=form,
                                               counter_id=request.GET.get("counter") or None, via="screen")
    except ServiceError as exc:
        template = selectors.template(form)
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        return render(request, "forms/print_refused.html", {
            "office": office, "case_code": case.code, "code": exc.code, "message": exc.message,
            "form_name": template.name if template else form, "labels": detail.get("labels") or [],
            "chars": detail.get("chars") or []}, status=exc.status)
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{record.case_code}-{record.form}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def case_forms_print_all(request, code, case_code):
    """「まとめて印刷」: every form the case needs, one PDF."""
    office = request.office
    case = case_selectors.case_by_code(case_code)
    if case is None or case.office_id != office.pk:
        raise Http404
    try:
        pdf, records = services.forms_print_all(actor=request.actor, case_code=case.code,
                                                counter_id=request.GET.get("counter") or None, via="screen")
    except ServiceError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        template = selectors.template(detail.get("form", ""))
        return render(request, "forms/print_refused.html", {
            "office": office, "case_code": case.code, "code": exc.code, "message": exc.message,
            "form_name": template.name if template else "記入済みの帳票", "labels": detail.get("labels") or [],
            "chars": detail.get("chars") or []}, status=exc.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.code}-forms.pdf"'
    response["X-Madoguchi-Pages"] = str(sum(r.pages for r in records))
    response["Cache-Control"] = "no-store"
    return response
