"""手続きナビ across the two network zones, as a city runs it (三層の対策): the citizen's phone
uses the public (internet) server, which holds the catalogue and the offices' public keys
pushed from inside; the counter is on the internal server. The answers cross only inside
the QR code: the public server receives GET requests and nothing else, and the case opens
on the internal side from the scanned text.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from ..live_server import internal_zone_env, madoguchi_server, public_zone_env
from ..services_available import require_chromium
from ..zones.test_two_zones import SECRET, STAFF, wait_until
from .helpers import SMALL_PHONE, PageWatch, shot
from .test_navigator import EXPECTED, FAMILY, answer_until_result, decode_qr

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def zones(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("navi-zones")
    public_env = public_zone_env(workdir, SECRET)
    with madoguchi_server(workdir, ["serve", "--migrate"], env=public_env, name="public") as public:
        internal_env = internal_zone_env(public.url, SECRET)
        with madoguchi_server(workdir, ["demo", "--db", str(workdir / "internal.sqlite3")],
                              env=internal_env, name="internal") as internal:
            yield public.url, internal.url


def test_the_phone_on_the_public_side_hands_over_to_the_internal_side(browser, zones, artifacts):
    require_chromium()
    public, internal = zones
    # The office's public key reaches the public side with the internal side's push.
    wait_until(lambda: [k for k in httpx.get(f"{public}/api/v1/handover/keys", timeout=10).json()
                        if k["office"] == "demo"])
    # Inside-only screens do not exist on the public side.
    for path in ("/o/demo/kiosk/navi/", "/o/demo/interview/"):
        assert httpx.get(f"{public}{path}", timeout=10).status_code == 404, path
    # The move form and its postcode lookup are served by the public side (nothing personal).
    assert httpx.get(f"{public}/o/demo/form/", timeout=10).status_code == 200
    assert httpx.get(f"{public}/api/v1/postcodes/9200961", timeout=10).json()[0]["city"] == "金沢市"

    watch = PageWatch(public)
    context = browser.new_context(base_url=public, locale="ja-JP", viewport=SMALL_PHONE)
    watch.attach(context)
    requests = []
    context.on("request", lambda r: requests.append((r.method, r.url, r.post_data or "")))
    try:
        phone = context.new_page()
        watch.watch(phone)
        phone.goto("/o/demo/navi/")
        phone.locator('[data-life-event="tennyu"]').click()
        answer_until_result(phone, FAMILY)
        for code in EXPECTED:
            expect(phone.locator(f'[data-procedure="{code}"]')).to_be_visible()
        qr = phone.locator("[data-handover-qr] svg")
        expect(qr).to_be_visible()
        shot(phone, artifacts, "navi-zones-public-phone-result")
        text = decode_qr(qr)
    finally:
        context.close()
    assert not watch.problems(), watch.problems()
    assert requests and all(method == "GET" and not body for method, _url, body in requests), \
        [r for r in requests if r[0] != "GET" or r[2]]

    # The counter (internal side) opens the case from the scanned text.
    response = httpx.post(f"{internal}/api/v1/cases", json={"payload": text}, headers=STAFF, timeout=10)
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["source"] == "handover" and case["life_event"] == "tennyu"
    assert set(EXPECTED) <= {p["code"] for p in case["procedures"]}
    assert len(case["answers"]["household"]) == len(FAMILY)
