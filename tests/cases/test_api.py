"""The case API, exactly the issue's contract (§7), in the core error shape."""

import subprocess
import sys

from madoguchi.core.models import AuditLog, Role, TokenKind
from madoguchi.queueing.models import TicketEvent

from ..queueing.factories import make_office, make_staff, make_token
from .conftest import FAMILY, issue

STAFF = {"HTTP_AUTHORIZATION": "Bearer demo-staff"}


def post(client, path, body, headers=STAFF):
    return client.post(path, body, content_type="application/json", **headers)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"} and body["code"] == code
    assert body["message"]  # a sentence for the clerk
    return body


def test_open_read_update_and_route_a_case(client, office):
    opened = post(client, "/api/v1/cases", {"life_event": "tennyu", "answers": FAMILY})
    assert opened.status_code == 201, opened.content
    case = opened.json()
    code = case["code"]
    assert len(code) == 8 and case["status"] == "open" and case["source"] == "interview"
    assert {p["code"]: p["status"] for p in case["procedures"]} == {
        "tennyu_todoke": "pending", "jidou_teate": "pending", "kodomo_iryou": "pending",
        "kaigo_hoken": "pending"}

    got = client.get(f"/api/v1/cases/{code}", **STAFF)
    assert got.status_code == 200 and got.json()["code"] == code
    assert AuditLog.objects.filter(action="case.view", target=f"demo/case/{code}").count() == 1

    done = post(client, f"/api/v1/cases/{code}/procedures/tennyu_todoke", {"status": "done", "note": "済"})
    assert done.status_code == 200, done.content
    row = next(p for p in done.json()["procedures"] if p["code"] == "tennyu_todoke")
    assert (row["status"], row["note"]) == ("done", "済")

    visitor = issue("moving")
    routed = post(client, f"/api/v1/cases/{code}/route", {"ticket": visitor.public_id})
    assert routed.status_code == 200, routed.content
    assert routed.json()["case"] == code
    assert (routed.json()["ticket"]["id"], routed.json()["ticket"]["category"]) == (visitor.public_id, "children")
    assert TicketEvent.objects.get(ticket=visitor, kind="transferred").detail["ref"] == f"case:{code}"
    after = client.get(f"/api/v1/cases/{code}", **STAFF).json()
    assert [t["id"] for t in after["tickets"]] == [visitor.public_id]
    assert [h["kind"] for h in after["history"]] == ["opened", "procedure", "note", "ticket", "routed"]


def test_a_scanned_handover_opens_a_case_once_a_second_scan_is_409(client, office):
    from madoguchi.core.actors import SYSTEM
    from madoguchi.handover import services as handover

    from ..handover.helpers import navigator_content, seal_for

    key = handover.office_key_create(actor=SYSTEM, office_code="demo")
    payload = seal_for(key, navigator_content(answers=FAMILY))
    first = post(client, "/api/v1/cases", {"payload": payload})
    assert first.status_code == 201, first.content
    assert (first.json()["source"], first.json()["life_event"]) == ("handover", "tennyu")
    second = assert_error(post(client, "/api/v1/cases", {"payload": payload}), 409, "handover_replayed")
    assert second["detail"] == {"case": first.json()["code"]}


def test_a_bad_handover_payload_opens_no_case(client, office):
    response = post(client, "/api/v1/cases", {"payload": "NOT A REAL HANDOVER PAYLOAD 0123456789"})
    assert response.status_code == 422 and response.json()["code"].startswith("handover_"), response.content
    assert set(response.json()) == {"code", "message", "detail"}
    from madoguchi.cases.models import Case

    assert not Case.objects.exists()


def test_errors_have_the_core_shape(client, office):
    assert_error(client.get("/api/v1/cases/ZZZZZZZZ", **STAFF), 404, "case_not_found")
    assert_error(post(client, "/api/v1/cases", {"life_event": "no_such_event", "answers": {}}), 404,
                 "life_event_not_found")
    assert_error(post(client, "/api/v1/cases", {"answers": {}}), 422, "invalid_life_event")
    code = post(client, "/api/v1/cases", {"life_event": "tennyu", "answers": FAMILY}).json()["code"]
    assert_error(post(client, f"/api/v1/cases/{code}/procedures/tennyu_todoke", {"status": "finished"}),
                 422, "invalid_request")
    assert_error(post(client, f"/api/v1/cases/{code}/procedures/nothing_like_it", {"status": "done"}),
                 404, "procedure_not_in_case")
    for p in ("tennyu_todoke", "jidou_teate", "kodomo_iryou", "kaigo_hoken"):
        post(client, f"/api/v1/cases/{code}/procedures/{p}", {"status": "done"})
    assert_error(post(client, f"/api/v1/cases/{code}/route", {"ticket": issue().public_id}), 409,
                 "no_next_counter")


def test_other_offices_and_devices_are_refused(client, office):
    code = post(client, "/api/v1/cases", {"life_event": "tennyu", "answers": FAMILY}).json()["code"]
    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    clerk = make_staff(other, role=Role.SUPERVISOR)
    theirs = {"HTTP_AUTHORIZATION": f"Bearer {make_token(other, TokenKind.STAFF, user=clerk)}"}
    assert_error(client.get(f"/api/v1/cases/{code}", **theirs), 403, "forbidden_office")
    assert_error(post(client, f"/api/v1/cases/{code}/procedures/tennyu_todoke", {"status": "done"}, theirs),
                 403, "forbidden_office")
    assert_error(post(client, "/api/v1/cases", {"life_event": "tennyu", "answers": {}, "office": "demo"},
                      theirs), 403, "forbidden_office")
    kiosk = {"HTTP_AUTHORIZATION": "Bearer demo-kiosk"}
    assert_error(client.get(f"/api/v1/cases/{code}", **kiosk), 403, "forbidden_role")
    assert_error(client.get(f"/api/v1/cases/{code}"), 401, "unauthorized")
    assert not AuditLog.objects.filter(action="case.view").exists()


PUBLIC_SIDE = """
import django, json
django.setup()
from django.test import Client
from django.urls import Resolver404, resolve
paths = json.loads(Client().get("/api/v1/openapi.json").content)["paths"]
routes = []
for path in ("/o/demo/cases/", "/o/demo/cases/ABCD2345/", "/o/demo/counter/1/case/scan/"):
    try:
        routes.append(resolve(path).url_name)
    except Resolver404:
        pass
print(json.dumps({"api": sorted(p for p in paths if "/cases" in p), "pages": routes}))
"""


def test_the_public_side_has_no_case_routes(tmp_path):
    import json
    import os

    env = {**os.environ, "MADOGUCHI_ROLE": "public", "DJANGO_SETTINGS_MODULE": "madoguchi.settings.test",
           "MADOGUCHI_SQLITE_PATH": str(tmp_path / "public.sqlite3"), "MADOGUCHI_DATABASE_URL": "",
           "MADOGUCHI_ZONE_SECRET": "test-zone-secret-only-for-this-test"}
    env.pop("MADOGUCHI_TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", PUBLIC_SIDE], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"api": [], "pages": []}
    env["MADOGUCHI_ROLE"] = "internal"  # the same check sees them inside
    inside = subprocess.run([sys.executable, "-c", PUBLIC_SIDE], env=env, capture_output=True, text=True,
                            timeout=120)
    seen = json.loads(inside.stdout.strip().splitlines()[-1])
    assert "/api/v1/cases/{code}" in seen["api"] and len(seen["pages"]) == 3
