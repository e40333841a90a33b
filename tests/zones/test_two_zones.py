"""Two network zones as two real processes: an internal server (LGWAN side: staff,
kiosk, queue) pushing to a public server (internet side: board, ticket pages).

Each has its own SQLite file: nothing is shared but the signed HTTP pushes.
"""

import json
import re
import time

import httpx
import pytest

from madoguchi.zones.signing import signed_headers

from ..live_server import (
    internal_zone_env,
    madoguchi_server,
    public_zone_env,
    sse_stream,
    wait_until,
)

# Its servers run on their own SQLite files in either pass (live_server.server_env drops
# MADOGUCHI_DATABASE_URL): the PostgreSQL pass would only run them again.
pytestmark = pytest.mark.sqlite_only

SECRET = "two-zone-test-shared-secret-0123456789"
KIOSK = {"Authorization": "Bearer demo-kiosk"}
STAFF = {"Authorization": "Bearer demo-staff"}
STALE_AFTER = 4


@pytest.fixture(scope="module")
def zones(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("zones")
    public_env = public_zone_env(workdir, SECRET, MADOGUCHI_ZONE_STALE_SECONDS=str(STALE_AFTER))
    with madoguchi_server(workdir, ["serve", "--migrate"], env=public_env, name="public") as public:
        internal_env = internal_zone_env(public.url, SECRET)
        internal_cm = madoguchi_server(workdir, ["demo", "--db", str(workdir / "internal.sqlite3")],
                                       env=internal_env, name="internal")
        internal = internal_cm.__enter__()
        try:
            yield {"public": public, "internal": internal, "stop_internal": lambda: internal_cm.__exit__(None, None, None)}
        finally:
            internal_cm.__exit__(None, None, None)


def public_ticket(public_url: str, ticket_id: str) -> dict | None:
    r = httpx.get(f"{public_url}/api/v1/tickets/{ticket_id}", timeout=10)
    return r.json() if r.status_code == 200 else None


def test_the_public_side_serves_only_citizen_pages(zones):
    public = zones["public"].url
    # The demo has two offices (本庁舎 and 市民センター); both reach the public side.
    offices = wait_until(lambda: (lambda o: o if len(o) >= 2 else None)(
        httpx.get(f"{public}/api/v1/offices", timeout=10).json()))
    assert {"code": "demo", "name": "デモ市役所 本庁舎 市民課"} in offices
    assert sorted(o["code"] for o in offices) == ["center", "demo"]
    assert httpx.get(f"{public}/o/demo/board/", timeout=10).status_code == 200
    for staff_path in ("/o/demo/counter/", "/o/demo/kiosk/", "/o/demo/supervisor/", "/admin/",
                       "/accounts/login/"):
        assert httpx.get(f"{public}{staff_path}", timeout=10).status_code == 404, staff_path
    # The public side holds no tokens: nobody can issue or call through it.
    refused = httpx.post(f"{public}/api/v1/offices/demo/tickets", json={"category": "moving"},
                         headers=KIOSK, timeout=10)
    assert refused.status_code == 401
    # …and the internal side does not accept pushes.
    assert httpx.post(f"{zones['internal'].url}/zone/v1/sync", content=b"{}", timeout=10).status_code == 404


def test_a_ticket_issued_inside_shows_on_the_public_board_and_page(zones):
    public, internal = zones["public"].url, zones["internal"].url
    issued = httpx.post(f"{internal}/api/v1/offices/demo/tickets", json={"category": "address"},
                        headers=KIOSK, timeout=10)
    assert issued.status_code == 201
    ticket = issued.json()
    # The QR code on the paper ticket points at the public side.
    assert ticket["status_url"].startswith(f"{public}/t/")

    status = wait_until(lambda: public_ticket(public, ticket["id"]))
    assert status["number"] == ticket["number"] and status["state"] == "waiting"
    assert set(status) == {"number", "category", "state", "waiting_ahead", "wait_minutes", "wait_minutes_p80",
                           "counter"}

    def board_row():
        board = httpx.get(f"{public}/api/v1/offices/demo/board", timeout=10).json()
        return next(r for r in board["rows"] if r["category"] == "address")

    inside = httpx.get(f"{internal}/api/v1/offices/demo/board", timeout=10).json()
    inside_row = next(r for r in inside["rows"] if r["category"] == "address")
    wait_until(lambda: board_row()["waiting"] == inside_row["waiting"])

    page = httpx.get(ticket["status_url"], timeout=10)
    assert page.status_code == 200
    assert re.search(rf'class="number"[^>]*>{ticket["number"]}<', page.text)
    assert "あなたの前に" in page.text or "次はあなたの番です" in page.text

    # A counter inside calls it; the public page and SSE stream follow.
    counters = httpx.get(f"{internal}/api/v1/offices/demo/counters", timeout=10).json()
    with httpx.Client(timeout=10) as client, sse_stream(
            client, f"{public}/api/v1/offices/demo/board/events") as (_, reader):
        reader.next_event(kind="board")
        number = None
        for counter in (c for c in counters if "address" in c["categories"]):
            shown = None  # the ticket this counter's screen shows as being called
            while number != ticket["number"]:
                r = httpx.post(f"{internal}/api/v1/counters/{counter['id']}/call-next", headers=STAFF,
                               json={"finish_current": shown}, timeout=10)
                if r.status_code == 204:
                    break
                if r.status_code == 409 and r.json()["code"] == "counter_busy":
                    shown = r.json()["detail"]["id"]  # the screen now shows who is at the counter
                    continue
                assert r.status_code == 200, r.text
                number, shown = r.json()["ticket"]["number"], r.json()["ticket"]["id"]
            if number == ticket["number"]:
                called_at = counter["name"]
                break
        assert number == ticket["number"]
        reader.wait_for(lambda b: b.is_event and b.event == "board" and any(
            c["number"] == ticket["number"] for c in json.loads(b.data)["calling"]), timeout=15)
    status = wait_until(lambda: (s := public_ticket(public, ticket["id"])) and s["state"] == "called" and s)
    assert status["counter"] == called_at
    assert f"お呼びしています {called_at}へお越しください" in httpx.get(ticket["status_url"], timeout=10).text


def test_the_p50_and_p80_reach_the_public_board_and_ticket_page(zones):
    """The engine's estimate (forecasting, internal side) travels in the signed push: the public
    ticket page shows 「約N分（遅くともM分）」 and the public board the P50 the inside computed."""
    public, internal = zones["public"].url, zones["internal"].url
    tickets = [httpx.post(f"{internal}/api/v1/offices/demo/tickets", json={"category": "family-register"},
                          headers=KIOSK, timeout=10).json() for _ in range(4)]
    last = tickets[-1]

    def agreed():
        inside = httpx.get(f"{internal}/api/v1/tickets/{last['id']}", timeout=10).json()
        outside = public_ticket(public, last["id"])
        if outside is None or inside["state"] != "waiting" or outside != inside:
            return None
        page = httpx.get(last["status_url"], timeout=10).text
        if public_ticket(public, last["id"]) != outside:  # the queue moved in between: again
            return None
        return inside, page

    status, page = wait_until(agreed)
    assert status["waiting_ahead"] >= 3 and status["wait_minutes_p80"] > status["wait_minutes"] > 0
    assert f"待ち時間の目安 約{status['wait_minutes']}分（遅くとも{status['wait_minutes_p80']}分）" in page

    def board_rows(url):
        board = httpx.get(f"{url}/api/v1/offices/demo/board", timeout=10).json()
        return {r["category"]: (r["waiting"], r["wait_minutes"], r["wait_minutes_p80"]) for r in board["rows"]}

    inside_rows = wait_until(lambda: (rows := board_rows(internal)) == board_rows(public) and rows)
    assert inside_rows["family-register"][1] >= status["wait_minutes"]  # a new ticket: after the last


def test_the_public_side_serves_the_offices_public_keys_and_holds_no_private_one(zones):
    """The hand-over keys reach the internet side in the signed push; a citizen's browser
    there seals to the same key the inside opens with."""
    inside = httpx.get(f"{zones['internal'].url}/api/v1/handover/keys", timeout=10).json()
    assert {k["office"] for k in inside} == {"demo", "center"}
    outside = wait_until(lambda: (httpx.get(f"{zones['public'].url}/api/v1/handover/keys",
                                            timeout=10).json() or None))
    assert sorted(outside, key=lambda k: k["kid"]) == sorted(inside, key=lambda k: k["kid"])
    assert "private" not in json.dumps(outside)


def test_forged_and_replayed_pushes_are_refused(zones):
    public = zones["public"].url
    url = f"{public}/zone/v1/sync"
    before = httpx.get(f"{public}/api/v1/offices/demo/board", timeout=10).json()
    forged_board = {**before, "rows": [{**before["rows"][0], "waiting": 999}]}
    body = json.dumps({"office": {"code": "demo", "name": "偽の庁舎"}, "board": forged_board,
                       "tickets": []}).encode()

    wrong_key = signed_headers("not-the-secret", body, sequence=int(time.time() * 1000) + 10**9,
                               sender="internal")
    r = httpx.post(url, content=body, headers=wrong_key, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "bad_signature"

    unsigned = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert unsigned.status_code == 401

    old = signed_headers(SECRET, body, sequence=int(time.time() * 1000) + 10**9, sender="internal",
                         timestamp=int(time.time()) - 3600)
    r = httpx.post(url, content=body, headers=old, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "stale_timestamp"

    # A push the internal side really sent, captured and played again: its
    # sequence is not newer than the last one accepted, so it is refused.
    replay = signed_headers(SECRET, body, sequence=1, sender="internal")
    r = httpx.post(url, content=body, headers=replay, timeout=10)
    assert r.status_code == 409 and r.json()["code"] == "replayed"

    # Tampering with a signed body breaks the signature.
    good = signed_headers(SECRET, body, sequence=int(time.time() * 1000) + 10**9, sender="tamper-test")
    r = httpx.post(url, content=body.replace(b"999", b"998"), headers=good, timeout=10)
    assert r.status_code == 401

    after = httpx.get(f"{public}/api/v1/offices/demo/board", timeout=10).json()
    assert all(row["waiting"] != 999 for row in after["rows"])
    assert httpx.get(f"{public}/api/v1/offices", timeout=10).json()[0]["name"] != "偽の庁舎"


def test_the_public_side_stays_up_and_says_stale_when_the_inside_goes_quiet(zones):
    public = zones["public"].url
    issued = httpx.post(f"{zones['internal'].url}/api/v1/offices/demo/tickets",
                        json={"category": "seal"}, headers=KIOSK, timeout=10).json()
    wait_until(lambda: public_ticket(public, issued["id"]))
    fresh = httpx.get(f"{public}/o/demo/board/", timeout=10).text
    assert re.search(r'data-stale\s+hidden', fresh), "a fresh board must not say stale"

    zones["stop_internal"]()
    time.sleep(STALE_AFTER + 1)

    board_page = httpx.get(f"{public}/o/demo/board/", timeout=10)
    assert board_page.status_code == 200
    assert "庁舎からの最新情報を受信できていません" in board_page.text
    assert not re.search(r'data-stale\s+hidden', board_page.text)
    ticket_page = httpx.get(issued["status_url"], timeout=10)
    assert ticket_page.status_code == 200
    assert not re.search(r'data-stale\s+hidden', ticket_page.text)
    assert str(issued["number"]) in ticket_page.text
    # The last known state is still served.
    assert httpx.get(f"{public}/api/v1/tickets/{issued['id']}", timeout=10).json()["state"] == "waiting"
