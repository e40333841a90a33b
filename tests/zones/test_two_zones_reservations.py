"""Reservations across the two network zones, as two real processes with their own databases:
the internal side pushes the schedule and the card hashes out, citizens book on the public
side, and the internal side pulls the bookings in (it opens the connection; nothing connects
to it). The public side keeps booking while the internal side is down; nothing is lost."""

import contextlib
import datetime as dt
import json
import time

import httpx
import pytest

from madoguchi.reservations import altcha
from madoguchi.zones.signing import signed_headers

from ..live_server import internal_zone_env, madoguchi_server, public_zone_env
from ..live_server import wait_until as _wait_until

# Its servers run on their own SQLite files in either pass (live_server.server_env drops
# MADOGUCHI_DATABASE_URL): the PostgreSQL pass would only run them again.
pytestmark = pytest.mark.sqlite_only

SECRET = "two-zone-reservations-secret-0123456789"
DEMO_CARD = ("1234-5678-9012", "1990-04-01")  # the demo's notice letter (reservations/demo.py)
STAFF = {"Authorization": "Bearer demo-staff"}


def wait_until(predicate):
    return _wait_until(predicate, timeout=30.0, interval=0.3)  # a pull round trip or two


@pytest.fixture(scope="module")
def zones(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("reservation-zones")
    public_env = public_zone_env(workdir, SECRET, MADOGUCHI_ALTCHA_MAX_NUMBER="2000")
    with madoguchi_server(workdir, ["serve", "--migrate"], env=public_env, name="public") as public:
        internal_env = internal_zone_env(public.url, SECRET, MADOGUCHI_ZONE_PULL_SECONDS="1",
                                  # A short look-back: the bookings made while the inside is down
                                  # must come in by the kept cursor, not by the look-back.
                                  MADOGUCHI_ZONE_PULL_LOOKBACK_SECONDS="1")
        state = {}

        def start_internal():
            cm = madoguchi_server(workdir, ["demo", "--db", str(workdir / "internal.sqlite3")],
                                  env=internal_env, name="internal")
            state["internal"], state["cm"] = cm.__enter__(), cm

        def stop_internal():
            if state.get("cm") is not None:
                state.pop("cm").__exit__(None, None, None)

        start_internal()
        try:
            yield {"public": public, "internal": lambda: state["internal"], "start_internal": start_internal,
                   "stop_internal": stop_internal}
        finally:
            stop_internal()


def free_slot(public: str, type_code: str, *, skip: int = 0) -> str:
    today = dt.date.today().isoformat()
    slots = wait_until(lambda: [s for s in httpx.get(
        f"{public}/api/v1/offices/demo/slots", params={"type": type_code, "from": today, "days": 14},
        timeout=10).json() if s["free"] > 0] or None)
    return slots[skip]["start"]


def book(public: str, type_code: str, start: str, **extra) -> httpx.Response:
    challenge = httpx.get(f"{public}/api/v1/altcha/challenge", timeout=10).json()
    body = {"type": type_code, "start": start, "altcha": altcha.solve(challenge), **extra}
    return httpx.post(f"{public}/api/v1/offices/demo/reservations", json=body, timeout=20)


@contextlib.contextmanager
def logged_in(url: str, username: str):
    with httpx.Client(base_url=url, timeout=10) as client:
        client.get("/accounts/login/")
        client.post("/accounts/login/", data={"username": username, "password": username,
                                              "csrfmiddlewaretoken": client.cookies.get("csrftoken")})
        yield client


def inside(zones, code: str) -> dict | None:
    r = httpx.get(f"{zones['internal']().url}/api/v1/reservations/{code}", timeout=10)
    return r.json() if r.status_code == 200 else None


def test_the_schedule_goes_out_and_a_booking_made_outside_comes_in_by_the_pull(zones):
    public = zones["public"].url
    types = wait_until(lambda: (lambda t: t if len(t) == 3 else None)(
        httpx.get(f"{public}/api/v1/offices/demo/reservation-types", timeout=10).json()
        if httpx.get(f"{public}/api/v1/offices/demo/reservation-types", timeout=10).status_code == 200 else []))
    assert {t["code"] for t in types} == {"onestop", "card", "general"}

    start = free_slot(public, "general")
    made = book(public, "general", start, email="citizen@example.jp")
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    pulled = wait_until(lambda: inside(zones, code))
    assert pulled["status"] == "booked" and pulled["type"] == "general"
    assert dt.datetime.fromisoformat(pulled["start"]) == dt.datetime.fromisoformat(start)

    # Cancelled outside: the cancellation comes in too.
    cancelled = httpx.post(f"{public}/api/v1/reservations/{code}/cancel", timeout=10)
    assert cancelled.status_code == 200
    assert wait_until(lambda: (inside(zones, code) or {}).get("status") == "cancelled")


def test_a_card_pickup_is_checked_outside_against_the_keyed_hashes_only(zones):
    public = zones["public"].url
    start = free_slot(public, "card")
    # The hashes may follow the schedule by a push; a refused attempt books nothing.
    made = wait_until(lambda: (r := book(public, "card", start, notice_number=DEMO_CARD[0],
                                         birth_date=DEMO_CARD[1])).status_code == 201 and r)
    code = made.json()["code"]
    assert wait_until(lambda: inside(zones, code))
    # Inside, the preparation list names the card holder from the internal list (the booking
    # itself crossed with the keyed hash only).
    with logged_in(zones["internal"]().url, "staff") as staff:
        listing = staff.get("/o/demo/reservations/cards/preparation.csv", params={"date": start[:10]})
        assert listing.status_code == 200
        line = next(row for row in listing.content.decode("utf-8-sig").splitlines() if code[:4] in row)
        assert "123456789012,窓口 花子,1990-04-01,予約中" in line
    for number, birth in ((DEMO_CARD[0], "1990-04-02"), ("1234-5678-9013", DEMO_CARD[1])):
        wrong = book(public, "card", start, notice_number=number, birth_date=birth)
        assert wrong.status_code == 422 and wrong.json()["code"] == "card_notice_unknown"
    # One booking per card, outside too.
    again = book(public, "card", free_slot(public, "card", skip=1), notice_number=DEMO_CARD[0],
                 birth_date=DEMO_CARD[1])
    assert again.status_code == 409 and again.json()["code"] == "card_already_booked"


def test_the_public_side_keeps_booking_while_the_inside_is_down_and_nothing_is_lost(zones):
    public = zones["public"].url
    zones["stop_internal"]()
    codes = []
    for n in range(3):
        made = book(public, "general", free_slot(public, "general", skip=n))
        assert made.status_code == 201, made.text
        codes.append(made.json()["code"])
    zones["start_internal"]()
    for code in codes:
        assert wait_until(lambda c=code: inside(zones, c))["status"] == "booked"


def test_a_slot_closed_inside_is_closed_outside_and_its_booking_cancelled(zones):
    public, internal = zones["public"].url, zones["internal"]().url
    start = free_slot(public, "general", skip=5)
    made = book(public, "general", start)
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    wait_until(lambda: inside(zones, code))
    with logged_in(internal, "admin") as admin:
        r = admin.post("/o/demo/reservations/slot/", data={
            "type": "general", "start": start, "action": "close", "note": "点検",
            "date": start[:10], "csrfmiddlewaretoken": admin.cookies.get("csrftoken")})
        assert r.status_code == 302, r.text
    today = dt.date.today().isoformat()
    wait_until(lambda: start not in [s["start"] for s in httpx.get(
        f"{public}/api/v1/offices/demo/slots", params={"type": "general", "from": today, "days": 14},
        timeout=10).json()])
    assert httpx.get(f"{public}/api/v1/reservations/{code}", timeout=10).json()["status"] == "cancelled"
    assert wait_until(lambda: (inside(zones, code) or {}).get("status") == "cancelled")


def test_the_pull_answers_only_a_signed_request_and_the_internal_side_takes_no_pushes(zones):
    public, internal = zones["public"].url, zones["internal"]().url
    url = f"{public}/zone/v1/reservations"
    body = json.dumps({"since": None}).encode()
    assert httpx.post(url, content=body, timeout=10).status_code == 401
    forged = signed_headers("not-the-secret", body, sequence=int(time.time() * 1000), sender="internal-pull")
    assert httpx.post(url, content=body, headers=forged, timeout=10).status_code == 401
    good = signed_headers(SECRET, body, sequence=int(time.time() * 1000) + 10**9, sender="test-pull")
    answer = httpx.post(url, content=body, headers=good, timeout=10)
    assert answer.status_code == 200 and answer.headers["X-Madoguchi-Sender"] == "public"
    rows = answer.json()["reservations"]
    assert rows and not any("manage_token" in r for r in rows)
    # The same request again is a replay.
    assert httpx.post(url, content=body, headers=good, timeout=10).status_code == 409
    # The internal side serves no zone endpoint at all.
    assert httpx.post(f"{internal}/zone/v1/reservations", content=body, headers=good,
                      timeout=10).status_code == 404


def test_the_phone_page_books_outside_and_the_kiosk_inside_knows_the_code(zones):
    """The citizen's pages on the public side (no API client): the steps, the form with its
    ALTCHA solution, the booking's page with the QR; pulled in, the kiosk inside finds it."""
    import re

    public = zones["public"].url
    start = free_slot(public, "general", skip=3)
    with httpx.Client(base_url=public, timeout=20) as phone:
        assert 'data-type="general"' in phone.get("/o/demo/reserve/").text
        confirm = phone.get("/o/demo/reserve/general/confirm/", params={"start": start})
        assert confirm.status_code == 200 and "<altcha-widget" in confirm.text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.text).group(1)
        challenge = phone.get("/api/v1/altcha/challenge").json()
        done = phone.post("/o/demo/reserve/general/confirm/", data={
            "start": start, "altcha": altcha.solve(challenge), "csrfmiddlewaretoken": token},
            headers={"Referer": f"{public}/o/demo/reserve/general/confirm/"})
        assert done.status_code == 302, done.text[:2000]
        page = phone.get(done.headers["Location"])
        code = re.search(r'data-reservation="([0-9A-Z]{8})"', page.text).group(1)
        assert "<svg" in page.text and 'data-status="booked"' in page.text
    assert wait_until(lambda: inside(zones, code))["status"] == "booked"
    # Inside, the kiosk reads it: known, but not today (bookings start tomorrow).
    internal = zones["internal"]().url
    answer = httpx.post(f"{internal}/api/v1/offices/demo/check-in", json={"reservation": f"RSV:{code}"},
                        headers={"Authorization": "Bearer demo-kiosk"}, timeout=10)
    assert answer.status_code == 409 and answer.json()["code"] == "checkin_not_today", answer.text
