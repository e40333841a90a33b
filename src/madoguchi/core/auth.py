"""Authentication backends and django-ninja auth classes."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from ninja.security import HttpBearer, SessionAuth

from .actors import actor_for_token, actor_for_user


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
    def authenticate(self, request, token):
        actor = actor_for_token(token)
        if actor is not None:
            request.actor = actor
        return actor


class StaffSession(SessionAuth):
    """The logged-in staff screens may call the API with their session (CSRF checked)."""

    def _get_key(self, request):
        # Without a logged-in session this scheme does not apply: fall through
        # to a plain 401 instead of a confusing CSRF refusal.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        request.actor = actor_for_user(user)
        return request.actor


api_auth = [BearerToken(), StaffSession()]
