"""Office keys: create, rotate (grace period), list; only public halves are served."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.core.errors import Conflict
from madoguchi.handover import keystore, selectors, services
from madoguchi.handover.demo import ensure_demo_keys
from madoguchi.handover.errors import HandoverRefused
from madoguchi.handover.models import OfficeKey

from .helpers import navigator_content, row_count, seal_for


@pytest.fixture
def key(office):
    return services.office_key_create(actor=SYSTEM, office_code="demo")


def test_the_served_key_is_the_uncompressed_point_of_the_private_key(key, client):
    served = client.get("/api/v1/handover/keys").json()
    assert served == [{"kid": key.kid, "office": "demo", "public_key": key.public_key,
                       "expires_at": None}]
    raw = keystore.b64url_decode(served[0]["public_key"])
    private = keystore.unwrap(key.private_key, kid=key.kid)
    assert len(raw) == 65 and raw[0] == 4
    assert raw == keystore.public_bytes(private.public_key())
    assert "private" not in str(served)


def test_a_second_create_is_refused(key):
    with pytest.raises(Conflict) as caught:
        services.office_key_create(actor=SYSTEM, office_code="demo")
    assert caught.value.code == "handover_key_exists"


def test_rotation_serves_the_new_key_and_the_old_one_keeps_decrypting(key, staff, client):
    made_before = seal_for(key, navigator_content())
    new = services.office_key_rotate(actor=SYSTEM, office_code="demo")
    served = client.get("/api/v1/handover/keys?office=demo").json()
    assert [k["kid"] for k in served] == [new.kid]  # the old key is no longer served
    assert services.handover_open(actor=staff, payload=made_before)["office"] == "demo"
    assert services.handover_open(actor=staff, payload=seal_for(new, navigator_content()))


def test_out_of_grace_the_old_key_is_refused_and_then_wiped(key, staff, settings):
    made_before = seal_for(key, navigator_content())
    services.office_key_rotate(actor=SYSTEM, office_code="demo")
    OfficeKey.objects.filter(pk=key.pk).update(
        retired_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.HANDOVER_KEY_GRACE_DAYS, hours=1))
    before = row_count()
    with pytest.raises(HandoverRefused) as caught:
        services.handover_open(actor=staff, payload=made_before)
    assert caught.value.code == "handover_expired" and row_count() == before
    services.office_key_rotate(actor=SYSTEM, office_code="demo")  # wipes keys past their grace
    key.refresh_from_db()
    assert key.private_key is None and selectors.key_state(key) == "expired"


def test_the_grace_period_is_configurable(key, staff, settings):
    made_before = seal_for(key, navigator_content())
    services.office_key_rotate(actor=SYSTEM, office_code="demo")
    OfficeKey.objects.filter(pk=key.pk).update(
        retired_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    settings.HANDOVER_KEY_GRACE_DAYS = 60
    assert services.handover_open(actor=staff, payload=made_before)["office"] == "demo"


def test_the_public_side_creates_no_keys(office, settings):
    settings.ROLE = "public"
    with pytest.raises(Exception) as caught:
        services.office_key_create(actor=SYSTEM, office_code="demo")
    assert caught.value.code == "handover_wrong_zone"


def test_the_demo_has_a_key_per_office_once(office):
    assert [k.office_code for k in ensure_demo_keys()] == ["demo"]
    assert ensure_demo_keys() == []


def test_an_office_never_has_two_current_keys(key):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        OfficeKey.objects.create(kid="00000001", office_code="demo", public_key="x",
                                 private_key=b"x", created_at=key.created_at)


def test_the_admin_shows_keys_without_the_private_half(key, admin_client):
    page = admin_client.get(f"/admin/handover/officekey/{key.pk}/change/")
    assert page.status_code == 200 and key.public_key in page.content.decode()
    assert "private_key" not in page.content.decode()
