"""The public contract of /api/v1 (issue 2), through Django's test client.

Shapes and types, status codes, who may call what, and one error shape
``{"code", "message", "detail"}`` for every refusal.
"""

import datetime as dt
import re

import pytest
from django.test import Client

from madoguchi.core.models import Role, TokenKind
from madoguchi.queueing import services
from madoguchi.queueing.models import Category, Ticket, TicketState

from .factories import clock_fixture, counter_id, make_office, make_staff, make_token  # noqa: F401

API = "/api/v1"
KIOSK = {"HTTP_AUTHORIZATION": "Bearer demo-kiosk"}
STAFF = {"HTTP_AUTHORIZATION": "Bearer demo-staff"}
ERROR_KEYS = {"code", "message", "detail"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def post(client):
    def post(path, body=None, auth=STAFF, **extra):
        if body is None:
            return client.post(API + path, **auth, **extra)
        return client.post(API + path, body, content_type="application/json", **auth, **extra)

    return post


@pytest.fixture
def issue(office, post):
    def issue(category="moving", auth=KIOSK):
        response = post("/offices/demo/tickets", {"category": category}, auth=auth)
        assert response.status_code == 201, response.content
        return response.json()

    return issue


@pytest.fixture
def c(office):
    return lambda number: counter_id(office, number)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    assert JAPANESE.search(body["message"]), body  # a clerk or citizen can read it
    return body


# ------------------------------------------------------------------ public reads


def test_offices(client, office):
    response = client.get(f"{API}/offices")
    assert response.status_code == 200
    assert response.json() == [{"code": "demo", "name": "デモ市役所 本庁舎 市民課"}]


def test_board_shape_and_types(client, issue, post, c):
    issue("moving")
    issue("moving")
    post(f"/counters/{c(1)}/call-next")
    response = client.get(f"{API}/offices/demo/board")
    assert response.status_code == 200
    board = response.json()
    assert set(board) == {"office", "updated_at", "rows", "calling", "missed", "missed_until"}
    assert board["office"] == "demo"
    updated = dt.datetime.fromisoformat(board["updated_at"])
    assert updated.utcoffset() == dt.timedelta(hours=9)  # shown in Japan time
    assert updated == dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert len(board["rows"]) == 12  # the seed's six and the one-stop case's six sections
    for row in board["rows"]:
        assert set(row) == {"category", "name", "range", "last_called", "next_number", "waiting",
                            "wait_minutes", "wait_minutes_p80", "on_hold", "accepting", "closed_reason",
                            "reception_until",
                            "accepting_until", "next_opening"}
        # The demo office issues around the clock: no 受付終了, nothing to flip at any time.
        assert (row["accepting"], row["closed_reason"], row["accepting_until"], row["next_opening"]) == (
            True, None, None, None)
        assert isinstance(row["range"], list) and [type(n) for n in row["range"]] == [int, int]
        assert all(isinstance(row[k], int) for k in ("waiting", "wait_minutes", "on_hold"))
    moving = board["rows"][0]
    assert moving == {"category": "moving", "name": "転入・転出・世帯変更等の異動届出",
                      "range": [1001, 1500], "last_called": 1001, "next_number": 1002,
                      # 1 ahead, three idle counters: at once (at least a minute while anyone waits)
                      "waiting": 1, "wait_minutes": 1, "wait_minutes_p80": 1, "on_hold": 0, "accepting": True,
                      "closed_reason": None, "reception_until": None, "accepting_until": None,
                      "next_opening": None}
    assert board["rows"][1]["last_called"] is None and board["rows"][1]["next_number"] is None
    assert board["calling"] == [{"number": 1001, "counter": "1番窓口"}]


def test_counters(client, office):
    response = client.get(f"{API}/offices/demo/counters")
    assert response.status_code == 200
    counters = response.json()
    assert len(counters) == 12
    assert counters[0] == {"id": str(counter_id(office, 1)), "name": "1番窓口", "categories": ["moving"]}
    assert all(isinstance(x["id"], str) for x in counters)
    by_name = {x["name"]: x["categories"] for x in counters}
    # Categories are listed in the order the counter serves them (its master data).
    assert by_name["4番窓口"] == ["fastlane", "moving"]
    assert by_name["8番窓口"] == ["seal", "address"]
    assert by_name["10番窓口"] == ["children", "school"]


@pytest.mark.parametrize("path", ["/offices/nowhere/board", "/offices/nowhere/counters"])
def test_unknown_office_reads_are_404(client, office, path):
    body = assert_error(client.get(API + path), 404, "office_not_found")
    assert body["message"] == "指定された庁舎・拠点が見つかりません。"


# ------------------------------------------------------------------ issuing


def test_issue_ticket_201(issue, office):
    first = issue("moving")
    assert set(first) == {"id", "number", "category", "waiting_ahead", "status_url"}
    assert (first["number"], first["category"], first["waiting_ahead"]) == (1001, "moving", 0)
    # Unguessable: at least 128 bits, URL-safe, and the status page link carries it.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", first["id"])
    assert first["status_url"] == f"http://testserver/t/{first['id']}/"
    second = issue("moving")
    assert (second["number"], second["waiting_ahead"]) == (1002, 1)
    assert second["id"] != first["id"]
    # Staff of the office may issue too.
    assert issue("certificates", auth=STAFF)["number"] == 2001


def test_issue_refusals(post, office, issue):
    assert_error(post("/offices/nowhere/tickets", {"category": "moving"}, auth=KIOSK),
                 404, "office_not_found")
    assert_error(post("/offices/demo/tickets", {"category": "nothing"}, auth=KIOSK),
                 404, "category_not_found")
    Category.objects.filter(code="moving").update(is_active=False)
    assert_error(post("/offices/demo/tickets", {"category": "moving"}, auth=KIOSK),
                 409, "category_closed")


def test_issue_range_exhausted_is_409(post, office):
    tiny = Category.objects.create(office=office, code="tiny", name="小さな区分", range_start=4001,
                                   range_end=4002)
    for _ in range(2):
        assert post("/offices/demo/tickets", {"category": "tiny"}, auth=KIOSK).status_code == 201
    body = assert_error(post("/offices/demo/tickets", {"category": "tiny"}, auth=KIOSK),
                        409, "range_exhausted")
    assert body["message"] == ("「小さな区分」の番号（4001～4002）がすべて使用中のため発券できません。"
                               "職員にお声がけください。")
    assert Ticket.objects.filter(category=tiny).count() == 2


@pytest.mark.parametrize("body", [{}, {"category": 7}, {"kategorie": "moving"}, ["moving"]])
def test_issue_bad_body_is_422(client, office, body):
    response = client.post(f"{API}/offices/demo/tickets", body, content_type="application/json",
                           **KIOSK)
    body = assert_error(response, 422, "invalid_request")
    assert body["message"] == "入力内容に誤りがあります。"
    assert not Ticket.objects.exists()



@pytest.mark.parametrize("raw", [None, "not json", '{"category": '])
def test_issue_unparseable_body_is_422_in_japanese(client, office, raw):
    if raw is None:
        response = client.post(f"{API}/offices/demo/tickets", **KIOSK)
    else:
        response = client.post(f"{API}/offices/demo/tickets", raw, content_type="application/json",
                               **KIOSK)
    assert not Ticket.objects.exists()
    assert set(response.json()) == ERROR_KEYS  # the one error shape holds even now
    assert_error(response, 422, "invalid_request")


# ------------------------------------------------------------------ authentication


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer ", "Token demo-staff", "demo-staff"])
def test_missing_or_bad_token_is_401(client, office, c, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    for path, body in ((f"/counters/{c(1)}/call-next", None),
                       ("/offices/demo/tickets", {"category": "moving"})):
        if body is None:
            response = client.post(API + path, **extra)
        else:
            response = client.post(API + path, body, content_type="application/json", **extra)
        body = assert_error(response, 401, "unauthorized")
        assert body["message"] == "認証が必要です。トークンまたはログイン情報を確認してください。"
    assert not Ticket.objects.exists()


def test_demo_tokens_only_in_demo_mode(settings, post, office, c):
    settings.DEMO = False
    assert_error(post("/offices/demo/tickets", {"category": "moving"}, auth=KIOSK), 401, "unauthorized")
    assert_error(post(f"/counters/{c(1)}/call-next"), 401, "unauthorized")
    # A real token still works outside demo mode.
    real = {"HTTP_AUTHORIZATION": f"Bearer {make_token(office, TokenKind.KIOSK)}"}
    response = post("/offices/demo/tickets", {"category": "moving"}, auth=real)
    assert response.status_code == 201


def test_revoked_token_is_401(post, office):
    raw = make_token(office, TokenKind.KIOSK)
    from madoguchi.core.models import ApiToken, hash_token

    ApiToken.objects.filter(key_hash=hash_token(raw)).update(is_active=False)
    assert_error(post("/offices/demo/tickets", {"category": "moving"},
                      auth={"HTTP_AUTHORIZATION": f"Bearer {raw}"}), 401, "unauthorized")


# ------------------------------------------------------------------ authorisation


def test_kiosk_token_cannot_operate_counters(post, issue, c):
    t = issue()
    for path, body in ((f"/counters/{c(1)}/call-next", None), (f"/counters/{c(1)}/recall", None),
                       (f"/counters/{c(1)}/hold", None), (f"/counters/{c(1)}/finish", None),
                       (f"/counters/{c(1)}/no-show", None),
                       (f"/counters/{c(1)}/transfer", {"category": "seal"}),
                       (f"/counters/{c(1)}/call", {"ticket": t["id"]}),
                       (f"/tickets/{t['id']}/resume", None), (f"/tickets/{t['id']}/cancel", None)):
        body = assert_error(post(path, body, auth=KIOSK), 403, "forbidden_role")
        assert body["message"] == "職員用の操作です。発券機・表示盤の端末からは実行できません。"
    assert Ticket.objects.get().state == TicketState.WAITING


def test_display_token_cannot_issue(post, office):
    display = {"HTTP_AUTHORIZATION": f"Bearer {make_token(office, TokenKind.DISPLAY)}"}
    # A display is the wrong kind of device to issue (core/permissions.py: issue_ticket → kiosk).
    assert_error(post("/offices/demo/tickets", {"category": "moving"}, auth=display),
                 403, "forbidden_role")


def test_tokens_of_another_office_are_refused(post, office, issue, c):
    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    clerk = make_staff(other, role=Role.COUNTER_STAFF)
    other_staff = {"HTTP_AUTHORIZATION": f"Bearer {make_token(other, TokenKind.STAFF, user=clerk)}"}
    other_kiosk = {"HTTP_AUTHORIZATION": f"Bearer {make_token(other, TokenKind.KIOSK)}"}
    t = issue()
    assert_error(post(f"/counters/{c(1)}/call-next", auth=other_staff), 403, "forbidden_office")
    assert_error(post(f"/tickets/{t['id']}/cancel", auth=other_staff), 403, "forbidden_office")
    assert_error(post("/offices/demo/tickets", {"category": "moving"}, auth=other_kiosk),
                 403, "forbidden_office")
    # The demo clerk's token is scoped to the demo office: not the other office's counters.
    assert_error(post(f"/counters/{counter_id(other, 1)}/call-next"), 403, "forbidden_office")
    assert Ticket.objects.get().state == TicketState.WAITING


# ------------------------------------------------------------------ counter actions


def test_call_next_200_and_204(post, issue, c):
    assert post(f"/counters/{c(1)}/call-next").status_code == 204
    t = issue()
    response = post(f"/counters/{c(1)}/call-next")
    assert response.status_code == 200
    ticket = response.json()["ticket"]
    assert set(response.json()) == {"ticket"}
    assert set(ticket) == {"id", "number", "category", "state", "counter", "issued_at", "recall_count"}
    assert (ticket["id"], ticket["number"], ticket["category"], ticket["state"], ticket["counter"],
            ticket["recall_count"]) == (t["id"], 1001, "moving", "called", "1番窓口", 0)
    assert dt.datetime.fromisoformat(ticket["issued_at"]) == dt.datetime(2025, 4, 1, 0, 0, tzinfo=dt.UTC)
    # Finishing the current one (named by the screen), nobody else waits: 204 with no body.
    empty = post(f"/counters/{c(1)}/call-next", {"finish_current": t["id"]})
    assert (empty.status_code, empty.content) == (204, b"")
    assert Ticket.objects.get().state == TicketState.DONE


def test_the_whole_lifecycle_through_the_api(post, issue, c, client):
    t = issue()
    issue()
    assert post(f"/counters/{c(1)}/call", {"ticket": t["id"]}).json()["ticket"]["state"] == "called"
    recalled = post(f"/counters/{c(1)}/recall").json()["ticket"]
    assert (recalled["state"], recalled["recall_count"]) == ("called", 1)
    held = post(f"/counters/{c(1)}/hold").json()["ticket"]
    assert (held["state"], held["counter"]) == ("held", None)
    resumed = post(f"/tickets/{t['id']}/resume").json()["ticket"]
    assert resumed["state"] == "waiting"
    assert post(f"/counters/{c(2)}/call-next").json()["ticket"]["id"] == t["id"]  # kept its place
    moved = post(f"/counters/{c(2)}/transfer", {"category": "certificates"}).json()["ticket"]
    assert (moved["state"], moved["category"], moved["number"], moved["counter"]) == (
        "waiting", "certificates", 1001, None)
    assert post(f"/counters/{c(6)}/call-next").json()["ticket"]["counter"] == "6番窓口"
    done = post(f"/counters/{c(6)}/finish").json()["ticket"]
    assert done["state"] == "done"
    assert post(f"/counters/{c(1)}/call-next").json()["ticket"]["number"] == 1002
    assert post(f"/counters/{c(1)}/no-show").json()["ticket"]["state"] == "no_show"
    third = issue()
    assert post(f"/tickets/{third['id']}/cancel").json()["ticket"]["state"] == "cancelled"


def test_illegal_transitions_are_409(post, issue, c, settings):
    settings.RECALL_LIMIT = 1
    t = issue()
    assert_error(post(f"/tickets/{t['id']}/resume"), 409, "illegal_transition")
    for action in ("recall", "hold", "finish", "no-show"):
        body = assert_error(post(f"/counters/{c(1)}/{action}"), 409, "no_current_ticket")
        assert body["message"] == "1番窓口で呼出中の番号はありません。"
    assert_error(post(f"/counters/{c(1)}/transfer", {"category": "seal"}), 409, "no_current_ticket")
    post(f"/counters/{c(1)}/call-next")
    assert_error(post(f"/tickets/{t['id']}/cancel"), 409, "illegal_transition")
    assert_error(post(f"/counters/{c(2)}/call", {"ticket": t["id"]}), 409, "illegal_transition")
    assert_error(post(f"/counters/{c(1)}/transfer", {"category": "moving"}), 409, "same_category")
    post(f"/counters/{c(1)}/recall")
    body = assert_error(post(f"/counters/{c(1)}/recall"), 409, "recall_limit")
    assert body["detail"] == {"limit": 1}
    assert Ticket.objects.get().state == TicketState.CALLED


def test_unknown_counter_ticket_category_are_404(post, issue, c):
    t = issue()
    for path in ("/counters/987654/call-next", "/counters/abc/call-next", "/counters/987654/finish"):
        body = assert_error(post(path), 404, "counter_not_found")
        assert body["message"] == "指定された窓口が見つかりません。"
    assert_error(post("/tickets/nope/resume"), 404, "ticket_not_found")
    assert_error(post(f"/counters/{c(1)}/call", {"ticket": "nope"}), 404, "ticket_not_found")
    post(f"/counters/{c(1)}/call-next")
    assert_error(post(f"/counters/{c(1)}/transfer", {"category": "nothing"}), 404, "category_not_found")
    assert Ticket.objects.get(public_id=t["id"]).state == TicketState.CALLED


def test_transfer_and_call_need_a_body(post, issue, c):
    issue()
    post(f"/counters/{c(1)}/call-next")
    assert_error(post(f"/counters/{c(1)}/transfer", {"kategorie": "seal"}), 422, "invalid_request")
    assert_error(post(f"/counters/{c(1)}/call", {}), 422, "invalid_request")
    assert Ticket.objects.get().state == TicketState.CALLED


# ------------------------------------------------------------------ public ticket status


def test_ticket_status_has_no_personal_data(client, issue, post, c, clock):
    first = issue()
    second = issue()
    response = client.get(f"{API}/tickets/{second['id']}")
    assert response.status_code == 200
    status = response.json()
    # Exactly the contract: no name, phone, id, issue time or anything else.
    # (1 ahead and four idle counters serving moving: called at once, at least a minute.)
    assert status == {"number": 1002, "category": "moving", "state": "waiting", "waiting_ahead": 1,
                      "wait_minutes": 1, "wait_minutes_p80": 1, "counter": None}
    post(f"/counters/{c(3)}/call", {"ticket": second["id"]})
    called = client.get(f"{API}/tickets/{second['id']}").json()
    assert called == {"number": 1002, "category": "moving", "state": "called", "waiting_ahead": 0,
                      "wait_minutes": 0, "wait_minutes_p80": 0, "counter": "3番窓口"}
    assert client.get(f"{API}/tickets/{first['id']}").json()["waiting_ahead"] == 0


def test_ticket_status_of_yesterday_is_expired(client, issue, clock):
    t = issue()
    clock.advance(days=1)
    status = client.get(f"{API}/tickets/{t['id']}").json()
    assert status["state"] == "expired"
    assert status["counter"] is None


def test_unknown_ticket_status_is_404(client, office):
    body = assert_error(client.get(f"{API}/tickets/does-not-exist"), 404, "ticket_not_found")
    assert body["detail"] is None


def test_staff_session_may_call_the_api(office, staff_user, c):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    services.ticket_issue(actor=_kiosk(), office_code="demo", category_code="moving")
    # Without the CSRF token a logged-in session cannot be used from another site.
    refused = browser.post(f"{API}/counters/{c(1)}/call-next")
    assert refused.status_code in (401, 403)
    assert set(refused.json()) == ERROR_KEYS
    browser.get("/o/demo/counter/")  # any staff page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(f"{API}/counters/{c(1)}/call-next", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["ticket"]["number"] == 1001


def _kiosk():
    from madoguchi.core.actors import actor_for_token

    return actor_for_token("demo-kiosk")


def test_call_next_and_call_refuse_counter_busy_unless_the_body_names_the_current(post, issue, c):
    """Fault 1.2 through the API: the ticket being called comes back in ``detail``."""
    first, second, third = issue(), issue(), issue()
    assert post(f"/counters/{c(1)}/call-next").json()["ticket"]["id"] == first["id"]
    for body in (None, {}, {"finish_current": None}, {"finish_current": second["id"]}):
        refused = assert_error(post(f"/counters/{c(1)}/call-next", body), 409, "counter_busy")
        assert refused["detail"] == {"id": first["id"], "number": 1001}
    assert_error(post(f"/counters/{c(1)}/call", {"ticket": third["id"]}), 409, "counter_busy")
    assert_error(post(f"/counters/{c(1)}/call-next", {"finish_current": 5}), 422, "invalid_request")
    called = post(f"/counters/{c(1)}/call-next", {"finish_current": first["id"]}).json()["ticket"]
    assert called["id"] == second["id"]
    called = post(f"/counters/{c(1)}/call", {"ticket": third["id"], "finish_current": second["id"]})
    assert called.json()["ticket"]["id"] == third["id"]
    assert Ticket.objects.get(public_id=second["id"]).state == TicketState.DONE


def test_call_next_documents_its_optional_body(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/counters/{counter_id}/call-next"]["post"]
    assert operation["requestBody"]["required"] is False
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "finish_current" in schema["properties"]
    assert "409" in operation["responses"]


ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def _times(value, path="") -> list[tuple[str, str]]:
    """Every date-time string in a JSON answer, with where it is."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _times(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [t for i, v in enumerate(value) for t in _times(v, f"{path}[{i}]")]
    return [(path, value)] if isinstance(value, str) and ISO_TIME.match(value) else []


def test_every_time_in_the_api_is_japan_time(client, post, issue, c, settings):
    """Fault 1.9: answers mixed ``Z`` and ``+09:00``; now every time is ISO 8601 with +09:00."""
    t = issue()
    answers = [
        post(f"/counters/{c(1)}/call-next"),
        post(f"/counters/{c(1)}/recall"),
        client.get("/api/v1/offices/demo/board"),
        client.get(f"/api/v1/tickets/{t['id']}"),
        client.get("/api/v1/offices/demo/calendar?days=2"),
        post(f"/counters/{c(1)}/hold"),
        post(f"/tickets/{t['id']}/resume"),
        post(f"/tickets/{t['id']}/cancel"),
    ]
    seen = []
    for response in answers:
        assert response.status_code == 200, response.content
        seen += _times(response.json())
    assert {path for path, _ in seen} >= {".ticket.issued_at", ".updated_at"}
    for path, value in seen:
        assert value.endswith("+09:00"), (path, value)
    issued = next(v for p, v in seen if p == ".ticket.issued_at")
    assert issued == "2025-04-01T09:00:00+09:00"


def test_a_full_width_counter_number_is_not_a_counter(post, issue, c):
    """Fault 1.9: int() read 「６」 as 6. Only ASCII digits name a counter."""
    issue("certificates")
    for odd in (str(c(6)).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                str(c(6)).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), f" {c(6)}", f"+{c(6)}"):
        assert_error(post(f"/counters/{odd}/call-next"), 404, "counter_not_found")
    assert post(f"/counters/{c(6)}/call-next").status_code == 200


def test_an_action_on_yesterdays_ticket_is_409_ticket_expired(post, issue, clock):
    t = issue()
    clock.advance(days=1)
    for action in ("resume", "cancel"):
        body = assert_error(post(f"/tickets/{t['id']}/{action}"), 409, "ticket_expired")
        assert body["detail"] == {"business_date": "2025-04-01"}
