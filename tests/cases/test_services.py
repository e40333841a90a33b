"""The one-stop case's services: what a clerk does to a case and what the visitor notices."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from madoguchi.cases import codes, selectors, services
from madoguchi.cases.models import (
    Case,
    CaseEntry,
    CaseForm,
    CaseProcedure,
    CaseTicket,
    ProcedureStatus,
)
from madoguchi.core.actors import SYSTEM, actor_for_user
from madoguchi.core.errors import Conflict, Forbidden, NotFound, ServiceError
from madoguchi.core.models import AuditLog, Role
from madoguchi.core.timeutil import now
from madoguchi.queueing import services as queue
from madoguchi.queueing.models import Counter, TicketEvent, TicketState

from ..queueing.factories import clock_fixture, make_office, make_staff  # noqa: F401 (the clock fixture)
from .conftest import FAMILY, issue


def statuses(case) -> dict[str, str]:
    return dict(CaseProcedure.objects.filter(case=case).values_list("code", "status"))


def test_a_case_opened_from_answers_lists_the_procedures_that_apply(family_case, staff):
    case = family_case
    assert codes.normalize(case.code) == case.code and len(case.code) == 8
    rows = {p.code: p for p in CaseProcedure.objects.filter(case=case)}
    assert set(rows) == {"tennyu_todoke", "jidou_teate", "kodomo_iryou", "kaigo_hoken"}
    assert all(p.status == ProcedureStatus.PENDING for p in rows.values())
    # What the visitor was told is kept: names, section, counter category, documents, deadline.
    child = rows["jidou_teate"]
    assert (child.name, child.section, child.section_name, child.category) == (
        "児童手当の認定請求", "kodomo", "こども課", "children")
    assert child.documents == ["預金通帳"] and child.deadline == dt.date(2026, 12, 13)
    assert [e.kind for e in selectors.case_history(case)] == ["opened"]
    assert AuditLog.objects.filter(action="case.open", target=f"demo/case/{case.code}").count() == 1


def test_an_unknown_answer_keeps_the_procedure_to_check(office, staff):
    case = services.case_open(actor=staff, office=office, life_event="tennyu",
                              answers={**FAMILY, "dogs": "unknown"}, on="2026-12-01")
    dog = CaseProcedure.objects.get(case=case, code="inu_touroku")
    assert dog.determination == "to_check" and dog.category == "" and dog.section_name == "保健所"


def test_codes_are_read_as_people_type_them():
    assert codes.normalize("abcd-2345") == "ABCD2345"
    assert codes.normalize(" CASE:ABCD 2345 ") == "ABCD2345"
    assert codes.normalize("oIl0-2345") == "0110" + "2345"
    assert codes.normalize("ABCD234") is None and codes.normalize("ABCU2345") is None


def test_setting_a_status_is_logged_once_with_who_and_which_counter(family_case, staff):
    counter = Counter.objects.get(office=family_case.office, number=10)
    row = services.case_set_procedure(actor=staff, case_code=family_case.display_code.lower(),
                                      procedure="jidou_teate", status="done", counter_id=counter.pk)
    assert row.status == ProcedureStatus.DONE
    # The same click again (an old screen) changes and logs nothing.
    services.case_set_procedure(actor=staff, case_code=family_case.code, procedure="jidou_teate",
                                status="done", counter_id=counter.pk)
    entries = [e for e in selectors.case_history(family_case) if e.kind == "procedure"]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor, entry.counter, entry.counter_number) == ("staff", "10番窓口", 10)
    assert entry.detail == {"procedure": "jidou_teate", "name": "児童手当の認定請求", "before": "pending",
                            "after": "done"}
    services.case_set_procedure(actor=staff, case_code=family_case.code, procedure="jidou_teate",
                                note="口座は来週")
    assert CaseProcedure.objects.get(case=family_case, code="jidou_teate").note == "口座は来週"
    assert [e.kind for e in selectors.case_history(family_case)] == ["opened", "procedure", "note"]


def test_refusals_name_what_is_wrong(family_case, staff):
    with pytest.raises(ServiceError) as bad:
        services.case_set_procedure(actor=staff, case_code=family_case.code, procedure="jidou_teate",
                                    status="finished")
    assert (bad.value.status, bad.value.code) == (422, "invalid_status")
    with pytest.raises(NotFound) as missing:
        services.case_set_procedure(actor=staff, case_code=family_case.code, procedure="kokuho_kanyu",
                                    status="done")
    assert missing.value.code == "procedure_not_in_case"
    with pytest.raises(NotFound):
        services.case_set_procedure(actor=staff, case_code="ZZZZ-ZZZZ", procedure="x", status="done")
    services.case_close(actor=staff, case_code=family_case.code)
    with pytest.raises(Conflict) as closed:
        services.case_set_procedure(actor=staff, case_code=family_case.code, procedure="jidou_teate",
                                    status="done")
    assert closed.value.code == "case_closed"


def test_staff_of_another_office_cannot_see_or_change_a_case(family_case):
    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    stranger = actor_for_user(make_staff(other, role=Role.SUPERVISOR))
    with pytest.raises(Forbidden):
        services.case_view(actor=stranger, case_code=family_case.code)
    with pytest.raises(Forbidden):
        services.case_set_procedure(actor=stranger, case_code=family_case.code, procedure="jidou_teate",
                                    status="done")
    with pytest.raises(Forbidden):
        services.case_open(actor=stranger, office="demo", life_event="tennyu", answers=FAMILY)
    assert statuses(family_case)["jidou_teate"] == "pending"
    assert not AuditLog.objects.filter(action="case.view").exists()


def test_every_view_is_in_the_audit_log(family_case, staff):
    services.case_view(actor=staff, case_code=family_case.code, via="api")
    services.case_view(actor=staff, case_code=family_case.code, via="page")
    views = AuditLog.objects.filter(action="case.view", target=f"demo/case/{family_case.code}")
    assert sorted(v.detail["via"] for v in views) == ["api", "page"]
    assert {v.actor for v in views} == {"staff"}


def test_the_history_is_append_only(family_case, staff):
    services.case_add_note(actor=staff, case_code=family_case.code, text="書類を取りに一度帰宅")
    entry = CaseEntry.objects.filter(case=family_case, kind="note").get()
    entry.detail = {"text": "書き換え"}
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    with pytest.raises(ValueError):
        CaseEntry.objects.filter(case=family_case).update(actor="someone else")
    with pytest.raises(ValueError):
        CaseEntry.objects.filter(case=family_case).delete()
    assert CaseEntry.objects.get(pk=entry.pk).detail == {"text": "書類を取りに一度帰宅"}


def test_route_sends_the_visitor_to_the_next_section_keeping_their_place(family_case, staff, office):
    visitor = issue("moving")  # the visitor came early
    later = [issue("children"), issue("children")]  # others came to こども課 after them
    counter1 = Counter.objects.get(office=office, number=1)
    queue.ticket_call(actor=staff, counter_id=counter1.pk, ticket_id=visitor.public_id)
    services.case_attach_ticket(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id)
    services.case_set_procedure(actor=staff, case_code=family_case.code, procedure="tennyu_todoke",
                                status="done", counter_id=counter1.pk)
    # Without a category: the first one the case still needs (こども課 before 介護保険課).
    moved = services.case_route(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id,
                                counter_id=counter1.pk)
    assert (moved.category.code, moved.state, moved.counter_id) == ("children", TicketState.WAITING, None)
    event = TicketEvent.objects.filter(ticket=moved, kind="transferred").get()
    assert event.detail["ref"] == f"case:{family_case.code}"
    # こども課's counter calls the visitor before the two who came after them.
    counter10 = Counter.objects.get(office=office, number=10)
    called = queue.ticket_call_next(actor=staff, counter_id=counter10.pk)
    assert called.public_id == visitor.public_id and later[0].state == TicketState.WAITING
    assert selectors.case_for_ticket(visitor.public_id) == family_case
    routed = [e for e in selectors.case_history(family_case) if e.kind == "routed"][0]
    assert (routed.detail["before"], routed.detail["after"], routed.counter) == ("moving", "children", "1番窓口")


def test_route_refuses_when_nothing_is_left(family_case, staff):
    visitor = issue("moving")
    for code in ("tennyu_todoke", "jidou_teate", "kodomo_iryou", "kaigo_hoken"):
        services.case_set_procedure(actor=staff, case_code=family_case.code, procedure=code, status="done")
    with pytest.raises(Conflict) as nothing:
        services.case_route(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id)
    assert nothing.value.code == "no_next_counter"
    assert visitor.category.code == "moving"


def test_a_ticket_routed_with_the_case_ref_by_another_path_joins_the_case(
        family_case, staff, django_capture_on_commit_callbacks):
    visitor = issue("moving")
    with django_capture_on_commit_callbacks(execute=True):
        queue.ticket_route(actor=staff, ticket_id=visitor.public_id, category_code="insurance",
                           ref=f"case:{family_case.code}")
    assert selectors.case_for_ticket(visitor.public_id) == family_case


def test_a_ticket_belongs_to_one_case(family_case, staff, office):
    visitor = issue("moving")
    services.case_attach_ticket(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id)
    services.case_attach_ticket(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id)
    other = services.case_open(actor=staff, office=office, life_event="tennyu", answers={})
    with pytest.raises(Conflict) as taken:
        services.case_attach_ticket(actor=staff, case_code=other.code, ticket_id=visitor.public_id)
    assert taken.value.code == "ticket_has_case"
    assert CaseTicket.objects.filter(ticket=visitor).count() == 1


def test_a_revisit_continues_the_case_with_later_items_first(family_case, staff):
    code = family_case.code
    services.case_set_procedure(actor=staff, case_code=code, procedure="tennyu_todoke", status="done")
    services.case_set_procedure(actor=staff, case_code=code, procedure="kaigo_hoken", status="later")
    services.case_set_procedure(actor=staff, case_code=code, procedure="kodomo_iryou", status="later")
    services.case_close(actor=staff, case_code=code)
    assert Case.objects.get(pk=family_case.pk).status == "closed"
    next_visit = issue("moving")
    services.case_reopen_for_revisit(actor=staff, case_code=code, ticket_id=next_visit.public_id)
    case = Case.objects.get(pk=family_case.pk)
    assert (case.status, case.visits, case.closed_at) == ("open", 2, None)
    order = list(CaseProcedure.objects.filter(case=case).order_by("position").values_list("code", "status"))
    assert order == [("kodomo_iryou", "pending"), ("kaigo_hoken", "pending"),
                     ("tennyu_todoke", "done"), ("jidou_teate", "pending")]
    assert selectors.case_for_ticket(next_visit.public_id) == case
    revisit = [e for e in selectors.case_history(case) if e.kind == "revisit"][0]
    assert revisit.detail["back"] == ["kodomo_iryou", "kaigo_hoken"]
    # 「次の窓口へ」 offers the later items' counters first.
    assert [c.code for c in services.next_categories(case)] == ["children", "care"]


def test_closed_cases_are_purged_after_the_retention_period(office, staff, settings):
    settings.CASE_RETENTION_DAYS = 90
    old = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
    recent = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
    still_open = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
    services.case_attach_ticket(actor=staff, case_code=old.code, ticket_id=issue().public_id)
    services.case_close(actor=staff, case_code=old.code)
    services.case_close(actor=staff, case_code=recent.code)
    in_91_days = now() + dt.timedelta(days=91)
    Case.objects.filter(pk=recent.pk).update(closed_at=in_91_days - dt.timedelta(days=10))
    assert services.case_purge(actor=SYSTEM, at=in_91_days) == 1
    assert set(Case.objects.values_list("code", flat=True)) == {recent.code, still_open.code}
    assert not CaseEntry.objects.filter(case_id=old.pk).exists()
    assert not CaseProcedure.objects.filter(case_id=old.pk).exists()
    assert not CaseTicket.objects.filter(case_id=old.pk).exists()
    assert AuditLog.objects.get(action="case.purge").detail["deleted"] == 1
    # A clerk cannot purge; only the system (madoguchi purge) or an administrator.
    with pytest.raises(Forbidden):
        services.case_purge(actor=staff, at=in_91_days)
    admin = actor_for_user(get_user_model().objects.get(username="admin"))
    assert services.case_purge(actor=admin, at=in_91_days + dt.timedelta(days=90)) == 1


def test_form_data_is_deleted_after_its_retention_also_of_open_cases(office, staff, settings):
    """MADOGUCHI_FORM_RETENTION_DAYS: the names and addresses go, the case and a contentless
    line in its history stay; each version on its own age."""
    settings.FORM_RETENTION_DAYS = 30
    case = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
    other = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
    data = {"kind": "tennyu", "members": [{"family_name": "髙橋", "given_name": "𠮷男"}]}
    for _ in range(2):
        services.case_attach_form(actor=staff, case_code=case.code, form_data=data)
    services.case_attach_form(actor=staff, case_code=other.code, form_data=data)
    in_31_days = now() + dt.timedelta(days=31)
    # Version 2 of the case was stored later (a correction 5 days before the purge): it stays.
    CaseForm.objects.filter(case=case, version=2).update(at=in_31_days - dt.timedelta(days=5))
    assert services.case_form_purge(actor=SYSTEM, at=in_31_days) == 2
    assert list(CaseForm.objects.values_list("case_id", "version")) == [(case.pk, 2)]
    case.refresh_from_db()
    assert case.is_open and selectors.case_form(case).version == 2
    gone = CaseEntry.objects.get(case=other, kind="form", detail__deleted="retention")
    assert gone.detail == {"version": 1, "deleted": "retention"} and gone.actor == SYSTEM.label
    assert CaseEntry.objects.filter(case=case, detail__deleted="retention").count() == 1
    audit = AuditLog.objects.get(action="case.form.purge")
    assert audit.detail["deleted"] == 2 and audit.detail["cases"] == 2 and audit.detail["days"] == 30
    assert "髙橋" not in str(audit.detail) and "髙橋" not in str(gone.detail)
    # The history says what went, with no content.
    from django.template.loader import render_to_string

    assert render_to_string("cases/_entry_detail.html", {"e": gone}).strip() == ": 第1版を保存期間の経過により削除"
    # The purge is the system's (madoguchi purge) or an administrator's.
    with pytest.raises(Forbidden):
        services.case_form_purge(actor=staff, at=in_31_days)
    assert services.case_form_purge(actor=SYSTEM, days=0, at=in_31_days) == 1
    assert not CaseForm.objects.exists()


def test_a_scanned_handover_opens_one_case_a_second_scan_is_refused(office, staff):
    from madoguchi.handover import services as handover

    from ..handover.helpers import navigator_content, seal_for

    key = handover.office_key_create(actor=SYSTEM, office_code="demo")
    payload = seal_for(key, navigator_content(answers=FAMILY))
    visitor = issue("moving")
    case = services.case_open(actor=staff, office=office, payload=payload, ticket_id=visitor.public_id)
    assert (case.source, case.life_event, case.answers) == ("handover", "tennyu", FAMILY)
    assert set(statuses(case)) == {"tennyu_todoke", "jidou_teate", "kodomo_iryou", "kaigo_hoken"}
    assert selectors.case_for_ticket(visitor.public_id) == case
    # The next counter scans the same QR: refused as a new intake, naming the case; nothing doubled.
    with pytest.raises(ServiceError) as replayed:
        services.case_open(actor=staff, office=office, payload=payload, ticket_id=issue("moving").public_id)
    assert (replayed.value.status, replayed.value.code) == (409, "handover_replayed")
    assert replayed.value.detail == {"case": case.code} and case.display_code in replayed.value.message
    assert Case.objects.count() == 1 and CaseProcedure.objects.count() == 4 and CaseTicket.objects.count() == 1


def test_a_tampered_handover_opens_nothing(office, staff):
    from madoguchi.handover import services as handover

    from ..handover.helpers import navigator_content, seal_for

    key = handover.office_key_create(actor=SYSTEM, office_code="demo")
    payload = seal_for(key, navigator_content(answers=FAMILY))
    flipped = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    with pytest.raises(ServiceError) as refused:
        services.case_open(actor=staff, office=office, payload=flipped)
    assert refused.value.status == 422 and refused.value.code.startswith("handover_")
    assert not Case.objects.exists()


def test_answers_read_as_a_clerk_reads_them():
    from madoguchi.cases.answers import answer_rows

    case = Case(on=dt.date(2026, 12, 1), answers={
        "dogs": "unknown", "previous_insurance": "kokuho",
        "household": [{"relationship": "child", "birth_date": "2023-12-02"},
                      {"relationship": "parent", "birth_date": "unknown"}]})
    rows = [(r["question"], r["answer"]) for r in answer_rows(case)]
    assert rows == [  # in the catalogue's order of the questions
        ("世帯の構成", "子（2023-12-02生・2歳）、親（生年月日 わからない）"),
        ("前の健康保険", "国民健康保険"),
        ("飼っている犬の数", "わからない"),
    ]


def test_the_same_qr_names_its_case_after_it_expired_a_new_one_is_refused(office, staff, clock):
    from madoguchi.handover import services as handover

    from ..handover.helpers import navigator_content, seal_for

    key = handover.office_key_create(actor=SYSTEM, office_code="demo")
    ttl = dt.timedelta(days=1)
    payload = seal_for(key, navigator_content(answers=FAMILY, ttl=ttl))
    case = services.case_open(actor=staff, office=office, payload=payload)
    services.case_close(actor=staff, case_code=case.code)
    clock.advance(days=3)  # the visitor comes back with the same, now expired, QR
    with pytest.raises(ServiceError) as replayed:  # "read before" (not "expired"): the clerk reopens it
        services.case_open(actor=staff, office=office, payload=payload)
    assert replayed.value.code == "handover_replayed" and replayed.value.detail == {"case": case.code}
    stale = seal_for(key, navigator_content(answers=FAMILY, ttl=ttl, created_at=now() - dt.timedelta(days=3)))
    with pytest.raises(ServiceError) as refused:
        services.case_open(actor=staff, office=office, payload=stale)
    assert refused.value.code == "handover_expired" and Case.objects.count() == 1
