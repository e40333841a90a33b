"""The public side serves the offices' public keys, pushed by the internal side (signed)."""

from __future__ import annotations

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.handover import selectors, services
from madoguchi.handover.models import OfficeKey

from ..zones.test_receiver import now_ms, payload_for, post

SECRET = "receiver-test-secret"


@pytest.fixture
def public_side(settings):
    settings.ZONE_SECRET = SECRET
    return settings


def test_the_push_carries_the_public_keys_and_nothing_private(office):
    key = services.office_key_create(actor=SYSTEM, office_code="demo")
    sent = payload_for(office)["handover_keys"]
    assert sent == [{"kid": key.kid, "office": "demo", "public_key": key.public_key,
                     "expires_at": None}]


def test_the_public_side_serves_what_was_pushed_and_follows_rotation(public_side, office, client):
    key = services.office_key_create(actor=SYSTEM, office_code="demo")
    payload = payload_for(office)
    # The public side's database holds no key of its own: start from its state.
    OfficeKey.objects.all().delete()
    public_side.ROLE = "public"
    assert post(payload, sequence=now_ms()).status_code == 200
    assert client.get("/api/v1/handover/keys").json()[0]["public_key"] == key.public_key
    copy = OfficeKey.objects.get(kid=key.kid)
    assert copy.is_copy and copy.private_key is None
    assert selectors.key_for_kid(key.kid) is None  # a copy never opens anything

    # After a rotation inside, the next push carries only the new key: the copy follows.
    rotated = {"kid": "0a0b0c0d", "office": "demo", "public_key": key.public_key[::-1],
               "expires_at": None}
    assert post(dict(payload, handover_keys=[rotated]), sequence=now_ms() + 1).status_code == 200
    assert client.get("/api/v1/handover/keys").json() == [rotated]
