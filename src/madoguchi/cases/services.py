"""The one-stop case: the only code that writes cases (habit 1).

Every function is keyword-only, atomic, checks that the actor is staff of the case's
office, appends to the case's history (``CaseEntry``: who, when, at which counter, what)
and writes the audit log. Looking at a case is audited too (``case_view``): a case holds
a resident's answers.

Lock order: the case row first, then queue rows (``ticket_route`` locks the counter, then
the ticket). The queue never locks a case, so the two cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from madoguchi.core.actors import SYSTEM, Actor
from madoguchi.core.audit import audit_record
from madoguchi.core.db import atomic_with_retry
from madoguchi.core.errors import Conflict, Forbidden, NotFound, ServiceError
from madoguchi.core.timeutil import business_date, now
from madoguchi.queueing import hooks
from madoguchi.queueing import services as queue_services
from madoguchi.queueing.models import Category, Counter, Office, Ticket

from . import codes, determination
from .models import (
    OUTSTANDING,
    Case,
    CaseEntry,
    CaseForm,
    CaseProcedure,
    CaseSource,
    CaseStatus,
    CaseTicket,
    EntryKind,
    ProcedureStatus,
)

log = logging.getLogger(__name__)

NOTE_MAX = 1000
REF_PREFIX = "case:"


def case_ref(code: str) -> str:
    """What a ticket routed for a case carries as its ``ref`` (queueing hooks, event log)."""
    return f"{REF_PREFIX}{code}"


# ------------------------------------------------------------------ helpers


def _office(office) -> Office:
    if isinstance(office, Office):
        return office
    found = Office.objects.filter(code=str(office or "")).first()
    if found is None:
        raise NotFound("指定された庁舎・拠点が見つかりません。", code="office_not_found")
    return found


def _lock_case(actor: Actor, case_code: str) -> Case:
    code = codes.normalize(case_code)
    case = (Case.objects.select_for_update(of=("self",)).select_related("office")
            .filter(code=code).first() if code else None)
    if case is None:
        raise NotFound("指定された案件が見つかりません。案件番号を確かめてください。", code="case_not_found")
    actor.require_staff(case.office_id)
    return case


def _require_open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise Conflict(f"案件 {case.display_code} は終了しています。再来庁として再開してから操作してください。",
                       code="case_closed")


def _where(case: Case, counter_id) -> tuple[str, int | None]:
    """The counter an action was taken at (its label then), if it is one of the case's office."""
    if counter_id in (None, ""):
        return "", None
    try:
        counter = Counter.objects.filter(pk=int(counter_id), office_id=case.office_id).first()
    except (TypeError, ValueError):
        counter = None
    return (counter.label, counter.number) if counter else ("", None)


def _entry(case: Case, kind: str, actor: Actor, counter_id=None, **detail) -> CaseEntry:
    label, number = _where(case, counter_id)
    case.updated_at = now()
    case.save(update_fields=["updated_at"])
    return CaseEntry.objects.create(case=case, at=case.updated_at, kind=kind, actor=actor.label,
                                    actor_user_id=actor.user_id, counter=label, counter_number=number,
                                    detail=detail)


def _audit(actor: Actor, action: str, case: Case, **detail) -> None:
    # The code and what was done, never the answers or a note's text (they may be personal).
    audit_record(actor=actor, action=action, target=f"{case.office.code}/case/{case.code}", detail=detail)


def _ticket_of_office(case: Case, ticket_id: str) -> Ticket:
    ticket = (Ticket.objects.select_related("category", "office")
              .filter(public_id=str(ticket_id or "")[:32]).first())
    if ticket is None or ticket.office_id != case.office_id:
        raise NotFound("指定された整理券が見つかりません。", code="ticket_not_found")
    return ticket


def _attach(case: Case, ticket: Ticket, actor: Actor, counter_id=None) -> CaseTicket:
    link = CaseTicket.objects.filter(ticket=ticket).select_related("case").first()
    if link is not None:
        if link.case_id != case.pk:
            raise Conflict(f"{ticket.number}番の整理券は別の案件（{link.case.display_code}）に紐付いています。",
                           code="ticket_has_case", detail={"case": link.case.code})
        return link
    link = CaseTicket.objects.create(case=case, ticket=ticket, attached_at=now())
    _entry(case, EntryKind.TICKET, actor, counter_id, ticket=ticket.public_id, number=ticket.number,
           category=ticket.category.code)
    return link


def _new_code() -> str:
    for _attempt in range(20):
        code = codes.new_code()
        if not Case.objects.filter(code=code).exists():
            return code
    raise ServiceError("案件番号を割り当てられませんでした。もう一度お試しください。", code="case_code_exhausted",
                       status=503)


def _parse_on(on) -> dt.date:
    if on in (None, ""):
        return business_date()
    if isinstance(on, dt.date):
        return on
    try:
        return dt.date.fromisoformat(str(on))
    except ValueError:
        raise ServiceError("判定日は YYYY-MM-DD の形式で指定してください。", code="invalid_date",
                           status=422) from None


# ------------------------------------------------------------------ open


@atomic_with_retry()
def case_open(*, actor: Actor, office, life_event: str | None = None, answers: dict | None = None,
              on=None, source: str = CaseSource.INTERVIEW, ticket_id: str | None = None,
              payload: str | None = None, counter_id=None, lang: str = "ja", code: str | None = None,
              procedures: list[str] | None = None) -> Case:
    """Open a case from the visitor's answers (interview mode, the kiosk in the office) or from
    a scanned hand-over ``payload`` (the citizen's QR), determining its procedures now.

    A hand-over this office already opened is refused as a new intake (``handover_replayed``,
    409, ``detail.case`` names its case) and nothing is stored: the visitor's record stays
    whole, and a copied or re-shown QR cannot open a second case or add a form version. The
    counter screen then shows that case (its clerk may link the called ticket or reopen it
    for a revisit with the case's own buttons). ``ticket_id`` links the visitor's ticket, so
    any counter that calls it sees the case. ``code`` names the case (the demo's 「DEMO-1」;
    it must be a free case code) instead of a random one.
    """
    office = _office(office)
    actor.require_staff(office.pk)
    digest = ""
    form_data = None
    if payload is not None:
        digest = determination.handover_digest(payload) or ""
        existing = Case.objects.filter(office=office, payload_digest=digest).first() if digest else None
        if existing is not None:  # checked before opening: an expired copy is still "read before"
            raise Conflict(f"この引継ぎQRは読み取り済みです（案件 {existing.display_code}）。",
                           code="handover_replayed", detail={"case": existing.code})
        content = determination.open_handover(actor=actor, payload=payload)  # refuses a bad one
        life_event, answers = content.get("life_event"), content.get("answers")
        form_data = content.get("form")  # the citizen's move form (issue 10), already checked
        lang = str(content.get("lang") or lang)[:10]
        source = CaseSource.HANDOVER
    if source not in CaseSource.values:
        raise ServiceError("受付方法は handover・kiosk・interview のいずれかです。", code="invalid_source",
                           status=422)
    if not isinstance(life_event, str) or not life_event:
        raise ServiceError("ライフイベントを指定してください。", code="invalid_life_event", status=422)
    if not isinstance(answers, dict):
        raise ServiceError("回答は質問IDと値の組で指定してください。", code="invalid_answers", status=422)
    # The office acts on the day the visitor comes: procedures in force today, ages today.
    on_date = _parse_on(on)
    result = determination.determine(life_event=life_event, answers=answers, on=on_date)
    at = now()
    if code is not None and (codes.normalize(code) != code or Case.objects.filter(code=code).exists()):
        raise Conflict("その案件番号は使えません。", code="case_code_taken", detail={"code": code})
    case = Case(code=code or _new_code(), office=office, life_event=life_event, answers=answers, on=on_date,
                lang=lang, source=source, payload_digest=digest, opened_at=at,
                opened_by=actor.label, updated_at=at)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        exc.retryable = True  # the same hand-over opened meanwhile, or a code collision: run again
        raise
    entries = result.get("procedures", [])
    if procedures is not None:
        entries = _booked_entries(entries, procedures)
    rows = [CaseProcedure(case=case, position=i, updated_at=at, **determination.snapshot(entry, on_date))
            for i, entry in enumerate(entries)]
    CaseProcedure.objects.bulk_create(rows)
    _entry(case, EntryKind.OPENED, actor, counter_id, source=source, life_event=life_event,
           procedures=len(rows))
    _audit(actor, "case.open", case, source=source, life_event=life_event, procedures=len(rows))
    if form_data:  # the forms to print are filled from it (version 1, from the hand-over)
        row = CaseForm.objects.create(case=case, version=1, data=form_data, source=CaseSource.HANDOVER,
                                      at=case.opened_at, actor=actor.label)
        _entry(case, EntryKind.FORM, actor, counter_id, version=row.version, source=row.source)
        _audit(actor, "case.form", case, version=row.version, source=row.source)
    if ticket_id:
        _attach(case, _ticket_of_office(case, ticket_id), actor, counter_id)
    return case


def _booked_entries(determined: list[dict], codes_booked: list[str]) -> list[dict]:
    """The determined entries of the booked procedures (as applying: the booking's answers said
    so), then any booked code the determination without answers did not list."""
    wanted = [str(c) for c in codes_booked]
    by_code = {str(entry["code"]): entry for entry in determined}
    kept = [{**by_code[c], "status": "applies"} for c in by_code if c in wanted]
    kept += [{"code": c, "status": "applies"} for c in dict.fromkeys(wanted) if c not in by_code]
    return kept


# ------------------------------------------------------------------ procedures, notes


@atomic_with_retry()
def case_set_procedure(*, actor: Actor, case_code: str, procedure: str, status: str | None = None,
                       note: str | None = None, counter_id=None) -> CaseProcedure:
    """Set one procedure's status (未対応 · 対応中 · 完了 · 対象外 · 後日) and/or its note.
    Unchanged values change nothing and log nothing (a double click on an old screen)."""
    case = _lock_case(actor, case_code)
    _require_open(case)
    row = CaseProcedure.objects.select_for_update().filter(case=case, code=str(procedure)).first()
    if row is None:
        raise NotFound("この案件にその手続きはありません。", code="procedure_not_in_case",
                       detail={"procedure": procedure})
    if status is not None and status not in ProcedureStatus.values:
        raise ServiceError("状況は pending・in_progress・done・not_applicable・later のいずれかです。",
                           code="invalid_status", status=422, detail={"allowed": ProcedureStatus.values})
    changed = []
    if status is not None and status != row.status:
        _entry(case, EntryKind.PROCEDURE, actor, counter_id, procedure=row.code, name=row.name,
               before=row.status, after=status)
        _audit(actor, "case.procedure", case, procedure=row.code, before=row.status, after=status)
        row.status = status
        changed.append("status")
    if note is not None:
        note = str(note).strip()
        if len(note) > NOTE_MAX:
            raise ServiceError(f"メモは{NOTE_MAX}文字以内で入力してください。", code="note_too_long", status=422)
        if note != row.note:
            _entry(case, EntryKind.NOTE, actor, counter_id, procedure=row.code, name=row.name, text=note)
            _audit(actor, "case.note", case, procedure=row.code)
            row.note = note
            changed.append("note")
    if changed:
        row.updated_at = now()
        row.save(update_fields=[*changed, "updated_at"])
    return row


@atomic_with_retry()
def case_add_note(*, actor: Actor, case_code: str, text: str, counter_id=None) -> CaseEntry:
    """A note on the whole case (「書類を取りに一度帰宅」…), kept in its history."""
    case = _lock_case(actor, case_code)
    _require_open(case)
    text = str(text or "").strip()
    if not text:
        raise ServiceError("メモを入力してください。", code="empty_note", status=422)
    if len(text) > NOTE_MAX:
        raise ServiceError(f"メモは{NOTE_MAX}文字以内で入力してください。", code="note_too_long", status=422)
    entry = _entry(case, EntryKind.NOTE, actor, counter_id, text=text)
    _audit(actor, "case.note", case)
    return entry


@atomic_with_retry()
def case_attach_form(*, actor: Actor, case_code: str, form_data: dict, schema: int = 1,
                     source: str = CaseSource.INTERVIEW, counter_id=None) -> CaseForm:
    """Keep the household's form data (already checked by the caller, e.g. forms/data.py's
    MoveForm) as the case's next version; the printed forms are filled from the latest.
    The data is personal: the history and the audit log get its version, never its content."""
    case = _lock_case(actor, case_code)
    _require_open(case)
    if not isinstance(form_data, dict) or not form_data:
        raise ServiceError("届出の内容がありません。", code="form_data_invalid", status=422)
    if source not in CaseSource.values:
        raise ServiceError("入力方法は handover・kiosk・interview のいずれかです。", code="invalid_source",
                           status=422)
    latest = CaseForm.objects.filter(case=case).order_by("-version").values_list("version", flat=True).first()
    row = CaseForm.objects.create(case=case, version=(latest or 0) + 1, schema=schema, data=form_data,
                                  source=source, at=now(), actor=actor.label)
    _entry(case, EntryKind.FORM, actor, counter_id, version=row.version, source=source)
    _audit(actor, "case.form", case, version=row.version, source=source)
    return row


@transaction.atomic
def case_record_print(*, actor: Actor, case_code: str, form: str, name: str, pages: int,
                      counter_id=None) -> CaseEntry:
    """A line in the case's history for a printed form (forms.services.form_print keeps the
    print record and the audit row; this shows it to the next clerk). Printing for a closed
    case is allowed (a reprint after the visit)."""
    case = _lock_case(actor, case_code)
    return _entry(case, EntryKind.PRINTED, actor, counter_id, form=form, name=name, pages=pages)


# ------------------------------------------------------------------ tickets and routing


@atomic_with_retry()
def case_attach_ticket(*, actor: Actor, case_code: str, ticket_id: str, counter_id=None) -> CaseTicket:
    """Link a ticket of the visitor's to the case (a counter calling it then sees the case).
    Linking the same ticket again is a no-op; a ticket of another case is refused (409)."""
    case = _lock_case(actor, case_code)
    _require_open(case)
    ticket = _ticket_of_office(case, ticket_id)
    link = _attach(case, ticket, actor, counter_id)
    _audit(actor, "case.ticket", case, ticket=ticket.public_id)
    return link


def next_categories(case: Case, *, exclude: str | None = None) -> list[Category]:
    """The categories the case still needs, in the order of its procedures (後日 ones first
    after a revisit, since they were moved up): 「次の窓口へ」's choices."""
    wanted: list[str] = []
    for row in case.procedures.filter(status__in=OUTSTANDING).exclude(category="").order_by("position", "id"):
        if row.category != exclude and row.category not in wanted:
            wanted.append(row.category)
    found = {c.code: c for c in Category.objects.filter(office_id=case.office_id, code__in=wanted)}
    return [found[code] for code in wanted if code in found]


@atomic_with_retry()
def case_route(*, actor: Actor, case_code: str, ticket_id: str, category_code: str | None = None,
               counter_id=None, expected_state: str | None = None) -> Ticket:
    """「次の窓口へ」: move the visitor's ticket to the next section's category keeping their place
    in the queue (``ticket_route`` with ``ref="case:<code>"``). Without ``category_code`` the
    first category the case still needs (other than the ticket's own) is chosen."""
    case = _lock_case(actor, case_code)
    _require_open(case)
    ticket = _ticket_of_office(case, ticket_id)
    if not category_code:
        choices = next_categories(case, exclude=ticket.category.code)
        if not choices:
            raise Conflict("この案件で次に回る窓口はありません（残っている手続きがありません）。",
                           code="no_next_counter")
        category_code = choices[0].code
    _attach(case, ticket, actor, counter_id)
    before = ticket.category
    moved = queue_services.ticket_route(actor=actor, ticket_id=ticket.public_id, category_code=category_code,
                                        ref=case_ref(case.code), expected_state=expected_state)
    _entry(case, EntryKind.ROUTED, actor, counter_id, ticket=moved.public_id, number=moved.number,
           before=before.code, before_name=before.name, after=moved.category.code,
           after_name=moved.category.name)
    _audit(actor, "case.route", case, ticket=moved.public_id, before=before.code, after=moved.category.code)
    return moved


def on_ticket_routed(event: hooks.QueueEvent) -> None:
    """A ticket routed for a case by any path (the queue API's ``ref``, floor control) joins it."""
    ref = event.ref or ""
    if not ref.startswith(REF_PREFIX) or not event.ticket_id:
        return
    code = codes.normalize(ref[len(REF_PREFIX):])
    if code is None or CaseTicket.objects.filter(ticket__public_id=event.ticket_id).exists():
        return
    try:
        case_attach_ticket(actor=SYSTEM, case_code=code, ticket_id=event.ticket_id)
    except ServiceError as exc:
        log.warning("ticket %s routed for %s not linked: %s", event.ticket_id, ref, exc.code)


# ------------------------------------------------------------------ close, revisit, purge


@atomic_with_retry()
def case_close(*, actor: Actor, case_code: str, counter_id=None) -> Case:
    """The visit is over. Procedures left 後日 come back first when the visitor returns."""
    case = _lock_case(actor, case_code)
    if case.status == CaseStatus.CLOSED:
        return case
    outstanding = list(case.procedures.filter(status__in=OUTSTANDING).values_list("code", flat=True))
    case.status, case.closed_at, case.closed_by = CaseStatus.CLOSED, now(), actor.label
    case.save(update_fields=["status", "closed_at", "closed_by"])
    _entry(case, EntryKind.CLOSED, actor, counter_id, outstanding=outstanding)
    _audit(actor, "case.close", case, outstanding=len(outstanding))
    return case


@atomic_with_retry()
def case_reopen_for_revisit(*, actor: Actor, case_code: str, ticket_id: str | None = None,
                            counter_id=None) -> Case:
    """The visitor came back (後日): the same case continues. Procedures left 後日 come back
    first, as 未対応; the rest keep their status and order after them."""
    case = _lock_case(actor, case_code)
    was_closed = case.status == CaseStatus.CLOSED
    rows = list(case.procedures.select_for_update().order_by("position", "id"))
    back = [r for r in rows if r.status == ProcedureStatus.LATER]
    at = now()
    for position, row in enumerate([*back, *[r for r in rows if r.status != ProcedureStatus.LATER]]):
        row.position = position
        if row.status == ProcedureStatus.LATER:
            row.status, row.updated_at = ProcedureStatus.PENDING, at
    CaseProcedure.objects.bulk_update(rows, ["position", "status", "updated_at"])
    case.status, case.closed_at, case.closed_by = CaseStatus.OPEN, None, ""
    case.visits += 1
    case.save(update_fields=["status", "closed_at", "closed_by", "visits"])
    _entry(case, EntryKind.REVISIT, actor, counter_id, back=[r.code for r in back], reopened=was_closed,
           visit=case.visits)
    _audit(actor, "case.revisit", case, back=len(back), reopened=was_closed)
    if ticket_id:
        _attach(case, _ticket_of_office(case, ticket_id), actor, counter_id)
    return case


def retention_days() -> int:
    return int(getattr(settings, "CASE_RETENTION_DAYS", 90))


@atomic_with_retry()
def case_purge(*, actor: Actor, days: int | None = None, at: dt.datetime | None = None) -> int:
    """Delete closed cases closed more than ``days`` (MADOGUCHI_CASE_RETENTION_DAYS) ago, with
    their procedures, history and ticket links: a case holds a resident's answers and is kept
    no longer than needed. Administrators and the system (``madoguchi purge``) only."""
    if not (actor.kind == "system" or (actor.kind == "staff" and actor.roles is None)):
        raise Forbidden("保存期間を過ぎた案件の削除は、システム管理者だけが行えます。", code="forbidden_role")
    days = retention_days() if days is None else int(days)
    if days < 0:
        raise ServiceError("保存日数は0以上にしてください。", code="invalid_days", status=422)
    cutoff = (at or now()) - dt.timedelta(days=days)
    doomed = Case.objects.filter(status=CaseStatus.CLOSED, closed_at__lt=cutoff)
    count = doomed.count()
    if count:
        ids = list(doomed.values_list("pk", flat=True))
        # The history is append-only for everyone else; the retention rule is the one way it
        # goes, with the case it belongs to.
        CaseEntry.objects.filter(case_id__in=ids)._raw_delete(CaseEntry.objects.db)
        Case.objects.filter(pk__in=ids).delete()
    audit_record(actor=actor, action="case.purge", target="cases",
                 detail={"deleted": count, "days": days, "cutoff": cutoff.isoformat()})
    return count


def form_retention_days() -> int:
    return int(getattr(settings, "FORM_RETENTION_DAYS", 30))


@atomic_with_retry()
def case_form_purge(*, actor: Actor, days: int | None = None, at: dt.datetime | None = None) -> int:
    """Delete the form data (``CaseForm``: names, addresses, birth dates) kept more than ``days``
    (MADOGUCHI_FORM_RETENTION_DAYS) ago, also of cases still open: the decrypted data lives on
    the internal side no longer than needed. Each version is deleted on its own age (a recent
    correction stays). The case's history keeps one line per deleted version (its number, no
    content); the audit log one row per run. Administrators and the system only."""
    if not (actor.kind == "system" or (actor.kind == "staff" and actor.roles is None)):
        raise Forbidden("保存期間を過ぎた届出内容の削除は、システム管理者だけが行えます。", code="forbidden_role")
    days = form_retention_days() if days is None else int(days)
    if days < 0:
        raise ServiceError("保存日数は0以上にしてください。", code="invalid_days", status=422)
    cutoff = (at or now()) - dt.timedelta(days=days)
    doomed = list(CaseForm.objects.filter(at__lt=cutoff).order_by("case_id", "version")
                  .values_list("pk", "case_id", "version"))
    by_case: dict[int, list[int]] = {}
    for _pk, case_id, version in doomed:
        by_case.setdefault(case_id, []).append(version)
    for case in Case.objects.select_for_update(of=("self",)).select_related("office").filter(pk__in=by_case):
        for version in by_case[case.pk]:
            _entry(case, EntryKind.FORM, actor, version=version, deleted="retention")
    CaseForm.objects.filter(pk__in=[pk for pk, _case, _version in doomed]).delete()
    audit_record(actor=actor, action="case.form.purge", target="cases",
                 detail={"deleted": len(doomed), "cases": len(by_case), "days": days, "cutoff": cutoff.isoformat()})
    return len(doomed)


# ------------------------------------------------------------------ looking at a case


def case_view(*, actor: Actor, case_code: str, counter_id=None, via: str = "screen") -> Case:
    """Load a case for a person to see it, with the audit row that says who looked (a case
    holds a resident's answers: every view is in the audit log)."""
    code = codes.normalize(case_code)
    case = Case.objects.select_related("office").filter(code=code).first() if code else None
    if case is None:
        raise NotFound("指定された案件が見つかりません。案件番号を確かめてください。", code="case_not_found")
    actor.require_staff(case.office_id)
    label, _number = _where(case, counter_id)
    audit_record(actor=actor, action="case.view", target=f"{case.office.code}/case/{case.code}",
                 detail={"via": via, **({"counter": label} if label else {})})
    return case

