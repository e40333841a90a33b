"""Fault 1.10: throttling. Wrong passwords lock a log-in out; a kiosk token cannot drain a range;
notice sign-ups and open live streams are bounded per device and per address.

The suite's own settings raise every limit (it sends thousands of requests from 127.0.0.1); each
test here sets the limit it checks, using the production defaults of settings/base.py.
"""

import gc
import json
import time

import django_ratelimit.core
import pytest
from asgiref.sync import async_to_sync
from django.core.cache import caches
from django.test import Client, RequestFactory

from madoguchi.core import throttle
from madoguchi.core.models import TokenKind
from madoguchi.queueing.models import Ticket
from madoguchi.queueing.views.public import board_events

from ..queueing.factories import add_category, make_token

pytestmark = pytest.mark.django_db

# The production defaults (settings/base.py), set here because the test settings raise them.
DEFAULTS = {"issue": {"device": "20/m", "address": "120/m"},
            "notices": {"device": "10/10m", "address": "60/m"}}
DEFAULT_STREAMS = 200


class _FrozenClock:
    """django-ratelimit counts in fixed windows (one a minute for "20/m"): a test that crossed a
    window's edge would see its count start again halfway. The windows stand still in these tests."""

    def __init__(self):
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def production_limits(settings, monkeypatch):
    monkeypatch.setattr(django_ratelimit.core, "time", _FrozenClock())
    settings.THROTTLE = json.loads(json.dumps(DEFAULTS))
    settings.SSE_MAX_STREAMS_PER_ADDRESS = DEFAULT_STREAMS
    caches["throttle"].clear()
    yield settings
    try:
        caches["throttle"].clear()
    except Exception:  # noqa: BLE001 - the unreachable store of test_a_failing_store…
        pass


def assert_rate_limited_json(response):
    assert response.status_code == 429, response.content[:300]
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == "rate_limited"
    assert "受付を一時的に止めています" in body["message"]
    retry = int(response["Retry-After"])
    assert 1 <= retry <= 600
    return body


# ------------------------------------------------------------------------------- log-in


def _login(client, password, username="staff", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_nine_wrong_passwords_then_the_right_one_is_locked_out(client, office):
    for _ in range(9):
        response = _login(client, "wrong")
        assert response.status_code in (200, 429)
    response = _login(client, "staff")
    assert response.status_code == 429
    html = response.content.decode()
    assert "ログインに続けて失敗したため" in html and "15分ほど待って" in html
    assert int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session
    assert client.get("/o/demo/counter/").status_code == 302  # still not logged in


def test_the_lockout_starts_at_the_failure_limit(client, office):
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200  # the form again, with its error
    assert _login(client, "wrong").status_code == 429  # the fifth
    assert _login(client, "staff").status_code == 429


def test_a_success_before_the_limit_resets_the_count(client, office):
    for _ in range(4):
        _login(client, "wrong")
    assert _login(client, "staff").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200
    assert _login(client, "staff").status_code == 302


def test_the_lockout_is_for_the_name_at_that_address(client, office):
    for _ in range(9):
        _login(client, "wrong")
    assert _login(client, "admin", username="admin").status_code == 302  # another name
    other = Client(REMOTE_ADDR="192.0.2.50")
    assert _login(other, "staff").status_code == 302  # the clerk at another desk


def test_the_admin_log_in_is_locked_out_too(client, office):
    for _ in range(9):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "admin", "password": "admin"})
    assert response.status_code == 429
    assert "ログインに続けて失敗したため" in response.content.decode()


def test_the_administrator_sees_the_attempts_in_japanese(client, office, admin_client):
    for _ in range(5):
        _login(client, "wrong")
    response = admin_client.get("/admin/axes/accessattempt/")
    assert response.status_code == 200, response
    page = response.content.decode()
    assert "アクセス試行" in page and "staff" in page


def test_the_lockout_can_be_turned_off(client, office, settings):
    settings.AXES_ENABLED = False
    for _ in range(9):
        _login(client, "wrong")
    assert _login(client, "staff").status_code == 302


# ------------------------------------------------------------------------------ issuing


def _issue(client, raw, category="tiny"):
    return client.post("/api/v1/offices/demo/tickets", {"category": category},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_kiosk_token_draining_a_range_is_stopped_at_the_limit(client, office):
    """The report: a kiosk token drained a 99-number range in under a second."""
    add_category(office, "tiny", 1, 99, counters=[1])
    statuses = [_issue(client, "demo-kiosk").status_code for _ in range(99)]
    assert statuses[:20] == [201] * 20
    assert set(statuses[20:]) == {429}
    body = assert_rate_limited_json(_issue(client, "demo-kiosk"))
    assert body["detail"]["limit"] == "device"
    assert body["detail"]["retry_after"] == int(_issue(client, "demo-kiosk")["Retry-After"])
    assert Ticket.objects.filter(category__code="tiny").count() == 20  # 79 numbers left


def test_another_kiosk_at_the_same_address_still_issues(client, office):
    add_category(office, "tiny", 1, 99, counters=[1])
    for _ in range(21):
        _issue(client, "demo-kiosk")
    second = make_token(office, TokenKind.KIOSK)
    assert _issue(client, second).status_code == 201


def test_one_address_is_stopped_at_its_own_limit(client, office, production_limits):
    production_limits.THROTTLE["issue"]["address"] = "30/m"
    add_category(office, "tiny", 1, 99, counters=[1])
    tokens = [make_token(office, TokenKind.KIOSK) for _ in range(3)]
    statuses = [_issue(client, tokens[n % 3]).status_code for n in range(40)]
    assert statuses.count(201) == 30
    body = assert_rate_limited_json(_issue(client, tokens[0]))
    assert body["detail"]["limit"] == "address"
    elsewhere = Client(REMOTE_ADDR="192.0.2.60")
    assert _issue(elsewhere, tokens[0]).status_code == 201


def test_the_kiosk_screen_is_stopped_too_with_its_own_error(client, office):
    add_category(office, "tiny", 1, 99, counters=[1])
    client.get("/o/demo/kiosk/?device=demo-kiosk")
    for _ in range(10):  # the kiosk's API calls and its taps share one budget
        _issue(client, "demo-kiosk")
    statuses = [client.post("/o/demo/kiosk/issue/", {"category": "tiny"},
                            HTTP_HX_REQUEST="true").status_code for _ in range(10)]
    assert statuses == [201] * 10
    response = client.post("/o/demo/kiosk/issue/", {"category": "tiny"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    html = response.content.decode()
    assert html.startswith('<p class="alert error" role="alert"')  # the kiosk's result box
    assert "受付を一時的に止めています" in html
    english = client.post("/o/demo/kiosk/issue/?lang=en", {"category": "tiny"}, HTTP_HX_REQUEST="true")
    assert "too many requests in a short time" in english.content.decode()
    assert Ticket.objects.filter(category__code="tiny").count() == 20


def test_a_failing_store_never_stops_the_counter(client, office, settings):
    """Redis down: requests are served uncounted (and the store is not asked again for a while)."""
    settings.CACHES = {**settings.CACHES, "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    add_category(office, "tiny", 1, 99, counters=[1])
    try:
        assert [_issue(client, "demo-kiosk").status_code for _ in range(25)] == [201] * 25
    finally:
        throttle._store_down_until = 0.0


# ------------------------------------------------------------------------------ notices


@pytest.fixture
def ticket_id(client, office):
    return _issue(client, "demo-kiosk", "moving").json()["id"]


def _email(client, ticket_id, n):
    return client.post(f"/api/v1/tickets/{ticket_id}/notices/email",
                       {"email": f"v{n}@example.jp"}, content_type="application/json")


def test_notice_sign_ups_for_one_ticket_are_bounded(client, ticket_id, settings):
    settings.NOTICES_MAX_SUBSCRIPTIONS = 100
    statuses = [_email(client, ticket_id, n).status_code for n in range(12)]
    assert statuses[:10] == [201] * 10 and statuses[10:] == [429, 429]
    assert assert_rate_limited_json(_email(client, ticket_id, 99))["detail"]["limit"] == "device"


def test_notice_sign_ups_from_one_address_are_bounded(client, office, production_limits, settings):
    production_limits.THROTTLE["notices"]["address"] = "5/m"
    ids = [_issue(client, "demo-kiosk", "moving").json()["id"] for _ in range(6)]
    assert [_email(client, t, 1).status_code for t in ids[:5]] == [201] * 5
    assert_rate_limited_json(_email(client, ids[5], 1))
    assert _email(Client(REMOTE_ADDR="192.0.2.70"), ids[5], 1).status_code == 201


def test_the_email_form_page_is_bounded_with_a_styled_page(client, ticket_id, production_limits):
    production_limits.THROTTLE["notices"]["device"] = "2/m"
    url = f"/t/{ticket_id}/notices/email/"
    assert [client.post(url, {"email": f"p{n}@example.jp"}).status_code for n in range(2)] == [200, 200]
    response = client.post(url, {"email": "p3@example.jp"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    html = response.content.decode()
    assert "/static/madoguchi/css/madoguchi.css" in html and "混み合っています" in html
    assert "秒ほど待ってから" in html


def test_the_limits_can_be_turned_off(client, office, settings):
    settings.THROTTLE_ENABLED = False
    add_category(office, "tiny", 1, 99, counters=[1])
    assert [_issue(client, "demo-kiosk").status_code for _ in range(30)] == [201] * 30


# ------------------------------------------------------------------------------ streams


def _open_stream(address: str):
    request = RequestFactory().get("/api/v1/offices/demo/board/events", REMOTE_ADDR=address)
    return async_to_sync(board_events)(request, code="demo")


def test_three_hundred_streams_from_one_address_are_refused_past_the_limit(office):
    """The report: one client opened 300 streams."""
    address = "203.0.113.7"
    responses = [_open_stream(address) for _ in range(300)]
    opened = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    assert len(opened) == DEFAULT_STREAMS and len(refused) == 100
    assert all(r.streaming for r in opened)
    body = assert_rate_limited_json(refused[0])
    assert body["detail"]["limit"] == "streams"
    assert _open_stream("203.0.113.8").status_code == 200  # a phone elsewhere
    # A viewer who leaves frees a place.
    del responses, refused
    opened.pop()
    gc.collect()
    assert throttle.STREAMS.open_streams(address) == DEFAULT_STREAMS - 1
    again = _open_stream(address)
    assert again.status_code == 200
    assert _open_stream(address).status_code == 429
    opened.clear()
    del again
    gc.collect()
    assert throttle.STREAMS.open_streams(address) == 0


def test_a_stream_that_ends_frees_its_place(office, settings):
    settings.SSE_MAX_STREAMS_PER_ADDRESS = 1
    response = _open_stream("203.0.113.9")
    assert _open_stream("203.0.113.9").status_code == 429

    async def read_first_chunk_and_leave():
        stream = response.streaming_content
        await stream.__anext__()
        await stream.aclose()

    async_to_sync(read_first_chunk_and_leave)()
    assert throttle.STREAMS.open_streams("203.0.113.9") == 0


def test_the_demo_banner_states_the_limits(capsys, settings):
    from madoguchi.cli import _print_demo_banner

    settings.THROTTLE = DEFAULTS  # as a demo runs (settings/base.py)
    _print_demo_banner("127.0.0.1", 8000, False)
    out = capsys.readouterr().out
    assert "パスワードを 5 回続けて間違えると 15 分ログイン不可" in out
    assert "発券は 1 台あたり 20/m" in out
