"""Forms API, internal side only (personal data): the installed templates and a case's form
as a filled PDF. Who may call each operation: its row in core/permissions.py."""

from django.conf import settings
from django.http import HttpResponse
from ninja import Router

from madoguchi.core.errors import NotFound
from madoguchi.queueing.schemas import ErrorOut

from . import selectors, services
from .schemas import FormOut

router = Router(tags=["forms"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
PDF_RESPONSE = {"200": {"description": "様式に案件の届出内容を記入した PDF（A4、フォント埋め込み）",
                        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


def _internal_only() -> None:
    if settings.ROLE == "public":
        raise NotFound("見つかりません。", code="not_found")


@router.get("/forms", response={200: list[FormOut], **ERRORS}, summary="インストールされている様式の一覧 (staff)")
def list_forms(request):
    _internal_only()
    return selectors.forms_installed()


@router.get("/cases/{code}/forms/{form}.pdf", response=ERRORS, openapi_extra={"responses": PDF_RESPONSE},
            summary="案件の届出内容を記入した様式の PDF (staff of the case's office); 409 form_data_missing "
                    "names the missing fields, 409 form_unprintable_chars the characters the font lacks")
def case_form_pdf(request, code: str, form: str):
    _internal_only()
    rendered, record = services.form_print(actor=request.actor, case_code=code, form=form, via="api")
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{record.case_code}-{record.form}.pdf"'
    response["X-Madoguchi-Pages"] = str(record.pages)
    response["Cache-Control"] = "no-store"
    return response
