"""Who is acting: a staff member (session or token), a device, or the system.

Services take ``actor=`` and check permissions against it, so the same rule
holds whether the call came from a screen, the API or the CLI.
"""

import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from .errors import Forbidden
from .models import DX_PERMISSION, ROLE_RANK, ApiToken, Role, StaffMembership, TokenKind, hash_token


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff" | "kiosk" | "display" | "system"
    label: str
    user_id: int | None = None
    token_id: int | None = None
    # office id -> role; None means every office (superuser, system).
    roles: dict[int, str] | None = field(default=None)
    device_office_id: int | None = None
    # The DX office (情報政策課): KPIs and paper use, city-wide. Superusers have it too.
    dx: bool = False

    def role_at(self, office_id: int) -> str | None:
        if self.roles is None:
            return Role.ADMIN
        return self.roles.get(office_id)

    def can_issue(self, office_id: int) -> bool:
        if self.kind == "kiosk":
            return self.device_office_id == office_id
        return self.kind in {"staff", "system"} and self.role_at(office_id) is not None

    def require_issue(self, office_id: int) -> None:
        if not self.can_issue(office_id):
            raise Forbidden("この庁舎で整理券を発行する権限がありません。", code="forbidden_office")

    def require_staff(self, office_id: int, minimum: str = Role.COUNTER_STAFF) -> None:
        if self.kind not in {"staff", "system"}:
            raise Forbidden("職員用の操作です。発券機・表示盤の端末からは実行できません。",
                            code="forbidden_role")
        role = self.role_at(office_id)
        if role is None:
            raise Forbidden("この庁舎の職員ではないため操作できません。", code="forbidden_office")
        if ROLE_RANK[Role(role)] < ROLE_RANK[Role(minimum)]:
            raise Forbidden("この操作には上位の権限が必要です。", code="forbidden_role")


SYSTEM = Actor(kind="system", label="system")


def _roles_for_user(user) -> dict[int, str] | None:
    if user.is_superuser:
        return None
    return dict(StaffMembership.objects.filter(user=user).values_list("office_id", "role"))


def _is_dx(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(DX_PERMISSION))


def actor_for_user(user) -> Actor:
    return Actor(kind="staff", label=user.get_username(), user_id=user.pk,
                 roles=_roles_for_user(user), dx=_is_dx(user))


# Resolved tokens, briefly: kiosks and clerks send their token with every
# request, and two queries per request were a fifth of an API call's cost
# (docs/benchmarks.md). Any change to tokens, memberships or users in this
# process empties it at once; other processes notice within the TTL
# (MADOGUCHI_TOKEN_CACHE_SECONDS, 0 turns caching off). Unknown tokens are
# never cached, so guessing cannot fill it.
_token_cache: dict[str, tuple[float, "Actor", bool]] = {}
_token_cache_lock = threading.Lock()
_token_generation = 0  # bumped by every forget: a lookup that raced a change is not stored
TOKEN_CACHE_MAX = 1000


def forget_tokens(**_kwargs) -> None:
    """Signal receiver (core.apps): drop every cached token resolution, now and again when
    the saving transaction commits (a request that read the old row in between must not
    keep it)."""
    clear_token_cache()
    transaction.on_commit(clear_token_cache, robust=True)


def clear_token_cache() -> None:
    global _token_generation
    with _token_cache_lock:
        _token_generation += 1
        _token_cache.clear()


def actor_for_token(raw: str) -> Actor | None:
    """Resolve a bearer token; demo tokens only work in demo mode."""
    key = hash_token(raw)
    hit = _token_cache.get(key)
    if hit is not None and hit[0] > time.monotonic():
        _expires, actor, is_demo = hit
        return None if is_demo and not settings.DEMO else actor
    generation = _token_generation
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=key, is_active=True)
    except ApiToken.DoesNotExist:
        return None
    actor = _actor_for_api_token(token)
    ttl = settings.TOKEN_CACHE_SECONDS
    if actor is not None and ttl > 0:
        with _token_cache_lock:
            if generation == _token_generation:
                if len(_token_cache) >= TOKEN_CACHE_MAX:
                    _token_cache.clear()
                _token_cache[key] = (time.monotonic() + ttl, actor, token.is_demo)
    if token.is_demo and not settings.DEMO:
        return None
    return actor


def _actor_for_api_token(token: ApiToken) -> Actor | None:
    if token.kind == TokenKind.STAFF:
        if token.user is None or not token.user.is_active:
            return None
        # A token acts for its own office only, whoever owns it: a superuser's roles
        # (None, "every office") narrow to the token's office as an administrator.
        roles = _roles_for_user(token.user)
        if roles is None:
            roles = {token.office_id: Role.ADMIN.value}
        else:
            roles = {k: v for k, v in roles.items() if k == token.office_id}
        return Actor(kind="staff", label=f"{token.user.get_username()} ({token.name})",
                     user_id=token.user_id, token_id=token.pk, roles=roles, dx=_is_dx(token.user))
    return Actor(kind=token.kind, label=token.name, token_id=token.pk,
                 roles={}, device_office_id=token.office_id)
