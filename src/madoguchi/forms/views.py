"""Staff screens of the forms app (core/permissions.py: staff of the case's office), internal
side only: the print buttons' target (the filled PDF, or a Japanese page saying what stops it;
a clerk never sees a JSON error), and the counter's form editor — 届出内容 (the case's form data
to check and correct) and 聞き取り (the same form, empty, for a visitor without a phone),
with postcode → address on the spot."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from madoguchi.cases import selectors as case_selectors
from madoguchi.core.errors import ServiceError

from . import interview, postcodes, selectors, services


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


# ------------------------------------------------------------------ 届出内容 and 聞き取り at the counter


def _counter_and_current(office, counter_id):
    from madoguchi.queueing.models import Counter, Ticket, TicketState

    counter = get_object_or_404(Counter, pk=counter_id, office=office)
    current = (Ticket.objects.select_related("category").filter(counter=counter, state=TicketState.CALLED)
               .first())
    return counter, current


def _editor_page(request, *, office, counter, current, case, entry, errors=(), version=None,
                 focus: str = "", message: str = ""):
    placed = interview.place_errors(list(errors), entry)
    raw, _problems = interview.to_data(entry)
    members = [{"index": i, "prefix": f"members-{i}-", "values": m, "errors": placed["members"][i],
                "shown_birth": interview.shown_date(m["birth_date"])} for i, m in enumerate(entry["members"])]
    return render(request, "forms/form_editor.html", {
        "office": office, "counter": counter, "current": current, "case": case, "entry": entry,
        "members": members, "errors": list(errors), "placed": placed, "version": version,
        "addresses": [{"which": w, "title": t, "values": entry[w], "errors": placed["address"][w]}
                      for w, t in (("old_address", _("引越し前の住所")), ("new_address", _("引越し後の住所")))],
        "kinds": KIND_CHOICES, "sexes": SEX_CHOICES, "relationships": RELATIONSHIP_CHOICES,
        "shown_move_date": interview.shown_date(entry["move_date"]),
        "unprintable": selectors.unprintable_in(raw), "focus": focus, "message": message,
        "max_members": interview.MAX_MEMBERS,
        "back_url": reverse("counter-screen", kwargs={"code": office.code, "counter_id": counter.pk})})


# Numbered labels: in a focused <select> the clerk types the number (the browser's type-ahead).
KIND_CHOICES = [("tennyu", _lazy("1 転入")), ("tenshutsu", _lazy("2 転出")), ("tenkyo", _lazy("3 転居"))]
SEX_CHOICES = [("male", _lazy("1 男")), ("female", _lazy("2 女")), ("unspecified", _lazy("3 その他・回答なし"))]
RELATIONSHIP_CHOICES = [("head", _lazy("1 世帯主")), ("spouse", _lazy("2 配偶者")), ("child", _lazy("3 子")),
                        ("parent", _lazy("4 親")), ("grandparent", _lazy("5 祖父母")), ("grandchild", _lazy("6 孫")),
                        ("sibling", _lazy("7 兄弟姉妹")), ("other", _lazy("8 その他"))]


def form_editor(request, code, counter_id, case_code=None):
    """届出内容: the case's latest form data as an editable form (correction), or 聞き取り: the
    same form empty, for the called visitor's case or for a visitor without a case yet (the
    case is opened on saving). Saving checks with ``data.validate``; a refusal shows every
    message beside its field and keeps every value typed."""
    from madoguchi.cases import views as case_views

    office, actor = request.office, request.actor
    counter, current = _counter_and_current(office, counter_id)
    case = None
    if case_code is not None:
        case = case_selectors.case_by_code(case_code)
        if case is None or case.office_id != office.pk:
            raise Http404
    elif current is not None:
        known = case_selectors.case_for_ticket(current.public_id)
        if known is not None:  # the called visitor has a case: take the data into it
            return redirect("form-editor-case", code=office.code, counter_id=counter.pk, case_code=known.code)
    if request.method != "POST":
        version = None
        if case is not None:
            case, row = services.form_data_view(actor=actor, case_code=case.code, counter_id=counter.pk)
            entry = interview.from_data(row.data) if row else interview.blank_entry(case.life_event)
            version = row.version if row else None
        else:
            entry = interview.blank_entry()
        return _editor_page(request, office=office, counter=counter, current=current, case=case, entry=entry,
                            version=version, focus="kind")
    entry = interview.from_post(request.POST)
    version = request.POST.get("version") or None
    op = str(request.POST.get("op", "save"))
    page = {"office": office, "counter": counter, "current": current, "case": case, "version": version}
    if op == "add":
        if len(entry["members"]) >= interview.MAX_MEMBERS:
            return _editor_page(request, **page, entry=entry, message=_("世帯の方は{n}人までです。").format(n=interview.MAX_MEMBERS))
        entry["members"].append(interview.blank_member())
        return _editor_page(request, **page, entry=entry, focus=f"members-{len(entry['members']) - 1}-family_name")
    if op.startswith("remove-") and op[len("remove-"):].isdigit():
        index = int(op[len("remove-"):])
        if 0 <= index < len(entry["members"]) and len(entry["members"]) > 1:
            del entry["members"][index]
        return _editor_page(request, **page, entry=entry, focus="member-add")
    form, errors = interview.check(entry)
    if form is not None and case is not None:
        # Two clerks on one case: a save over a version this screen did not show is refused once.
        latest = case_selectors.case_form(case)
        if latest is not None and str(latest.version) != str(version or ""):
            page["version"] = latest.version
            return _editor_page(request, **page, entry=entry, errors=[{"field": "", "label": "", "message": _(
                "この画面を開いた後に、届出内容が第{v}版に更新されました。内容を確かめて、もう一度保存してください。"
            ).format(v=latest.version)}], focus="fe-save")
    if form is None:
        return _editor_page(request, **page, entry=entry, errors=errors,
                            focus=_first_field(errors, entry))
    try:
        if case is not None:
            row = services.form_correct(actor=actor, case_code=case.code, form=form, counter_id=counter.pk)
            message = (_("届出内容を第{v}版として保存しました。印刷する帳票はこの内容になります。").format(v=row.version)
                       if row else _("届出内容に変更はありません。"))
        else:
            ticket = current.public_id if current is not None else None
            case = services.form_interview_open(actor=actor, office=office, form=form, ticket_id=ticket,
                                                counter_id=counter.pk)
            message = _("聞き取りの内容で案件 {code} を作成しました。").format(code=case.display_code)
    except ServiceError as exc:
        return _editor_page(request, **page, entry=entry, errors=[{"field": "", "label": "", "message": exc.message}])
    case_views.show_on_counter(request, counter, case, message=message)
    return redirect("counter-screen", code=office.code, counter_id=counter.pk)


def _first_field(errors, entry) -> str:
    """The id of the first field with a message (the focus goes there)."""
    placed = interview.place_errors(errors, entry)
    for name in ("kind", "move_date"):
        if name in placed["top"]:
            return name
    for which in interview.ADDRESSES:
        for name in interview.ADDRESS_FIELDS:
            if name in placed["address"][which]:
                return f"{which}.{name}"
    for index, member in enumerate(placed["members"]):
        for name in interview.MEMBER_FIELDS:
            if name in member:
                return f"members-{index}-{name}"
    for name in ("phone", "email"):
        if name in placed["top"]:
            return name
    return "errors"


def form_postcode(request, code, counter_id):
    """Postcode → address on the spot (htmx, internal side: the public side's API is not reachable
    from the internal zone). Answers the rest of the address block with 都道府県・市区町村・町名
    filled, or 204 while fewer than seven digits are typed."""
    which = request.GET.get("which", "")
    if which not in interview.ADDRESSES:
        raise Http404
    _counter_and_current(request.office, counter_id)
    values = {f: str(request.GET.get(f"{which}.{f}", "")) for f in interview.ADDRESS_FIELDS}
    try:
        zip7 = postcodes.clean(values["postcode"])
    except postcodes.PostcodeInvalid:
        return HttpResponse(status=204)
    rows = postcodes.lookup(zip7)
    towns = list(dict.fromkeys(r["town"] for r in rows if r["town"]))
    focus, message = "", ""
    if rows:
        values.update(prefecture=rows[0]["prefecture"], city=rows[0]["city"],
                      town=towns[0] if len(towns) == 1 else "")
        if len(towns) > 1:
            focus, message = "town", _("町名を選んでください（候補 {n}件）。").format(n=len(towns))
        elif not towns:  # 「以下に掲載がない場合」: the city only
            focus, message = "town", _("都道府県と市区町村を入力しました。町名を入力してください。")
        else:
            focus, message = "banchi", _("住所を入力しました。番地を続けて入力してください。")
    else:
        message = _("この郵便番号の住所は見つかりません。番号を確かめるか、住所を入力してください。")
    return render(request, "forms/_address_rest.html", {
        "address": {"which": which, "values": values, "errors": {}}, "towns": towns, "focus": focus,
        "lookup_message": message, "found": bool(rows)})
