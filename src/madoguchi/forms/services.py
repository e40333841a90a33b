"""Printing a case's form: the only code that writes print records (habit 1).

The PDF is drawn outside the transaction (a second or more); the record, the audit row and
the case's history line are written together after it, so a refused or failed print leaves
no record, and a record always has its page count.
"""

from __future__ import annotations

import io

from django.db import transaction

from madoguchi.cases import selectors as case_selectors
from madoguchi.cases import services as case_services
from madoguchi.core.actors import Actor
from madoguchi.core.audit import audit_record
from madoguchi.core.db import atomic_with_retry
from madoguchi.core.errors import Conflict, NotFound
from madoguchi.core.timeutil import business_date, now

from . import render, selectors
from .labels import label
from .models import FormPrint


def _case(actor: Actor, case_code: str):
    case = case_selectors.case_by_code(case_code)
    if case is None:
        raise NotFound("指定された案件が見つかりません。案件番号を確かめてください。", code="case_not_found")
    actor.require_staff(case.office_id)
    return case


def forms_print_all(*, actor: Actor, case_code: str, counter_id=None, via: str = "screen") -> tuple[bytes, list]:
    """Every form the case's procedures need, in one PDF (one click at the counter), each
    recorded as its own print. Refused as a whole (nothing printed, nothing recorded) when any
    of them would be: the clerk fixes the data once, then prints the set."""
    case = _case(actor, case_code)
    templates = selectors.forms_for_case(case)
    if not templates:
        raise Conflict("この案件の手続きに対応する帳票はありません。", code="no_forms_for_case")
    from pypdf import PdfWriter

    # Every form is drawn (or refused, naming the form) before anything is recorded.
    rendered = [_render(case, template) for template in templates]
    writer, records = PdfWriter(), []
    with transaction.atomic():
        for template, (out, row) in zip(templates, rendered, strict=True):
            records.append(_record(actor, case, template, row, out, counter_id, via))
    for out, _row in rendered:
        writer.append(io.BytesIO(out.pdf))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), records


def form_print(*, actor: Actor, case_code: str, form: str, counter_id=None,
               via: str = "api") -> tuple[render.Rendered, FormPrint]:
    """Fill ``form`` from the case's latest form data and record the print.

    Refusals (409, nothing recorded): ``form_data_missing`` with the missing fields (paths and
    Japanese labels), ``form_unprintable_chars`` with each character the font lacks — checked
    before anything is drawn, so a name is never printed with a blank box or a substitute.
    """
    case = _case(actor, case_code)
    template = selectors.template(form)
    if template is None:
        raise NotFound(f"様式「{form}」はありません。", code="form_not_found", detail={"form": form})
    rendered, row = _render(case, template)
    with transaction.atomic():
        record = _record(actor, case, template, row, rendered, counter_id, via)
    return rendered, record


def _render(case, template):
    row = case_selectors.case_form(case)
    if row is None:
        raise Conflict("この案件には届出の内容（氏名・住所・生年月日など）がまだありません。"
                       "引継ぎQRを読み取るか、聞き取りで入力してから印刷してください。",
                       code="form_data_missing",
                       detail={"form": template.code, "fields": ["*"], "labels": ["届出の内容"]})
    try:
        rendered = render.render(template, row.data, today=business_date(), extra=selectors.print_context(case))
    except render.FormDataMissing as exc:
        labels = [label(p) for p in exc.fields]
        raise Conflict(f"「{template.name}」に必要な次の項目が未入力のため印刷できません: {'、'.join(labels)}",
                       code="form_data_missing",
                       detail={"form": template.code, "fields": exc.fields, "labels": labels}) from exc
    except render.FormUnprintable as exc:
        shown = "、".join(f"「{c['char']}」({c['codepoint']}・{label(c['field'])})" for c in exc.chars)
        raise Conflict(f"次の文字は印刷用のフォントにないため印刷できません: {shown}。"
                       "ご本人に確認のうえ、届出の内容を訂正してください（空白や別の字で印刷することはしません）。",
                       code="form_unprintable_chars",
                       detail={"form": template.code, "chars": exc.chars}) from exc
    return rendered, row


def _record(actor, case, template, row, rendered, counter_id, via) -> FormPrint:
    record = FormPrint.objects.create(
        office=case.office, case_code=case.code, form=template.code, form_name=template.name,
        form_version=template.version, data_version=row.version, pages=rendered.pages, at=now(),
        actor=actor.label, actor_user_id=actor.user_id)
    audit_record(actor=actor, action="form.print", target=f"{case.office.code}/case/{case.code}",
                 detail={"form": template.code, "pages": rendered.pages, "data_version": row.version, "via": via})
    case_services.case_record_print(actor=actor, case_code=case.code, form=template.code,
                                    name=template.name, pages=rendered.pages, counter_id=counter_id)
    return record


# ------------------------------------------------------------------ the counter's form editor


def form_data_view(*, actor: Actor, case_code: str, counter_id=None):
    """The case and its latest form data for the correction screen (届出内容). Showing it is a
    view of personal data: audited as a view of the case (``via="form"``)."""
    case = case_services.case_view(actor=actor, case_code=case_code, counter_id=counter_id, via="form")
    return case, case_selectors.case_form(case)


def form_correct(*, actor: Actor, case_code: str, form, counter_id=None):
    """Keep the corrected data (``data.MoveForm``, checked) as the case's next version; the
    printed forms use it from now on. The same data again keeps no new version (None)."""
    case = _case(actor, case_code)
    data = form.model_dump(mode="json")
    latest = case_selectors.case_form(case)
    if latest is not None and latest.data == data:
        return None
    return case_services.case_attach_form(actor=actor, case_code=case.code, form_data=data,
                                          source="interview", counter_id=counter_id)


@atomic_with_retry()
def form_interview_open(*, actor: Actor, office, form, ticket_id: str | None = None, counter_id=None):
    """聞き取り for a visitor without a case yet: the case is opened as the navigator's interview
    opens one (``case_open``, source interview, the life event from the form's kind, the answers
    the form already gives: household and move date), with the form as its version 1, and
    linked to the ticket being called. Both or neither."""
    from .data import navigator_answers

    case = case_services.case_open(actor=actor, office=office, life_event=form.kind,
                                   answers=navigator_answers(form), source="interview",
                                   ticket_id=ticket_id, counter_id=counter_id)
    case_services.case_attach_form(actor=actor, case_code=case.code, form_data=form.model_dump(mode="json"),
                                   source="interview", counter_id=counter_id)
    return case
