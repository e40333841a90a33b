"""The case beside the counter screen, the scan field, the case page and the supervisor's
list, through the Django test client as a clerk's browser would use them."""

import re

import pytest
from django.contrib.auth import get_user_model

from madoguchi.cases import selectors, services
from madoguchi.cases.models import Case, CaseProcedure
from madoguchi.core.actors import SYSTEM
from madoguchi.core.models import AuditLog
from madoguchi.queueing import services as queue
from madoguchi.queueing.models import Counter

from .conftest import FAMILY, issue

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clerk(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def counter1(office):
    return Counter.objects.get(office=office, number=1)


def panel(clerk, counter) -> str:
    return clerk.get(f"/o/demo/counter/{counter.pk}/panel/").content.decode()


def shown_case(html: str) -> str | None:
    match = re.search(r'id="case-panel"[^>]*data-case-code="([0-9A-Z]{8})"', html)
    return match.group(1) if match else None


def test_calling_a_ticket_that_carries_a_case_opens_it_beside_the_ticket(clerk, office, staff, counter1,
                                                                         family_case):
    plain, visitor = issue("moving"), issue("moving")
    services.case_attach_ticket(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id)
    queue.ticket_call(actor=staff, counter_id=counter1.pk, ticket_id=plain.public_id)
    html = panel(clerk, counter1)
    assert 'id="case-scan"' in html and shown_case(html) is None  # no case for this visitor

    clerk.post(f"/o/demo/counter/{counter1.pk}/call/",
               {"ticket": visitor.public_id, "finish_current": plain.public_id}, **HX)
    html = clerk.get(f"/o/demo/counter/{counter1.pk}/").content.decode()  # the whole screen
    assert shown_case(html) == family_case.code
    assert family_case.display_code in html and "児童手当の認定請求" in html and "こども課" in html
    # The answers are there too: the next counter does not ask them again.
    assert re.search(r'<dt>前の健康保険</dt><dd data-answer="previous_insurance">会社の健康保険</dd>', html)
    assert "子（2023-05-05生・3歳）" in html and "親（1956-01-10生・70歳）" in html
    # Shown once = one audit row, however often the live screen redraws it.
    panel(clerk, counter1)
    panel(clerk, counter1)
    views = AuditLog.objects.filter(action="case.view", target=f"demo/case/{family_case.code}")
    assert [(v.actor, v.detail) for v in views] == [("staff", {"via": "counter", "counter": "1番窓口"})]


def test_the_scan_field_opens_a_case_by_its_code(clerk, office, counter1, family_case):
    response = clerk.post(f"/o/demo/counter/{counter1.pk}/case/scan/",
                          {"text": family_case.display_code.lower()}, **HX)
    assert shown_case(response.content.decode()) == family_case.code
    assert "を開きました" in response.content.decode()
    # It stays on this screen while nobody is being called here (the live redraws keep it).
    assert shown_case(panel(clerk, counter1)) == family_case.code


def test_the_scan_field_opens_a_case_from_the_visitors_ticket_qr(clerk, office, staff, counter1,
                                                                 family_case):
    visitor = issue("moving")
    services.case_attach_ticket(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id)
    response = clerk.post(f"/o/demo/counter/{counter1.pk}/case/scan/",
                          {"text": f"http://testserver/t/{visitor.public_id}/"}, **HX)
    assert shown_case(response.content.decode()) == family_case.code


def test_a_scanned_handover_opens_a_case_for_the_called_ticket(clerk, office, staff, counter1):
    from madoguchi.handover import services as handover

    from ..handover.helpers import navigator_content, seal_for

    key = handover.office_key_create(actor=SYSTEM, office_code="demo")
    payload = seal_for(key, navigator_content(answers=FAMILY))
    visitor = issue("moving")
    queue.ticket_call(actor=staff, counter_id=counter1.pk, ticket_id=visitor.public_id)
    response = clerk.post(f"/o/demo/counter/{counter1.pk}/case/scan/", {"text": payload}, **HX)
    case = Case.objects.get()
    assert shown_case(response.content.decode()) == case.code and case.source == "handover"
    assert selectors.case_for_ticket(visitor.public_id) == case


def test_a_scan_that_is_neither_says_so(clerk, office, counter1):
    response = clerk.post(f"/o/demo/counter/{counter1.pk}/case/scan/", {"text": "hello"}, **HX)
    assert "案件番号でも引継ぎQRでもありません" in response.content.decode()
    response = clerk.post(f"/o/demo/counter/{counter1.pk}/case/scan/", {"text": "ZZZZ-ZZZZ"})
    assert response.status_code == 404 and "見つかりません" in response.content.decode()
    response = clerk.post(f"/o/demo/counter/{counter1.pk}/case/scan/", {"text": "MD1:" + "A" * 200}, **HX)
    assert 'role="alert"' in response.content.decode() and not Case.objects.exists()


def test_status_buttons_notes_and_the_history(clerk, office, counter1, family_case):
    base = f"/o/demo/counter/{counter1.pk}/case/{family_case.code}"
    clerk.post(f"/o/demo/counter/{counter1.pk}/case/scan/", {"text": family_case.code}, **HX)
    html = clerk.post(f"{base}/status/", {"procedure": "tennyu_todoke", "status": "done"}, **HX).content.decode()
    assert re.search(r'data-case-procedure="tennyu_todoke" data-status="done"', html)
    assert "「転入届」を完了にしました。" in html
    html = clerk.post(f"{base}/procedure-note/", {"procedure": "jidou_teate", "note": "通帳は後日"},
                      **HX).content.decode()
    assert CaseProcedure.objects.get(case=family_case, code="jidou_teate").note == "通帳は後日"
    html = clerk.post(f"{base}/note/", {"text": "車椅子の方"}, **HX).content.decode()
    history = re.search(r'id="case-history".*?</details>', html, re.S).group(0)
    assert "車椅子の方" in history and "通帳は後日" in history and "1番窓口" in history
    # Keys for each status on each row; 1-9 jump to the first nine procedures.
    assert 'data-case-key="d"' in html and 'data-key-focus="1"' in html


def test_next_counter_routes_the_called_visitor_and_the_case_follows(clerk, office, staff, counter1,
                                                                     family_case):
    visitor = issue("moving")
    services.case_attach_ticket(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id)
    queue.ticket_call(actor=staff, counter_id=counter1.pk, ticket_id=visitor.public_id)
    html = panel(clerk, counter1)
    options = re.findall(r'<option value="([a-z-]+)"', re.search(
        r'id="case-next-category".*?</select>', html, re.S).group(0))
    assert options == ["children", "care"]  # the sections the case still needs, in order
    response = clerk.post(f"/o/demo/counter/{counter1.pk}/case/{family_case.code}/route/",
                          {"ticket": visitor.public_id, "category": "care"}, **HX)
    html = response.content.decode()
    assert "「介護保険」へご案内しました" in html and shown_case(html) == family_case.code
    visitor.refresh_from_db()
    assert (visitor.category.code, visitor.state) == ("care", "waiting")
    # 介護保険課's counter calls the visitor: the case opens there too.
    counter11 = Counter.objects.get(office=office, number=11)
    queue.ticket_call_next(actor=staff, counter_id=counter11.pk)
    html = panel(clerk, counter11)
    assert shown_case(html) == family_case.code
    # Its own section is marked there as this counter's.
    sections = re.findall(r'data-case-section="([a-z]+)"( data-here)?', html)
    assert [s for s, here in sections if here] == ["kaigo"] and len(sections) == 3


def test_close_and_revisit_from_the_counter(clerk, office, staff, counter1, family_case):
    base = f"/o/demo/counter/{counter1.pk}/case/{family_case.code}"
    clerk.post(f"/o/demo/counter/{counter1.pk}/case/scan/", {"text": family_case.code}, **HX)
    clerk.post(f"{base}/status/", {"procedure": "kaigo_hoken", "status": "later"}, **HX)
    html = clerk.post(f"{base}/close/", **HX).content.decode()
    assert 'id="case-revisit"' in html and Case.objects.get(pk=family_case.pk).status == "closed"
    html = clerk.post(f"{base}/revisit/", **HX).content.decode()
    assert Case.objects.get(pk=family_case.pk).status == "open"
    first = re.search(r'data-case-procedure="([a-z_]+)" data-status="([a-z_]+)"', html)
    assert first.groups() == ("kaigo_hoken", "pending")


def test_the_case_page_is_printable_and_audited(clerk, office, family_case):
    html = clerk.get(f"/o/demo/cases/{family_case.code}/").content.decode()
    assert family_case.display_code in html and "預金通帳" in html and "window.print()" in html
    assert re.search(r'<dt>飼っている犬の数</dt><dd data-answer="dogs">0</dd>', html)
    assert AuditLog.objects.filter(action="case.view", detail__via="page").count() == 1
    assert clerk.get("/o/demo/cases/ZZZZZZZZ/").status_code == 404


def test_the_supervisor_sees_open_cases_and_where_each_visitor_is(client, office, staff, family_case):
    visitor = issue("moving")
    services.case_attach_ticket(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id)
    counter1 = Counter.objects.get(office=office, number=1)
    queue.ticket_call(actor=staff, counter_id=counter1.pk, ticket_id=visitor.public_id)
    closed = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
    services.case_close(actor=staff, case_code=closed.code)
    client.force_login(get_user_model().objects.get(username="admin"))
    html = client.get("/o/demo/cases/").content.decode()
    row = re.search(rf'<tr data-case-row="{family_case.code}">.*?</tr>', html, re.S).group(0)
    assert f"{visitor.number}番" in row and "呼出中" in row and "1番窓口" in row and "残り 4" in row
    assert closed.code not in html


def test_a_case_opened_by_code_can_be_put_away_but_the_called_visitors_case_stays(
        clerk, office, staff, counter1, family_case):
    html = clerk.post(f"/o/demo/counter/{counter1.pk}/case/scan/", {"text": family_case.code}, **HX).content.decode()
    assert 'id="case-dismiss"' in html
    html = clerk.post(f"/o/demo/counter/{counter1.pk}/case/{family_case.code}/dismiss/", **HX).content.decode()
    assert shown_case(html) is None and shown_case(panel(clerk, counter1)) is None
    visitor = issue("moving")
    services.case_attach_ticket(actor=staff, case_code=family_case.code, ticket_id=visitor.public_id)
    queue.ticket_call(actor=staff, counter_id=counter1.pk, ticket_id=visitor.public_id)
    html = panel(clerk, counter1)
    assert shown_case(html) == family_case.code and 'id="case-dismiss"' not in html


def test_the_counter_keeps_working_when_the_case_part_fails(clerk, office, staff, counter1, monkeypatch):
    visitor = issue("moving")
    queue.ticket_call(actor=staff, counter_id=counter1.pk, ticket_id=visitor.public_id)

    def broken(ticket_public_id):
        raise RuntimeError("the case tables are unreachable")

    monkeypatch.setattr(selectors, "case_for_ticket", broken)
    response = clerk.get(f"/o/demo/counter/{counter1.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and f">{visitor.number}<" in html
    assert "来庁案件を表示できませんでした" in html and 'data-key="n"' in html


def test_the_supervisors_list_reads_a_bounded_number_of_queries(office, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.office_open_cases(office)
        return len(queries), len(rows)

    for _ in range(2):
        case = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
        services.case_attach_ticket(actor=staff, case_code=case.code, ticket_id=issue().public_id)
    few = count()
    for _ in range(6):
        case = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
        services.case_attach_ticket(actor=staff, case_code=case.code, ticket_id=issue().public_id)
    many = count()
    assert few == (3, 2) and many == (3, 8)
