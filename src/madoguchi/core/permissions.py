"""Who may call each endpoint, declared in one place and enforced centrally.

Every route of the URLconf has a row here, keyed by its resolved URL name
(``namespace:name``): ``PAGES`` for the screens, ``API`` for the operations of
the JSON API (``/api/v1``, namespace ``api-v1``; the key is the operation's URL
name, which is also its OpenAPI ``operationId``). A route without a row is
refused (403 ``permission_undeclared``), and tests/core/test_permission_matrix.py
fails naming the row to add.

Enforcement:

* pages: ``PermissionMiddleware`` reads the row of the resolved URL name before
  the view runs. Staff screens send a stranger to the log-in page and staff of
  another office (or a lower role) to a 403 page; device screens accept the
  device registered in this browser session for the office. The view finds the
  acting ``request.actor`` and ``request.office`` already checked.
* API: ``bind_api`` gives every ninja operation the authentication its row's
  audience needs (``auth_for``): bearer tokens and the staff session, refusing
  the wrong kind of caller with 403 before the operation runs.

Services keep their own office and role checks (``Actor.require_staff`` …) as
defence in depth: the API cannot know a counter's office before loading it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .errors import Forbidden
from .models import ROLE_RANK, Role

log = logging.getLogger(__name__)

API_NAMESPACE = "api-v1"


class Audience(StrEnum):
    ANYONE = "anyone"            # citizens, no log-in (nothing personal is served)
    ZONE_PEER = "zone-peer"      # the internal side's signed push (the receiver checks the signature)
    KIOSK = "kiosk"              # the office's kiosk device (or its staff, who may issue too)
    DISPLAY = "display"          # the office's lobby display device
    STAFF = "staff"              # counter staff of the office (or higher)
    SUPERVISOR = "supervisor"    # supervisor of the office (or its administrator)
    ADMIN = "admin"              # administrators: Django's admin site (is_staff) / office admin
    DX = "dx"                    # the DX office (情報政策課, permission core.dx_office) or a superuser


A = Audience

# Screens and other non-API routes, by resolved URL name. ``admin:*`` covers the admin site.
PAGES: dict[str, Audience] = {
    # citizens, both zones
    "index": A.ANYONE,
    "office-home": A.ANYONE,
    "public-board": A.ANYONE,
    "office-forecast": A.ANYONE,   # 混雑予想 calendar (forecasts of counts, nothing personal)
    "ticket-page": A.ANYONE,
    "board-events": A.ANYONE,
    "healthz": A.ANYONE,
    "set_language": A.ANYONE,
    "service-worker": A.ANYONE,
    "notices-email-form": A.ANYONE,
    "navigator": A.ANYONE,         # 手続きナビ: the answers stay in the browser (sealed QR)
    "citizen-form": A.ANYONE,      # 住所異動の事前入力: typed data stays in the browser (sealed QR)
    "reserve": A.ANYONE,           # 来庁予約: ALTCHA + per-address limit on the booking itself
    "reserve-time": A.ANYONE,
    "reserve-confirm": A.ANYONE,
    "reservation-page": A.ANYONE,  # the booking's code is the authority (as in the API)
    "reservation-cancel": A.ANYONE,
    "reservation-ics": A.ANYONE,
    "place-index": A.ANYONE,       # 観光地の混雑予想 (forecasting/views.py): anonymous counts
    "place-page": A.ANYONE,
    "zone-sync": A.ZONE_PEER,
    "zone-reservations": A.ZONE_PEER,  # the internal side's signed pull of bookings (zones/pull.py)
    # the DX office (情報政策課), internal side, city-wide
    "dx-home": A.DX,
    "dx-kpis": A.DX,          # KPI table of a fiscal year, trend charts, entry forms (POST)
    "dx-kpis-xlsx": A.DX,     # the same table as an Excel workbook
    "dx-kpi-history": A.DX,   # one KPI's actuals and targets over time (who, when, old → new)
    "dx-paper": A.DX,              # 紙の使用量 (課所 × 月, 基準年度比)
    "dx-paper-csv": A.DX,
    "dx-paper-xlsx": A.DX,
    # inside the office
    "login": A.ANYONE,
    "logout": A.ANYONE,
    "kiosk": A.ANYONE,           # unregistered, it shows the device set-up form
    "kiosk-issue": A.KIOSK,
    "navi-kiosk": A.ANYONE,        # the kiosk's navigator: registers with ?device=, else refuses
    "interview": A.STAFF,          # 聞き取り (北見方式)
    "interview-case": A.STAFF,     # 「案件を作成」
    "navi-kiosk-issue": A.KIOSK,   # a ticket for the first counter and a case on it
    "kiosk-check-in": A.KIOSK,     # ご予約の方: a booking's QR or code → its ticket
    "display": A.ANYONE,         # shows only what the public board shows; no device key needed
    "counter-pick": A.STAFF,
    "counter-screen": A.STAFF,
    "counter-panel": A.STAFF,
    "counter-action": A.STAFF,
    "supervisor": A.SUPERVISOR,
    "supervisor-panel": A.SUPERVISOR,
    "supervisor-action": A.SUPERVISOR,
    "case-scan": A.STAFF,
    "case-counter-part": A.STAFF,
    "case-page": A.STAFF,
    "case-action": A.STAFF,
    "case-list": A.SUPERVISOR,
    "case-form-print": A.STAFF,   # the print buttons (PDF, or a Japanese page saying what is missing)
    "case-forms-print-all": A.STAFF,  # 「まとめて印刷」: every form the case needs, one PDF
    "form-editor": A.STAFF,       # 聞き取り: the move form typed by the clerk (opens the case)
    "form-editor-case": A.STAFF,  # 届出内容: the case's form data, checked and corrected
    "form-postcode": A.STAFF,     # postcode → address for the editor (internal side)
    # reservations (来庁予約), staff side: the day's bookings, 準備済, slot changes, the card list
    "reservations-day": A.STAFF,
    "reservations-prepare": A.STAFF,
    "reservations-hand-over": A.STAFF,         # 交付済: the card was handed over
    "reservations-slot": A.SUPERVISOR,
    "reservations-cards": A.SUPERVISOR,        # the card system's CSV (names, birth dates)
    "reservations-preparation-pdf": A.STAFF,   # the cards to take out of the safe, to print
    "reservations-preparation-csv": A.STAFF,
    "admin:login": A.ANYONE,
    "admin:logout": A.ANYONE,
    "admin:*": A.ADMIN,
}

# JSON API operations (namespace api-v1), by URL name = OpenAPI operationId.
API: dict[str, Audience] = {
    "api-root": A.ANYONE,
    "openapi-json": A.ANYONE,
    "openapi-view": A.ANYONE,
    # queue
    "list_offices": A.ANYONE,
    "board": A.ANYONE,
    "list_counters": A.ANYONE,
    "ticket_status": A.ANYONE,
    "issue_ticket": A.KIOSK,
    "reservation_check_in": A.KIOSK,  # a booking's QR read at the kiosk → its ticket
    "office_calendar": A.ANYONE,
    "resume": A.STAFF,
    "reinstate": A.STAFF,
    "route": A.STAFF,
    "cancel": A.STAFF,
    "call_next": A.STAFF,
    "call_ticket": A.STAFF,
    "recall": A.STAFF,
    "hold": A.STAFF,
    "finish": A.STAFF,
    "no_show": A.STAFF,
    "transfer": A.STAFF,
    # open data
    "stats_csv": A.ANYONE,
    "stats_json": A.ANYONE,
    "office_forecast": A.ANYONE,  # 混雑予想 JSON feed (forecasting/api.py)
    "list_places": A.ANYONE,      # 観光地 (places) and their forecast: open data
    "place_forecast": A.ANYONE,
    # notices (the ticket's unguessable id is the authority)
    "public_key": A.ANYONE,
    "notices_status": A.ANYONE,
    "push_subscribe": A.ANYONE,
    "push_unsubscribe": A.ANYONE,
    "email_subscribe": A.ANYONE,
    # hand-over QR: public keys for the citizen's browser; opening inside, by the key's office
    "handover_keys": A.ANYONE,
    "handover_open": A.STAFF,
    # procedures (nothing personal is served; answers are neither stored nor logged)
    "life_events": A.ANYONE,
    "determine": A.ANYONE,
    "catalogue": A.ANYONE,
    # postcode → address (Japan Post's data shipped with the server; a postcode is not personal)
    "postcode_lookup": A.ANYONE,
    # reservations (来庁予約): anyone books (ALTCHA + per-address limit); the code is the authority
    "reservation_types": A.ANYONE,
    "reservation_slots": A.ANYONE,
    "altcha_challenge": A.ANYONE,
    "book_reservation": A.ANYONE,
    "get_reservation": A.ANYONE,
    "cancel_reservation": A.ANYONE,
    "free_slots_json": A.ANYONE,   # open data: aggregates per day and type
    "free_slots_csv": A.ANYONE,
    # one-stop cases (internal side only; the service checks the case's office)
    "open_case": A.STAFF,
    "get_case": A.STAFF,
    "set_procedure": A.STAFF,
    "route_case": A.STAFF,
    # printed forms (internal side only; the service checks the case's office)
    "list_forms": A.STAFF,
    "case_form_pdf": A.STAFF,
    # the DX office (internal side only, city-wide)
    "dx_kpis": A.DX,
    # the DX office (internal side, city-wide)
    "dx_paper": A.DX,
}


def audience_of(view_name: str) -> Audience | None:
    """The declared audience of a resolved URL name, or None (then it is refused)."""
    namespace, _sep, name = view_name.rpartition(":")
    if namespace == API_NAMESPACE:
        return API.get(name)
    if view_name in PAGES:
        return PAGES[view_name]
    if namespace:
        return PAGES.get(f"{namespace}:*")
    return None


def row_hint(view_name: str, route: str = "") -> str:
    """The line to add for an undeclared route (quoted in refusals and test failures)."""
    namespace, _sep, name = view_name.rpartition(":")
    table, key = ("API", name) if namespace == API_NAMESPACE else ("PAGES", view_name)
    where = f"  # {route}" if route else ""
    return f'add to {table} in src/madoguchi/core/permissions.py: "{key}": A.<AUDIENCE>,{where}'


# ---------------------------------------------------------------- the office of a screen

_office_lookup: Callable[[str], object | None] | None = None


def register_office_lookup(lookup: Callable[[str], object | None]) -> None:
    """The queue app tells how to find an office by its code (core imports no app)."""
    global _office_lookup
    _office_lookup = lookup


def _office(code: str | None):
    office = _office_lookup(code) if (code and _office_lookup) else None
    if office is None:
        raise Http404
    return office


# ---------------------------------------------------------------- who acts: coarse checks

DEVICE_ONLY = "職員用の操作です。発券機・表示盤の端末からは実行できません。"


DX_ONLY = "DX推進の担当（情報政策課）または管理者だけが利用できます。"


def check_kind(actor, audience: Audience) -> None:
    """Refuse a caller of the wrong kind (the API, before the operation runs).

    The office (and for the API, the role at that office) is checked by the service.
    """
    if audience in (A.ANYONE, A.ZONE_PEER):
        return
    if audience == A.KIOSK:
        if actor.kind not in {"kiosk", "staff", "system"}:
            raise Forbidden("この端末からは整理券を発行できません。", code="forbidden_role")
        return
    if audience == A.DISPLAY:
        if actor.kind not in {"display", "staff", "system"}:
            raise Forbidden("表示盤用の操作です。", code="forbidden_role")
        return
    if actor.kind not in {"staff", "system"}:
        raise Forbidden(DEVICE_ONLY, code="forbidden_role")
    if audience == A.DX:
        if actor.kind != "system" and not actor.dx:
            raise Forbidden(DX_ONLY, code="forbidden_role")
        return
    minimum = {A.STAFF: Role.COUNTER_STAFF, A.SUPERVISOR: Role.SUPERVISOR, A.ADMIN: Role.ADMIN}[audience]
    if actor.roles is None:
        return
    if not actor.roles:
        raise Forbidden("この庁舎の職員ではないため操作できません。", code="forbidden_office")
    if not any(ROLE_RANK[Role(role)] >= ROLE_RANK[minimum] for role in actor.roles.values()):
        raise Forbidden("この操作には上位の権限が必要です。", code="forbidden_role")


# ---------------------------------------------------------------- API: ninja auth from the table


def auth_for(audience: Audience | None) -> list:
    """django-ninja auth callbacks for an audience ([] = anyone)."""
    from .auth import BearerToken, StaffSession, Undeclared

    if audience is None:
        return [Undeclared()]
    if audience in (A.ANYONE, A.ZONE_PEER):
        return []
    return [BearerToken(audience), StaffSession(audience)]


def _operations(api):
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            yield from path_view.operations


def operation_name(operation) -> str:
    return getattr(operation, "url_name", None) or operation.view_func.__name__


def bind_api(api) -> None:
    """Give every operation of ``api`` the authentication of its row (refused without one)."""
    seen: set[str] = set()
    for operation in _operations(api):
        name = operation_name(operation)
        if name in seen:
            raise ValueError(f"two API operations share the URL name {name!r}: "
                             "give one a distinct url_name, its permission row is keyed by it")
        seen.add(name)
        operation.auth_callbacks = auth_for(API.get(name))


# ---------------------------------------------------------------- pages: the middleware


class PermissionMiddleware:
    """Checks the resolved URL name's row before any view runs (fail closed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        view_name = match.view_name if match else ""
        audience = audience_of(view_name)
        if audience is None:
            log.error("refused %s: no permission row for %r (%s)", request.path, view_name,
                      row_hint(view_name))
            return _refuse(request, Forbidden(_("この画面・操作の利用者が定められていないため、利用できません。"),
                                              code="permission_undeclared",
                                              detail={"url_name": view_name}))
        if view_name.startswith(f"{API_NAMESPACE}:") or audience in (A.ANYONE, A.ZONE_PEER):
            return None  # the API's operations authenticate themselves (bind_api)
        if audience == A.ADMIN:
            user = request.user
            if user.is_active and user.is_staff:
                return None
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if audience == A.DX:
            return self._dx_page(request)
        office = _office(view_kwargs.get("code"))
        request.office = office
        if audience in (A.KIOSK, A.DISPLAY):
            from .auth import device_actor

            actor = device_actor(request, office.pk, kind=audience.value)
            if actor is None:
                return _refuse(request, Forbidden(
                    _("この端末は発券機として登録されていません。職員にお声がけください。")
                    if audience == A.KIOSK else _("この端末は表示盤として登録されていません。"),
                    code="forbidden_device"), fragment=True)
            request.actor = actor
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        from .actors import actor_for_user

        actor = actor_for_user(request.user)
        minimum = Role.SUPERVISOR if audience == A.SUPERVISOR else Role.COUNTER_STAFF
        try:
            actor.require_staff(office.pk, minimum)
        except Forbidden as exc:
            return _refuse(request, exc, office=office)
        request.actor = actor
        return None


    @staticmethod
    def _dx_page(request):
        """The DX office's screens are city-wide: no office in the URL, the permission decides."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        from .actors import actor_for_user

        actor = actor_for_user(request.user)
        if not actor.dx:
            return _refuse(request, Forbidden(DX_ONLY, code="forbidden_role"))
        request.actor = actor
        return None


def _refuse(request, exc: Forbidden, *, office=None, fragment: bool = False):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": exc.code, "message": exc.message, "detail": exc.detail},
                            status=403)
    template = "core/_refused.html" if fragment else "core/forbidden.html"
    return render(request, template, {"office": office, "message": exc.message, "code": exc.code},
                  status=403)
