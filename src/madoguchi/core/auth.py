"""Authentication backends, django-ninja auth classes and the devices' browser sessions.

Which of these an endpoint uses is not chosen here but by its row in
``core/permissions.py`` (``auth_for``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from ninja.security import HttpBearer, SessionAuth

from .actors import Actor, actor_for_token, actor_for_user
from .errors import Forbidden
from .models import ApiToken


class DemoAwareModelBackend(ModelBackend):
    """Demo accounts (staff/staff, admin/admin) may log in only in demo mode."""

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        if settings.DEMO:
            return True
        return not user.groups.filter(name=DEMO_GROUP).exists()


DEMO_GROUP = "demo-accounts"


class BearerToken(HttpBearer):
    """A device's or a clerk's API token; the wrong kind for the audience is refused (403)."""

    def __init__(self, audience=None):
        super().__init__()
        self.audience = audience

    def authenticate(self, request, token):
        from .permissions import check_kind

        actor = actor_for_token(token)
        if actor is None:
            return None
        if self.audience is not None:
            check_kind(actor, self.audience)
        request.actor = actor
        return actor


class StaffSession(SessionAuth):
    """The logged-in staff screens may call the API with their session (CSRF checked)."""

    def __init__(self, audience=None):
        super().__init__()
        self.audience = audience

    def _get_key(self, request):
        # Without a logged-in session this scheme does not apply: fall through
        # to a plain 401 instead of a confusing CSRF refusal.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        from .permissions import check_kind

        user = super().authenticate(request, key)
        if user is None:
            return None
        actor = actor_for_user(user)
        if self.audience is not None:
            check_kind(actor, self.audience)
        request.actor = actor
        return actor


class Undeclared:
    """The auth of an API operation without a permission row: always refused (fail closed)."""

    def __call__(self, request):
        raise Forbidden("この操作の利用者が定められていないため、利用できません。",
                        code="permission_undeclared")


# Kept for routers that still name it: core.permissions.bind_api replaces every operation's
# auth with the one its row declares.
api_auth = [BearerToken(), StaffSession()]


# ---------------------------------------------------------------- devices in a browser

DEVICE_SESSION_KEY = {"kiosk": "madoguchi_kiosk_token", "display": "madoguchi_display_token"}


def remember_device(request, actor: Actor) -> None:
    """A device key entered once (``?device=``) registers this browser session as the device."""
    request.session[DEVICE_SESSION_KEY[actor.kind]] = actor.token_id


def device_actor(request, office_id: int, *, kind: str = "kiosk") -> Actor | None:
    """The device this browser session was registered as, for this office; or a logged-in
    clerk of the office, who may do what its devices do."""
    token_id = request.session.get(DEVICE_SESSION_KEY[kind])
    if token_id:
        token = ApiToken.objects.filter(pk=token_id, kind=kind, office_id=office_id,
                                        is_active=True).first()
        if token is not None and (not token.is_demo or settings.DEMO):
            return Actor(kind=kind, label=token.name, token_id=token.pk, roles={},
                         device_office_id=office_id)
    if request.user.is_authenticated:
        actor = actor_for_user(request.user)
        if actor.role_at(office_id) is not None:
            return actor
    return None
