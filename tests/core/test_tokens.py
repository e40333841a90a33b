"""Bearer tokens are resolved once and trusted briefly; revoking one takes effect at once."""

import pytest
from django.contrib.auth import get_user_model

from madoguchi.core.models import ApiToken, StaffMembership, TokenKind

from ..queueing.factories import counter_id, make_office, make_token

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _issue(client, raw):
    return client.post(f"{API}/offices/demo/tickets", {"category": "moving"},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")


def _issue_at(client, raw, office):
    return client.post(f"{API}/offices/{office.code}/tickets", {"category": "a"},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")


def _call_next(client, raw, office):
    return client.post(f"{API}/counters/{counter_id(office, 1)}/call-next",
                       HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_revoked_kiosk_token_is_refused_on_the_next_request(client, office):
    raw = make_token(office, TokenKind.KIOSK)
    assert _issue(client, raw).status_code == 201
    token = ApiToken.objects.get(name__startswith="kiosk", is_demo=False)
    token.is_active = False
    token.save()  # what the admin's 有効 checkbox does
    response = _issue(client, raw)
    assert response.status_code == 401


def test_a_resolved_token_costs_no_query_on_the_next_request(client, office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    raw = make_token(office, TokenKind.KIOSK)
    with CaptureQueriesContext(connection) as first:
        assert _issue(client, raw).status_code == 201
    with CaptureQueriesContext(connection) as second:
        assert _issue(client, raw).status_code == 201
    token_reads = [q for q in second.captured_queries if "core_apitoken" in q["sql"]]
    assert token_reads == []
    assert any("core_apitoken" in q["sql"] for q in first.captured_queries)


def test_a_staff_member_removed_from_the_office_can_no_longer_call(client, office):
    user = get_user_model().objects.create_user("clerk2", password="x")
    membership = StaffMembership.objects.create(user=user, office=office, role="counter_staff")
    raw = make_token(office, TokenKind.STAFF, user=user)
    _issue(client, "demo-kiosk")
    assert _call_next(client, raw, office).status_code == 200
    membership.delete()
    response = _call_next(client, raw, office)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden_office"


def test_a_deactivated_user_token_is_refused(client, office):
    user = get_user_model().objects.create_user("clerk3", password="x")
    StaffMembership.objects.create(user=user, office=office, role="counter_staff")
    raw = make_token(office, TokenKind.STAFF, user=user)
    _issue(client, "demo-kiosk")
    assert _call_next(client, raw, office).status_code == 200
    user.is_active = False
    user.save()
    assert _call_next(client, raw, office).status_code == 401


def test_a_change_made_by_another_process_applies_within_the_cache_time(client, office, settings,
                                                                        monkeypatch):
    """Another server process revoking the token sends no signal here: the TTL bounds it."""
    import time

    settings.TOKEN_CACHE_SECONDS = 10
    raw = make_token(office, TokenKind.KIOSK)
    assert _issue(client, raw).status_code == 201
    ApiToken.objects.filter(is_demo=False).update(is_active=False)  # no signal, like elsewhere
    assert _issue(client, raw).status_code == 201  # still trusted for a few seconds
    later = time.monotonic() + 11
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert _issue(client, raw).status_code == 401


def test_demo_tokens_stop_working_when_demo_mode_is_off_even_if_cached(client, office, settings):
    assert _issue(client, "demo-kiosk").status_code == 201
    settings.DEMO = False
    assert _issue(client, "demo-kiosk").status_code == 401


def test_a_lookup_that_raced_a_change_is_not_remembered(client, office, monkeypatch):
    """A request that read the token row just before an administrator's change committed must
    not keep the old answer: the change's clear (now and at commit) wins over its store."""
    from madoguchi.core import actors

    raw = make_token(office, TokenKind.KIOSK)
    real = actors._actor_for_api_token

    def resolve_while_the_admin_saves(token):
        actor = real(token)
        actors.clear_token_cache()  # what the admin's commit does meanwhile
        return actor

    monkeypatch.setattr(actors, "_actor_for_api_token", resolve_while_the_admin_saves)
    assert actors.actor_for_token(raw) is not None
    monkeypatch.setattr(actors, "_actor_for_api_token", real)
    ApiToken.objects.filter(is_demo=False).update(is_active=False)  # the committed change
    assert actors.actor_for_token(raw) is None


def test_revoking_inside_a_transaction_clears_again_at_commit(office, django_capture_on_commit_callbacks):
    from madoguchi.core import actors

    raw = make_token(office, TokenKind.KIOSK)
    token = ApiToken.objects.get(is_demo=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        token.is_active = False
        token.save()
        # A request in between still reads the old row and stores it.
        ApiToken.objects.filter(pk=token.pk).update(is_active=True)
        assert actors.actor_for_token(raw) is not None
        ApiToken.objects.filter(pk=token.pk).update(is_active=False)
    for callback in callbacks:
        callback()  # the commit
    assert actors.actor_for_token(raw) is None


def test_a_superusers_token_acts_only_on_its_own_office(client, office):
    """Fault 1.6: a superuser's token made for office A used to issue and call at office B."""
    other = make_office("east", categories=[("a", 1, 99, False, 5)], counters={1: ["a"]})
    assert _issue_at(client, make_token(other, TokenKind.KIOSK), other).status_code == 201
    boss = get_user_model().objects.create_superuser("boss", password="x")
    raw = make_token(office, TokenKind.STAFF, user=boss)
    home = client.post(f"{API}/offices/demo/tickets", {"category": "moving"},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert home.status_code == 201  # its own office: an administrator there
    away = _issue_at(client, raw, other)
    assert away.status_code == 403
    assert away.json()["code"] == "forbidden_office"
    _issue(client, "demo-kiosk")
    assert _call_next(client, raw, office).status_code == 200
    called_away = _call_next(client, raw, other)
    assert called_away.status_code == 403
    assert called_away.json()["code"] == "forbidden_office"
