"""Staff screens of the one-stop case: the case beside the counter screen's called ticket
(scan field, procedures by section with status buttons, notes, history, 「次の窓口へ」), the
printable case page and the supervisor's list of open cases.

Who may open them is declared in core/permissions.py (``request.office`` and
``request.actor`` are set before the view runs). Internal side only (urls.py).
"""

from __future__ import annotations

import re
import time

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.core.errors import ServiceError
from madoguchi.core.models import Role
from madoguchi.queueing.models import ACTIVE_STATES, Counter, Ticket, TicketState

from . import codes, selectors, services
from .answers import answer_rows
from .models import ProcedureStatus

FLASH_SECONDS = 20
# The address printed in a ticket's QR code (queueing: /t/<public id>/).
_TICKET_URL = re.compile(r"/t/([A-Za-z0-9_-]{8,32})/?")

STATUS_KEYS = [  # status, key (on a focused procedure row), button label
    (ProcedureStatus.PENDING, "p"), (ProcedureStatus.IN_PROGRESS, "w"), (ProcedureStatus.DONE, "d"),
    (ProcedureStatus.NOT_APPLICABLE, "z"), (ProcedureStatus.LATER, "l"),
]


def _pin_key(counter) -> str:
    return f"cases.pinned.{counter.pk}"


def _flash_key(counter) -> str:
    return f"cases.flash.{counter.pk}"


def _seen_key(counter) -> str:
    return f"cases.seen.{counter.pk}"


def _pin(request, counter, case, ticket_id: str | None) -> None:
    """The case this counter's screen shows while ``ticket_id`` (or no ticket) is being called."""
    request.session[_pin_key(counter)] = {"case": case.code, "ticket": ticket_id or ""} if case else None


def _flash(request, counter, message=None, error=None) -> None:
    request.session[_flash_key(counter)] = {"message": message, "error": error, "at": time.time()}


def _remember_seen(request, counter, seen: str) -> None:
    """Note that this showing was audited. A live redraw (GET) that writes the session would
    save the copy it read when it started: an action answered meanwhile (a scan's pin and
    「案件 … を開きました」) would be undone. So a redraw takes the stored session again first
    and adds only its mark (public API: the items, not the store's cache)."""
    session = request.session
    if request.method == "GET" and session.session_key:
        fresh = session.__class__(session.session_key).load()
        for key in [k for k in session.keys() if k not in fresh]:
            del session[key]
        for key, value in fresh.items():
            session[key] = value
    session[_seen_key(counter)] = seen


def life_event_names() -> dict[str, str]:
    try:
        from madoguchi.procedures import selectors as procedures
    except ImportError:
        return {}
    try:
        return {e["code"]: e["name"] for e in procedures.life_events("ja")}
    except Exception:  # noqa: BLE001 — a name only; the code is shown instead
        return {}


def side_context(request, office, counter, current) -> dict:
    """The case part of the counter screen: the case of the called ticket, else the case this
    screen opened by code or QR for the same moment (no ticket, or the same ticket)."""
    case = selectors.case_for_ticket(current.public_id) if current is not None else None
    from_ticket = case is not None
    pinned = request.session.get(_pin_key(counter)) or {}
    if case is None and pinned.get("case") and pinned.get("ticket", "") == (current.public_id if current else ""):
        case = selectors.case_by_code(pinned["case"])
        if case is not None and case.office_id != office.pk:
            case = None
    context = {"office": office, "counter": counter, "current": current, "case": case,
               "from_ticket": from_ticket,
               "status_keys": STATUS_KEYS, "message": None, "error": None}
    flash = request.session.get(_flash_key(counter))
    if flash and time.time() - flash.get("at", 0) < FLASH_SECONDS:
        context["message"], context["error"] = flash.get("message"), flash.get("error")
    if case is None:
        return context
    # Every showing of a case to a person is audited; a redraw of the same showing is not.
    seen = f"{case.code}:{current.public_id if current else ''}"
    if request.session.get(_seen_key(counter)) != seen:
        services.case_view(actor=request.actor, case_code=case.code, counter_id=counter.pk, via="counter")
        _remember_seen(request, counter, seen)
    ticket = current if current is not None else selectors.current_ticket(case)
    linked = current is not None and selectors.case_for_ticket(current.public_id) is not None
    # The sections this counter serves are marked (the clerk's own procedures); the order stays
    # the case's, so 後日 items brought back by a revisit stay first and 1–9 mean the same rows
    # at every counter.
    served = set(counter.categories.values_list("code", flat=True))
    groups = selectors.procedures_by_section(case)
    for group in groups:
        group["here"] = bool(group["category"]) and group["category"] in served
    # 1–9 jump to the first nine procedures (their current status button takes the focus).
    for index, row in enumerate((p for g in groups for p in g["procedures"]), start=1):
        row.index_key = str(index) if index <= 9 else ""
    context.update({
        "groups": groups,
        "counts": selectors.case_counts(case),
        "history": selectors.case_history(case)[-12:][::-1],
        "category_names": selectors.category_names(office.pk),
        "life_event_name": life_event_names().get(case.life_event, case.life_event),
        "route_ticket": ticket if ticket is not None and ticket.state in ACTIVE_STATES else None,
        "next_categories": services.next_categories(
            case, exclude=ticket.category.code if ticket is not None else None),
        "can_link": current is not None and not linked,
        "answers": answer_rows(case),
    })
    return context


def _counter(office, counter_id) -> Counter:
    return get_object_or_404(Counter, pk=counter_id, office=office)


def _current(counter) -> Ticket | None:
    return (Ticket.objects.select_related("category", "counter")
            .filter(counter=counter, state=TicketState.CALLED).first())


def _render_side(request, office, counter, status=200):
    response = render(request, "cases/_case_side.html", side_context(request, office, counter, _current(counter)))
    if status != 200 and not request.headers.get("HX-Request"):
        response.status_code = status
    return response


def counter_part(request, code, counter_id):
    """The case part alone (a redraw after an action elsewhere)."""
    office = request.office
    return _render_side(request, office, _counter(office, counter_id))


@require_POST
def scan(request, code, counter_id):
    """What the scan field sends: a case code (typed, or a ticket's ``CASE:…`` QR), a ticket's
    QR (its page address) or a hand-over QR (base45, typed character by character by a desk
    scanner), opened as a case linked to the ticket being called here."""
    office, actor = request.office, request.actor
    counter = _counter(office, counter_id)
    current = _current(counter)
    text = str(request.POST.get("text", "")).strip()
    status = 200
    try:
        case = _scanned_case(actor, office, counter, current, text)
    except ServiceError as exc:
        _flash(request, counter, error=exc.message)
        status = exc.status
        if exc.code == "handover_replayed":
            # Refused as a new intake, nothing stored; the case it opened before is shown
            # (with 「紐付ける」 for the called ticket, or 「再来庁として再開」 once closed).
            replayed = selectors.case_by_code((exc.detail or {}).get("case", ""))
            if replayed is not None and replayed.office_id == office.pk:
                _pin(request, counter, replayed, current.public_id if current else None)
    else:
        _pin(request, counter, case, current.public_id if current else None)
        _flash(request, counter, message=_("案件 {code} を開きました。").format(code=case.display_code))
    return _render_side(request, office, counter, status)


def _scanned_case(actor, office, counter, current, text):
    if not text:
        raise ServiceError(_("QRコードを読み取るか、案件番号を入力してください。"), code="empty_scan", status=422)
    ticket_url = None if text[:4].upper().startswith("MD1") else _TICKET_URL.search(text)
    if ticket_url:  # (a hand-over typed in lower case, Caps Lock on, may hold "/t/…" by chance)
        case = selectors.case_for_ticket(ticket_url.group(1))
        if case is None or case.office_id != office.pk:
            raise ServiceError(_("この整理券には案件がありません。"), code="ticket_without_case", status=404)
        return case
    code = codes.normalize(text)
    if code is not None:
        case = selectors.case_by_code(code)
        if case is None or case.office_id != office.pk:
            raise ServiceError(_("案件番号 {code} の案件は見つかりません。").format(code=text), code="case_not_found",
                               status=404)
        return case
    if len(text) < 20:
        raise ServiceError(_("読み取った内容が案件番号でも引継ぎQRでもありません。もう一度読み取ってください。"),
                           code="unreadable_scan", status=422)
    return services.case_open(actor=actor, office=office, payload=text, counter_id=counter.pk,
                              ticket_id=current.public_id if current else None)


def _procedure_status(actor, case, counter, post):
    row = services.case_set_procedure(actor=actor, case_code=case.code, procedure=post.get("procedure", ""),
                                      status=post.get("status") or None, counter_id=counter.pk)
    return _("「{name}」を{status}にしました。").format(name=row.name, status=row.get_status_display())


def _procedure_note(actor, case, counter, post):
    row = services.case_set_procedure(actor=actor, case_code=case.code, procedure=post.get("procedure", ""),
                                      note=post.get("note", ""), counter_id=counter.pk)
    return _("「{name}」のメモを保存しました。").format(name=row.name)


def _note(actor, case, counter, post):
    services.case_add_note(actor=actor, case_code=case.code, text=post.get("text", ""), counter_id=counter.pk)
    return _("メモを残しました。")


def _link(actor, case, counter, post):
    current = _current(counter)
    if current is None:
        raise ServiceError(_("呼出中の番号がありません。"), code="no_current_ticket", status=409)
    services.case_attach_ticket(actor=actor, case_code=case.code, ticket_id=current.public_id,
                                counter_id=counter.pk)
    return _("{number}番をこの案件に紐付けました。").format(number=current.number)


def _route(actor, case, counter, post):
    ticket = services.case_route(actor=actor, case_code=case.code, ticket_id=post.get("ticket", ""),
                                 category_code=post.get("category") or None, counter_id=counter.pk,
                                 expected_state=post.get("state") or None)
    return _("{number}番を「{name}」へご案内しました（順番はそのままです）。").format(
        number=ticket.number, name=ticket.category.name)


def _close(actor, case, counter, post):
    services.case_close(actor=actor, case_code=case.code, counter_id=counter.pk)
    return _("案件 {code} を終了しました。").format(code=case.display_code)


def _revisit(actor, case, counter, post):
    current = _current(counter)
    services.case_reopen_for_revisit(actor=actor, case_code=case.code, counter_id=counter.pk,
                                     ticket_id=current.public_id if current else None)
    return _("再来庁として案件 {code} を再開しました。後日にした手続きを先頭に戻しました。").format(code=case.display_code)


CASE_ACTIONS = {"status": _procedure_status, "procedure-note": _procedure_note, "note": _note, "link": _link,
                "route": _route, "close": _close, "revisit": _revisit}


@require_POST
def action(request, code, counter_id, case_code, action):
    office, actor = request.office, request.actor
    counter = _counter(office, counter_id)
    if action == "dismiss":  # the clerk puts the case away (nothing changes in it)
        _pin(request, counter, None, None)
        request.session.pop(_flash_key(counter), None)
        return _render_side(request, office, counter)
    run = CASE_ACTIONS.get(action)
    case = selectors.case_by_code(case_code)
    if run is None or case is None or case.office_id != office.pk:
        raise Http404
    status = 200
    try:
        message = run(actor, case, counter, request.POST)
    except ServiceError as exc:
        _flash(request, counter, error=exc.message)
        status = exc.status
    else:
        _flash(request, counter, message=message)
    # Keep showing this case on this screen (after 「次の窓口へ」 the ticket has left the counter).
    now_current = _current(counter)
    if now_current is None or selectors.case_for_ticket(now_current.public_id) is None:
        _pin(request, counter, case, now_current.public_id if now_current else None)
    return _render_side(request, office, counter, status)


# ------------------------------------------------------------------ the case page, the list


def case_qr_svg(case) -> str:
    """The case code as a QR code for the printed sheet: ``CASE:<code>`` is all QR alphanumeric
    characters, so it stays small; the scan field (and a desk scanner) reads it back."""
    import segno

    return segno.make(f"{codes.QR_PREFIX}{case.code}", error="m").svg_inline(scale=4, border=2)


def case_page(request, code, case_code):
    """The whole case on one printable page (A4): answers' result by section, documents,
    deadlines, status, notes and history."""
    office = request.office
    case = selectors.case_by_code(case_code)
    if case is None or case.office_id != office.pk:
        raise Http404
    services.case_view(actor=request.actor, case_code=case.code, via="page")
    return render(request, "cases/case_page.html", {
        "office": office, "case": case, "groups": selectors.procedures_by_section(case),
        "counts": selectors.case_counts(case), "history": selectors.case_history(case),
        "answers": answer_rows(case), "qr": case_qr_svg(case), "tickets": selectors.case_tickets(case), "category_names": selectors.category_names(office.pk),
        "life_event_name": life_event_names().get(case.life_event, case.life_event),
        "can_list": request.actor.role_at(office.pk) in (Role.SUPERVISOR, Role.ADMIN)})


def case_list(request, code):
    """Supervisors: the office's open cases and where each visitor is now."""
    office = request.office
    context = {"office": office, "rows": selectors.office_open_cases(office),
               "life_events": life_event_names()}
    template = "cases/_case_list.html" if request.GET.get("panel") else "cases/case_list.html"
    return render(request, template, context)


# ------------------------------------------------------------------ handed over by other screens


def show_on_counter(request, counter, case, message=None) -> None:
    """Another staff screen (the form editor: forms/views.py) sends the clerk back to the counter
    screen with ``case`` shown beside the called ticket and ``message`` in the case side."""
    current = _current(counter)
    if current is None or selectors.case_for_ticket(current.public_id) is None:
        _pin(request, counter, case, current.public_id if current else None)
    if message:
        _flash(request, counter, message=message)
