"""Floor control (フロア管理, issue 8 §3): the supervisor acts through services that keep the
busy rule, write the audit and event logs and refresh the board; memos stay internal; today's
figures come from the event log; the admin goes through the same services.

Demo office (conftest ``office``): counters 1, 2 serve moving; 3 moving+address;
4 fastlane+moving; 6 certificates; 7 certificates+seal.
"""

import json
import re

import pytest
from django.test import Client

from madoguchi.core.actors import Actor
from madoguchi.core.errors import Conflict, Forbidden, NotFound, ServiceError
from madoguchi.core.models import AuditLog, Role
from madoguchi.queueing import hooks, selectors, services
from madoguchi.queueing.models import (
    Category,
    Counter,
    CounterCategory,
    CounterEvent,
    Ticket,
    TicketMemo,
    TicketState,
)
from madoguchi.zones.sync import office_payload

from .factories import (  # noqa: F401 (clock_fixture provides the clock fixture)
    call_next,
    category,
    clock_fixture,
    counter_id,
    make_staff,
    staff_actor,
)

pytestmark = pytest.mark.usefixtures("clock")
MEMO = "車椅子の方・書類待ち（内部メモ）"


@pytest.fixture
def issue(office, kiosk, clock):
    def issue(code="moving"):
        ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code=code)
        clock.advance(minutes=1)
        return ticket

    return issue


@pytest.fixture
def c(office):
    return lambda number: counter_id(office, number)


@pytest.fixture
def boss(office):
    return make_staff(office, role=Role.SUPERVISOR, username="kacho")


@pytest.fixture
def sv(boss):
    from madoguchi.core.actors import actor_for_user

    return actor_for_user(boss)


@pytest.fixture
def sv_client(boss):
    client = Client()
    client.force_login(boss)
    return client


def served(counter_pk) -> list[str]:
    return list(CounterCategory.objects.filter(counter_id=counter_pk).order_by("position")
                .values_list("category__code", flat=True))


# ------------------------------------------------------------------ counter categories (応援)


def test_supervisor_sets_what_a_counter_serves_in_order(office, sv, c, issue,
                                                         django_capture_on_commit_callbacks):
    seen = []
    hooks.subscribe(hooks.COUNTER_CHANGED, seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.counter_set_categories(actor=sv, counter_id=c(6), category_codes=["seal", "certificates"],
                                            expected=["certificates"])
    finally:
        hooks.unsubscribe(hooks.COUNTER_CHANGED, seen.append)
    assert served(c(6)) == ["seal", "certificates"]
    event = CounterEvent.objects.filter(counter_id=c(6)).last()
    assert (event.kind, event.actor_user_id) == ("categories", sv.user_id)
    assert event.detail == {"categories": ["seal", "certificates"], "before": ["certificates"]}
    audit = AuditLog.objects.filter(action="counter.categories").last()
    assert (audit.actor, audit.target) == ("kacho", "demo/6")
    assert [e.counter_id for e in seen] == [c(6)]
    assert callbacks  # the board is republished after commit
    # Counter 6 now helps the seal queue (応援): it calls a seal ticket.
    seal = issue("seal")
    assert services.ticket_call_next(actor=sv, counter_id=c(6)).pk == seal.pk


def test_the_category_being_called_cannot_be_dropped(office, sv, c, issue):
    t = issue("certificates")
    services.ticket_call_next(actor=sv, counter_id=c(7))
    with pytest.raises(Conflict) as exc:
        services.counter_set_categories(actor=sv, counter_id=c(7), category_codes=["seal"])
    assert exc.value.code == "counter_busy"
    assert "2001番" in exc.value.message and "外せません" in exc.value.message
    assert exc.value.detail["ticket"] == t.public_id
    assert served(c(7)) == ["certificates", "seal"]
    # Reordering, or keeping the busy category, is fine.
    services.counter_set_categories(actor=sv, counter_id=c(7), category_codes=["seal", "certificates"])
    assert served(c(7)) == ["seal", "certificates"]


def test_counter_categories_refusals(office, sv, staff, c):
    with pytest.raises(Forbidden):  # counter staff may not move counters around
        services.counter_set_categories(actor=staff, counter_id=c(1), category_codes=["seal"])
    with pytest.raises(ServiceError) as exc:
        services.counter_set_categories(actor=sv, counter_id=c(1), category_codes=[])
    assert (exc.value.status, exc.value.code) == (422, "no_categories")
    with pytest.raises(NotFound):
        services.counter_set_categories(actor=sv, counter_id=c(1), category_codes=["nothing"])
    with pytest.raises(Conflict) as exc:  # the screen showed something else
        services.counter_set_categories(actor=sv, counter_id=c(1), category_codes=["seal"],
                                        expected=["certificates"])
    assert exc.value.code == "stale" and "画面を更新" in exc.value.message
    before = CounterEvent.objects.count()
    services.counter_set_categories(actor=sv, counter_id=c(1), category_codes=["moving"])  # unchanged
    assert CounterEvent.objects.count() == before
    assert served(c(1)) == ["moving"]


# ------------------------------------------------------------------ issuing per category


def test_pausing_issuing_closes_the_kiosk_for_that_category_only(office, sv, kiosk, issue):
    waiting = issue("moving")
    moving = category(office, "moving")
    services.category_set_issuing(actor=sv, category_id=moving.pk, is_active=False)
    with pytest.raises(Conflict) as exc:
        services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    assert exc.value.code == "category_closed"
    assert services.ticket_issue(actor=kiosk, office_code="demo", category_code="seal")
    row = next(r for r in selectors.board_snapshot(office)["rows"] if r["category"] == "moving")
    assert row["waiting"] == 1  # people already waiting keep their place
    assert AuditLog.objects.filter(action="category.issuing", target="demo/moving").count() == 1
    services.category_set_issuing(actor=sv, category_id=moving.pk, is_active=False)  # second click
    assert AuditLog.objects.filter(action="category.issuing").count() == 1
    services.category_set_issuing(actor=sv, category_id=moving.pk, is_active=True)
    assert services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving").number == 1002
    assert waiting.state == TicketState.WAITING


def test_issuing_is_for_supervisors(office, staff):
    with pytest.raises(Forbidden):
        services.category_set_issuing(actor=staff, category_id=category(office, "moving").pk, is_active=False)


# ------------------------------------------------------------------ memos: staff only


def test_memo_is_shown_to_staff_and_never_on_the_public_side(office, sv, staff, staff_user, sv_client, issue, c):
    t = issue()
    services.ticket_memo_add(actor=sv, ticket_id=t.public_id, text=MEMO)
    assert AuditLog.objects.filter(action="ticket.memo").last().detail == {
        "ticket": t.public_id, "memo": TicketMemo.objects.get().pk}  # not what it says
    assert MEMO not in json.dumps(list(AuditLog.objects.values("detail", "target")), ensure_ascii=False)
    # Staff screens show it: the supervisor's list and the counter screen.
    assert MEMO in sv_client.get("/o/demo/supervisor/").content.decode()
    counter = Client()
    counter.force_login(staff_user)
    assert MEMO in counter.get(f"/o/demo/counter/{c(1)}/").content.decode()
    services.ticket_call_next(actor=staff, counter_id=c(1))
    assert MEMO in counter.get(f"/o/demo/counter/{c(1)}/panel/").content.decode()  # at the desk
    # Never anything a citizen or the public side can read.
    public = Client()
    for url in (f"/t/{t.public_id}/", f"/t/{t.public_id}/?fragment=state", f"/api/v1/tickets/{t.public_id}",
                "/api/v1/offices/demo/board", "/o/demo/board/", "/o/demo/display/", "/o/demo/"):
        body = public.get(url).content.decode()
        assert MEMO not in body and "書類待ち" not in body, url
    payload = json.dumps(office_payload(office, selectors.board_snapshot(office), with_stats=True),
                         ensure_ascii=False, default=str)
    assert "書類待ち" not in payload
    assert "書類待ち" not in json.dumps(selectors.office_ticket_statuses(office), ensure_ascii=False)


def test_memo_refusals(office, sv, issue, kiosk):
    t = issue()
    with pytest.raises(ServiceError) as exc:
        services.ticket_memo_add(actor=sv, ticket_id=t.public_id, text="   ")
    assert exc.value.code == "empty_memo"
    with pytest.raises(ServiceError) as exc:
        services.ticket_memo_add(actor=sv, ticket_id=t.public_id, text="あ" * 201)
    assert exc.value.code == "memo_too_long"
    with pytest.raises(Forbidden):
        services.ticket_memo_add(actor=kiosk, ticket_id=t.public_id, text="x")
    assert not TicketMemo.objects.exists()


# ------------------------------------------------------------------ today's figures


def test_figures_per_counter_and_per_clerk_from_the_event_log(office, issue, c, clock,
                                                               django_assert_max_num_queries):
    a = staff_actor(office, username="tanaka")
    b = staff_actor(office, username="suzuki")
    t1, t2, t3 = issue(), issue(), issue()  # issued 9:00, 9:01, 9:02
    clock.advance(minutes=7)  # 9:10
    services.ticket_call_next(actor=a, counter_id=c(1))  # t1 waited 10 min
    clock.advance(minutes=4)
    services.ticket_recall(actor=a, counter_id=c(1))  # service counts from the last call: 9:14
    clock.advance(minutes=6)
    # The same clerk through an API token: another label, the same user (counted as one clerk).
    a_by_token = Actor(kind="staff", label="tanaka (窓口1の端末)", user_id=a.user_id, roles=a.roles)
    services.ticket_finish(actor=a_by_token, counter_id=c(1))  # 6 min service
    services.ticket_call_next(actor=b, counter_id=c(2))  # t2 at 9:20: waited 19 min
    clock.advance(minutes=2)
    services.ticket_no_show(actor=b, counter_id=c(2))
    services.ticket_call_next(actor=b, counter_id=c(2))  # t3 at 9:22: waited 20 min
    clock.advance(minutes=3)
    services.ticket_finish(actor=b, counter_id=c(2))  # 3 min
    with django_assert_max_num_queries(2):
        figures = selectors.floor_figures(office)
    one, two = figures["counters"][c(1)], figures["counters"][c(2)]
    assert (one.served, one.no_shows, one.mean_service_minutes, one.mean_wait_minutes) == (1, 0, 6.0, 10.0)
    assert (one.wait_seconds, two.wait_seconds, two.service_seconds) == ([600.0], [1140.0, 1200.0], [180.0])
    assert (two.served, two.no_shows, two.mean_service_minutes, two.mean_wait_minutes) == (1, 1, 3.0, 19.5)
    clerks = {name: f for name, f in figures["clerks"]}
    assert set(clerks) == {"tanaka", "suzuki"}
    assert (clerks["tanaka"].served, clerks["tanaka"].mean_service_minutes) == (1, 6.0)
    assert (clerks["suzuki"].served, clerks["suzuki"].no_shows, clerks["suzuki"].mean_wait_minutes) == (1, 1, 19.5)
    assert {t1.pk, t2.pk, t3.pk} == set(Ticket.objects.values_list("pk", flat=True))


def test_figures_query_count_does_not_grow_with_the_day(office, issue, c, staff, django_assert_max_num_queries):
    for _ in range(30):
        issue("certificates")
    for _ in range(25):  # each call finishes the one before (as the counter screen names it)
        call_next(staff_actor(office), c(6))
    with django_assert_max_num_queries(2):
        selectors.floor_figures(office)


# ------------------------------------------------------------------ the supervisor screen


def post(client, action, data):
    return client.post(f"/o/demo/supervisor/{action}/", data, HTTP_HX_REQUEST="true")


def test_screen_pauses_a_counter_moves_and_reinstates_tickets(office, sv_client, staff, issue, c):
    waiting = issue("moving")
    gone = issue("moving")
    services.ticket_call(actor=staff, counter_id=c(2), ticket_id=gone.public_id)
    services.ticket_no_show(actor=staff, counter_id=c(2))
    html = post(sv_client, "pause", {"counter": c(3)}).content.decode()
    assert "3番窓口を受付休止にしました。" in html
    assert not Counter.objects.get(pk=c(3)).is_open
    assert CounterEvent.objects.filter(counter_id=c(3), kind="paused").exists()
    html = post(sv_client, "route", {"ticket": waiting.public_id, "to": "seal", "state": "waiting",
                                     "from": "moving"}).content.decode()
    assert "1001番を「印鑑登録・仮ナンバー(自動車臨時運行許可)」へ移しました（元の順番のまま）。" in html
    assert Ticket.objects.get(pk=waiting.pk).category.code == "seal"
    html = post(sv_client, "reinstate", {"ticket": gone.public_id}).content.decode()
    assert "1002番を待ちに戻しました（元の順番）。" in html
    assert Ticket.objects.get(pk=gone.pk).state == TicketState.WAITING
    html = post(sv_client, "categories", {"counter": c(8), "expected": "seal,address",
                                          "category": ["address", "", "seal"]}).content.decode()
    assert "8番窓口の受付区分を変更しました。" in html
    assert served(c(8)) == ["address", "seal"]
    html = post(sv_client, "issuing", {"category_id": category(office, "seal").pk, "is_active": "0"}).content.decode()
    assert "発券を停止しました" in html and not category(office, "seal").is_active
    html = post(sv_client, "memo", {"ticket": gone.public_id, "text": "戻られました"}).content.decode()
    assert "1002番にメモを残しました。" in html and "戻られました" in html


def test_a_stale_screen_never_moves_what_the_supervisor_did_not_see(office, sv_client, staff, issue, c):
    t = issue("moving")
    # The screen showed 1001 waiting; a clerk called it meanwhile.
    services.ticket_call_next(actor=staff, counter_id=c(1))
    response = sv_client.post("/o/demo/supervisor/route/", {"ticket": t.public_id, "to": "seal",
                                                            "state": "waiting", "from": "moving"})
    assert response.status_code == 409
    assert "画面を表示した後に状態が変わりました" in response.content.decode()
    t.refresh_from_db()
    assert (t.state, t.counter_id, t.category.code) == (TicketState.CALLED, c(1), "moving")
    response = sv_client.post("/o/demo/supervisor/categories/", {"counter": c(1), "expected": "moving,address",
                                                                 "category": ["seal"]})
    assert response.status_code == 409 and served(c(1)) == ["moving"]


def test_supervisor_actions_need_the_supervisor_role(office, staff_user, issue, c):
    clerk = Client()
    clerk.force_login(staff_user)
    for action, data in (("pause", {"counter": c(1)}), ("issuing", {"category_id": category(office, "moving").pk,
                                                                    "is_active": "0"})):
        assert post(clerk, action, data).status_code == 403
    assert Counter.objects.get(pk=c(1)).is_open and category(office, "moving").is_active
    assert Client().post("/o/demo/supervisor/pause/", {"counter": c(1)}).status_code == 302  # log in first


def test_screen_shows_a_running_timer_and_todays_figures(office, sv_client, staff, issue, c):
    issue("moving")
    services.ticket_call_next(actor=staff, counter_id=c(1))
    html = sv_client.get("/o/demo/supervisor/").content.decode()
    assert re.search(r'<time data-since="2025-04-01T09:01:00\+09:00"', html)
    assert "supervisor.js" in html
    assert "職員ごとの本日の件数" in html and 'data-clerk="staff"' in html


def test_supervisor_page_query_count_is_bounded(office, sv_client, staff, issue, c, django_assert_max_num_queries):
    for i in range(20):
        t = issue(["moving", "certificates", "seal"][i % 3])
        services.ticket_memo_add(actor=staff, ticket_id=t.public_id, text=f"memo {i}")
    for number in (1, 6, 7):
        services.ticket_call_next(actor=staff, counter_id=c(number))
    selectors.board_snapshot(office)  # the wait estimate of this queue (once per change, not per view)
    with django_assert_max_num_queries(25):
        assert sv_client.get("/o/demo/supervisor/panel/").status_code == 200


# ------------------------------------------------------------------ the admin uses the services


@pytest.fixture
def admin_client(office):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def counter_form(counter, rows, **fields):
    data = {"office": counter.office_id, "number": counter.number, "name": counter.name,
            "is_open": "on" if counter.is_open else "",
            "countercategory_set-TOTAL_FORMS": str(len(rows)),
            "countercategory_set-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
            "countercategory_set-MIN_NUM_FORMS": "0", "countercategory_set-MAX_NUM_FORMS": "1000"}
    data.update(fields)
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"countercategory_set-{i}-{key}"] = value
        data[f"countercategory_set-{i}-counter"] = counter.pk
    return data


def existing_rows(counter):
    return [{"id": cc.pk, "category": cc.category_id, "position": cc.position}
            for cc in CounterCategory.objects.filter(counter=counter).order_by("position")]


def test_admin_counter_categories_go_through_the_service(office, admin_client, c):
    counter = Counter.objects.get(pk=c(6))
    rows = existing_rows(counter) + [{"category": category(office, "seal").pk, "position": 1}]
    response = admin_client.post(f"/admin/queueing/counter/{counter.pk}/change/", counter_form(counter, rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert served(counter.pk) == ["certificates", "seal"]
    event = CounterEvent.objects.filter(counter=counter).last()
    assert (event.kind, event.detail["categories"]) == ("categories", ["certificates", "seal"])
    assert AuditLog.objects.filter(action="counter.categories", target="demo/6").exists()


def test_admin_keeps_the_busy_rule(office, admin_client, staff, issue, c):
    issue("certificates")
    services.ticket_call_next(actor=staff, counter_id=c(6))
    counter = Counter.objects.get(pk=c(6))
    rows = existing_rows(counter)
    rows[0]["DELETE"] = "on"
    rows.append({"category": category(office, "seal").pk, "position": 1})
    response = admin_client.post(f"/admin/queueing/counter/{counter.pk}/change/", counter_form(counter, rows))
    assert response.status_code == 200
    assert "2001番" in response.content.decode() and "外せません" in response.content.decode()
    assert served(counter.pk) == ["certificates"]
    response = admin_client.post(f"/admin/queueing/counter/{counter.pk}/change/",
                                 counter_form(counter, existing_rows(counter), is_open=""))
    assert response.status_code == 200 and "休止してください" in response.content.decode()
    assert Counter.objects.get(pk=c(6)).is_open


def test_admin_pausing_a_counter_logs_it(office, admin_client, c):
    counter = Counter.objects.get(pk=c(5))
    response = admin_client.post(f"/admin/queueing/counter/{counter.pk}/change/",
                                 counter_form(counter, existing_rows(counter), is_open=""))
    assert response.status_code == 302
    assert not Counter.objects.get(pk=c(5)).is_open
    assert CounterEvent.objects.filter(counter=counter, kind="paused").count() == 1


def category_form(cat, **fields):
    data = {"office": cat.office_id, "section": cat.section_id or "", "code": cat.code, "name": cat.name,
            "name_en": cat.name_en, "range_start": cat.range_start, "range_end": cat.range_end,
            "display_order": cat.display_order, "prior_service_minutes": cat.prior_service_minutes,
            "notify_ahead": cat.notify_ahead, "is_active": "on" if cat.is_active else "",
            "is_fast_lane": "on" if cat.is_fast_lane else ""}
    for code, value in (cat.names or {}).items():
        data["names_" + code.replace("-", "_")] = value
    data.update(fields)
    return data


def test_admin_category_names_are_one_field_per_language(office, admin_client, client):
    cat = category(office, "seal")
    page = admin_client.get(f"/admin/queueing/category/{cat.pk}/change/").content.decode()
    assert 'name="names_ko"' in page and 'name="names_pt_br"' in page and 'name="names"' not in page
    assert "인감 등록" in page  # the stored Korean name, in its own field
    response = admin_client.post(f"/admin/queueing/category/{cat.pk}/change/",
                                 category_form(cat, names_ko="인감 등록 (새 이름)", names_vi="", is_active=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    cat.refresh_from_db()
    assert cat.names["ko"] == "인감 등록 (새 이름)" and "vi" not in cat.names
    assert cat.names["zh-hans"].startswith("印章登记")
    assert not cat.is_active  # through category_set_issuing: audited
    assert AuditLog.objects.filter(action="category.issuing", target="demo/seal").exists()
    assert AuditLog.objects.filter(action="category.edit", target="demo/seal").last().detail["changed"] == [
        "names_ko", "names_vi"]
    # The public side shows the new name in Korean.
    assert "인감 등록 (새 이름)" not in client.get("/o/demo/board/?lang=ko").content.decode()  # paused, empty
    admin_client.post(f"/admin/queueing/category/{cat.pk}/change/", category_form(cat, is_active="on"))
    assert "인감 등록 (새 이름)" in client.get("/o/demo/board/?lang=ko").content.decode()


def test_admin_cannot_delete_a_category_with_tickets(office, admin_client, issue):
    issue("seal")
    cat = category(office, "seal")
    admin_client.post(f"/admin/queueing/category/{cat.pk}/delete/", {"post": "yes"})
    assert Category.objects.filter(pk=cat.pk).exists()
