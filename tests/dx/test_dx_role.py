"""The DX office (情報政策課) is a city-wide permission, not a counter role: its screens and API
are for accounts holding core.dx_office (through a group, as the demo gives it) and superusers;
counter staff and devices are refused, and a withdrawn permission applies at once."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from madoguchi.core.actors import actor_for_token, actor_for_user
from madoguchi.core.errors import Forbidden
from madoguchi.core.permissions import A, check_kind
from madoguchi.dx.demo import DX_GROUP, seed_dx


@pytest.fixture
def dx_user(office):
    seed_dx(office)
    return get_user_model().objects.get(username="dx")


def test_dx_home_for_the_dx_office_and_admins_only(client, dx_user, staff_user):
    assert client.get("/dx/").status_code == 302  # to the log-in page
    client.force_login(staff_user)
    refused = client.get("/dx/")
    assert refused.status_code == 403
    assert "DX推進の担当（情報政策課）または管理者だけが利用できます。" in refused.content.decode()
    client.force_login(dx_user)
    page = client.get("/dx/")
    assert page.status_code == 200 and "DX推進（情報政策課）" in page.content.decode()
    client.force_login(get_user_model().objects.get(username="admin"))  # the demo admin: a superuser
    assert client.get("/dx/").status_code == 200


def test_dx_permission_gives_no_counter_rights(dx_user, office):
    actor = actor_for_user(dx_user)
    assert actor.dx and actor.roles == {}
    assert not actor.can_issue(office.pk)
    with pytest.raises(Forbidden):
        actor.require_staff(office.pk)
    with pytest.raises(Forbidden):
        check_kind(actor, A.STAFF)
    check_kind(actor, A.DX)  # does not raise


def test_dx_audience_refuses_staff_and_devices(dx_user, staff, kiosk):
    for actor in (staff, kiosk):
        with pytest.raises(Forbidden):
            check_kind(actor, A.DX)


def test_demo_token_acts_for_the_dx_office_until_the_group_is_withdrawn(dx_user):
    assert actor_for_token("demo-dx").dx
    dx_user.groups.remove(Group.objects.get(name=DX_GROUP))
    # the cached token resolution is dropped by the m2m signal: no stale right survives
    fresh = get_user_model().objects.get(pk=dx_user.pk)
    assert not actor_for_user(fresh).dx
    assert not actor_for_token("demo-dx").dx
