"""The permission matrix: every route × every identity → the status that identity gets.

Every route of the URLconf (ROLE=all, the widest) and every operation of
``/api/v1/openapi.json`` has a row in ``MATRIX`` below: the request to make and
the expected status for each identity. The statuses are written here by hand,
not derived from core/permissions.py, so a wrong row there fails here. A new
route without a row fails ``test_every_route_has_a_row`` naming the row to add.

Each request runs in a transaction rolled back afterwards: every identity meets
the same state (a ticket being called at counter 1, one held, one no-show, one
waiting, counter 2 idle).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver

from madoguchi.core import permissions
from madoguchi.core.actors import SYSTEM
from madoguchi.core.auth import DEVICE_SESSION_KEY
from madoguchi.core.models import ApiToken, Role, TokenKind
from madoguchi.dx.demo import seed_dx
from madoguchi.handover import services as handover_services
from madoguchi.queueing import selectors, services
from madoguchi.queueing.models import Counter

from ..handover.helpers import navigator_content, seal_for
from ..queueing.factories import make_office, make_staff, make_token

ANON, KIOSK, DISPLAY, STAFF, OTHER, SUPER, ADMIN, SU_OTHER, DX = IDENTITIES = (
    "anonymous", "kiosk of the office", "display of the office", "staff of the office",
    "staff of another office", "supervisor of the office", "admin (superuser)",
    "superuser's token for another office", "DX office (permission, no counter role)")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(IDENTITIES, status)


def staff_page(ok: int = 200) -> dict[str, int]:
    """Staff screens: strangers and devices go to the log-in page; other offices see 403."""
    return {ANON: 302, KIOSK: 302, DISPLAY: 302, STAFF: ok, OTHER: 403, SUPER: ok, ADMIN: ok,
            SU_OTHER: 302, DX: 403}


def supervisor_page(ok: int = 200) -> dict[str, int]:
    return {**staff_page(ok), STAFF: 403}


def kiosk_page(ok: int) -> dict[str, int]:
    """The kiosk's own actions: its registered browser session, or the office's staff."""
    return {ANON: 403, KIOSK: ok, DISPLAY: 403, STAFF: ok, OTHER: 403, SUPER: ok, ADMIN: ok,
            SU_OTHER: 403, DX: 403}


def admin_site(ok: int = 200) -> dict[str, int]:
    """Django's admin: only administrators (is_staff); everyone else to the admin log-in."""
    return {**everyone(302), ADMIN: ok}


def api_kiosk(ok: int) -> dict[str, int]:
    return {ANON: 401, KIOSK: ok, DISPLAY: 403, STAFF: ok, OTHER: 403, SUPER: ok, ADMIN: ok,
            SU_OTHER: 403, DX: 403}


def api_staff(ok: int = 200) -> dict[str, int]:
    return {ANON: 401, KIOSK: 403, DISPLAY: 403, STAFF: ok, OTHER: 403, SUPER: ok, ADMIN: ok,
            SU_OTHER: 403, DX: 403}


def dx_page(ok: int = 200) -> dict[str, int]:
    """The DX office's screens (city-wide): its permission or a superuser; counter roles 403."""
    return {**staff_page(403), ANON: 302, KIOSK: 302, DISPLAY: 302, ADMIN: ok, SU_OTHER: 302, DX: ok}


def api_dx(ok: int = 200) -> dict[str, int]:
    """The DX office's API: city-wide, so a superuser's token of any office is accepted."""
    return {**api_staff(403), ADMIN: ok, SU_OTHER: ok, DX: ok}


@dataclass
class Row:
    method: str
    path: str  # formatted with the scene's ids: {busy} {idle} {waiting} {held} {no_show}
    expect: dict[str, int]
    body: dict | None = None


B = "/api/v1"
MATRIX: dict[str, Row] = {
    # ---- citizens
    "index": Row("GET", "/", everyone(200)),
    "place-index": Row("GET", "/places/", everyone(200)),
    "place-page": Row("GET", "/places/garden/", everyone(200)),
    "office-home": Row("GET", "/o/demo/", everyone(200)),
    "public-board": Row("GET", "/o/demo/board/", everyone(200)),
    "office-forecast": Row("GET", "/o/demo/forecast/", everyone(200)),
    "ticket-page": Row("GET", "/t/{waiting}/", everyone(200)),
    "healthz": Row("GET", "/healthz", everyone(200)),
    "set_language": Row("POST", "/i18n/setlang/", everyone(302), {"language": "en"}),
    "service-worker": Row("GET", "/sw.js", everyone(200)),
    "notices-email-form": Row("POST", "/t/{waiting}/notices/email/", everyone(422),
                              {"email": "not-an-address"}),
    "board-events": Row("GET", "/api/v1/offices/nowhere/board/events", everyone(404)),
    "navigator": Row("GET", "/o/demo/navi/", everyone(200)),
    "citizen-form": Row("GET", "/o/demo/form/", everyone(200)),
    "reserve": Row("GET", "/o/demo/reserve/", everyone(200)),
    "reserve-time": Row("GET", "/o/demo/reserve/nothing/", everyone(404)),
    "reserve-confirm": Row("GET", "/o/demo/reserve/nothing/confirm/", everyone(404)),
    "reservation-page": Row("GET", "/r/ZZZZZZZZ/", everyone(404)),
    "reservation-cancel": Row("POST", "/r/ZZZZZZZZ/cancel/", everyone(404)),
    "reservation-ics": Row("GET", "/r/ZZZZZZZZ/calendar.ics", everyone(404)),
    # ---- inside: log-in, devices
    "login": Row("GET", "/accounts/login/", everyone(200)),
    "logout": Row("POST", "/accounts/logout/", everyone(302)),
    "kiosk": Row("GET", "/o/demo/kiosk/", everyone(200)),
    "kiosk-issue": Row("POST", "/o/demo/kiosk/issue/", kiosk_page(201), {"category": "moving"}),
    "display": Row("GET", "/o/demo/display/", everyone(200)),
    "navi-kiosk": Row("GET", "/o/demo/kiosk/navi/", kiosk_page(200)),
    "kiosk-check-in": Row("POST", "/o/demo/kiosk/check-in/", kiosk_page(404), {"reservation": "ZZZZ-ZZZZ"}),
    "navi-kiosk-issue": Row("POST", "/o/demo/kiosk/navi/issue/", kiosk_page(201),
                            {"life_event": "tennyu", "answers": "{{}}"}),
    # ---- staff screens
    "counter-pick": Row("GET", "/o/demo/counter/", staff_page()),
    "counter-screen": Row("GET", "/o/demo/counter/{busy}/", staff_page()),
    "counter-panel": Row("GET", "/o/demo/counter/{busy}/panel/", staff_page()),
    "counter-action": Row("POST", "/o/demo/counter/{busy}/recall/", staff_page()),
    "interview": Row("GET", "/o/demo/interview/", staff_page()),
    "interview-case": Row("POST", "/o/demo/interview/case/", staff_page(201),
                          {"life_event": "tennyu", "answers": "{{}}"}),
    "supervisor": Row("GET", "/o/demo/supervisor/", supervisor_page()),
    "supervisor-panel": Row("GET", "/o/demo/supervisor/panel/", supervisor_page()),
    "supervisor-action": Row("POST", "/o/demo/supervisor/memo/", supervisor_page(),
                             {"ticket": "{waiting}", "text": "書類待ち"}),
    # ---- one-stop cases (internal side only)
    "case-list": Row("GET", "/o/demo/cases/", supervisor_page()),
    "case-form-print": Row("GET", "/o/demo/cases/{case}/forms/juumin_idou.pdf", staff_page(409)),
    "case-forms-print-all": Row("GET", "/o/demo/cases/{case}/forms.pdf", staff_page(409)),
    "case-page": Row("GET", "/o/demo/cases/{case}/", staff_page()),
    "form-editor": Row("GET", "/o/demo/counter/{idle}/form/", staff_page()),
    "form-editor-case": Row("GET", "/o/demo/counter/{busy}/form/{case}/", staff_page()),
    "form-postcode": Row("GET", "/o/demo/counter/{busy}/postcode/?which=new_address&new_address.postcode=9200961",
                         staff_page()),
    "case-counter-part": Row("GET", "/o/demo/counter/{busy}/case/", staff_page()),
    "case-scan": Row("POST", "/o/demo/counter/{busy}/case/scan/", staff_page(), {"text": "{case}"}),
    "case-action": Row("POST", "/o/demo/counter/{busy}/case/{case}/note/", staff_page(),
                       {"text": "書類待ち"}),
    # ---- reservations, staff side (internal only)
    "reservations-day": Row("GET", "/o/demo/reservations/", staff_page()),
    "reservations-prepare": Row("POST", "/o/demo/reservations/NOTF0UND/prepare/", staff_page(404)),
    "reservations-hand-over": Row("POST", "/o/demo/reservations/NOTF0UND/hand-over/", staff_page(404)),
    "reservations-slot": Row("POST", "/o/demo/reservations/slot/", supervisor_page(404),
                             {"action": "close", "type": "none", "start": "2026-12-08T10:00:00+09:00"}),
    "reservations-cards": Row("GET", "/o/demo/reservations/cards/", supervisor_page()),
    "reservations-preparation-pdf": Row("GET", "/o/demo/reservations/cards/preparation.pdf", staff_page()),
    "reservations-preparation-csv": Row("GET", "/o/demo/reservations/cards/preparation.csv", staff_page()),
    # ---- the DX office (internal side, city-wide)
    "dx-home": Row("GET", "/dx/", dx_page()),
    "dx-kpis": Row("GET", "/dx/kpis/?fy=2021", dx_page()),
    "dx-kpis-xlsx": Row("GET", "/dx/kpis/export.xlsx?fy=2021", dx_page()),
    "dx-kpi-history": Row("GET", "/dx/kpis/online_rate/", dx_page()),
    "dx-paper": Row("GET", "/dx/paper/?fy=2024", dx_page()),
    "dx-paper-csv": Row("GET", "/dx/paper/paper.csv?fy=2024", dx_page()),
    "dx-paper-xlsx": Row("GET", "/dx/paper/paper.xlsx?fy=2024", dx_page()),
    # ---- the admin site (every admin:* route is in this group; its log-in is open to all)
    "admin:*": Row("GET", "/admin/", admin_site()),
    "admin:login": Row("GET", "/admin/login/", {**everyone(200), ADMIN: 302}),  # in: to the index
    "admin:logout": Row("POST", "/admin/logout/", everyone(302)),
    # ---- the JSON API (keys: operationId)
    "api-v1:api-root": Row("GET", f"{B}/", everyone(404)),
    "api-v1:openapi-json": Row("GET", f"{B}/openapi.json", everyone(200)),
    "api-v1:openapi-view": Row("GET", f"{B}/docs", everyone(200)),
    "api-v1:list_offices": Row("GET", f"{B}/offices", everyone(200)),
    "api-v1:board": Row("GET", f"{B}/offices/demo/board", everyone(200)),
    "api-v1:list_counters": Row("GET", f"{B}/offices/demo/counters", everyone(200)),
    "api-v1:office_calendar": Row("GET", f"{B}/offices/demo/calendar", everyone(200)),
    "api-v1:ticket_status": Row("GET", f"{B}/tickets/{{waiting}}", everyone(200)),
    # a booking code nobody holds: the kiosk (and staff) get as far as "not found"
    "api-v1:reservation_check_in": Row("POST", f"{B}/offices/demo/check-in", api_kiosk(404),
                                       {"reservation": "ZZZZ-ZZZZ"}),
    "api-v1:issue_ticket": Row("POST", f"{B}/offices/demo/tickets", api_kiosk(201),
                               {"category": "moving"}),
    "api-v1:resume": Row("POST", f"{B}/tickets/{{held}}/resume", api_staff()),
    "api-v1:reinstate": Row("POST", f"{B}/tickets/{{no_show}}/reinstate", api_staff()),
    "api-v1:route": Row("POST", f"{B}/tickets/{{waiting}}/route", api_staff(),
                        {"category": "certificates"}),
    "api-v1:cancel": Row("POST", f"{B}/tickets/{{waiting}}/cancel", api_staff()),
    "api-v1:call_next": Row("POST", f"{B}/counters/{{idle}}/call-next", api_staff()),
    "api-v1:call_ticket": Row("POST", f"{B}/counters/{{idle}}/call", api_staff(),
                              {"ticket": "{waiting}"}),
    "api-v1:recall": Row("POST", f"{B}/counters/{{busy}}/recall", api_staff()),
    "api-v1:hold": Row("POST", f"{B}/counters/{{busy}}/hold", api_staff()),
    "api-v1:finish": Row("POST", f"{B}/counters/{{busy}}/finish", api_staff()),
    "api-v1:no_show": Row("POST", f"{B}/counters/{{busy}}/no-show", api_staff()),
    "api-v1:transfer": Row("POST", f"{B}/counters/{{busy}}/transfer", api_staff(),
                           {"category": "certificates"}),
    "api-v1:open_case": Row("POST", f"{B}/cases", api_staff(201),
                            {"life_event": "{life_event}", "answers": {}, "office": "demo"}),
    "api-v1:get_case": Row("GET", f"{B}/cases/{{case}}", api_staff()),
    "api-v1:set_procedure": Row("POST", f"{B}/cases/{{case}}/procedures/{{procedure}}", api_staff(),
                                {"status": "done"}),
    "api-v1:route_case": Row("POST", f"{B}/cases/{{case}}/route", api_staff(),
                             {"ticket": "{waiting}", "category": "certificates"}),
    # printed forms (the scene's case has no form data yet: staff are told so, 409)
    # the installed templates are the same for every office: any office's staff may list them
    "api-v1:list_forms": Row("GET", f"{B}/forms", {**api_staff(), OTHER: 200, SU_OTHER: 200}),
    "api-v1:case_form_pdf": Row("GET", f"{B}/cases/{{case}}/forms/juumin_idou.pdf", api_staff(409)),
    "api-v1:dx_kpis": Row("GET", f"{B}/dx/kpis?fy=2021", api_dx()),
    "api-v1:stats_csv": Row("GET", f"{B}/offices/demo/stats.csv", everyone(200)),
    "api-v1:stats_json": Row("GET", f"{B}/offices/demo/stats.json", everyone(200)),
    "api-v1:office_forecast": Row("GET", f"{B}/offices/demo/forecast", everyone(200)),
    "api-v1:list_places": Row("GET", f"{B}/places", everyone(200)),
    "api-v1:place_forecast": Row("GET", f"{B}/places/garden/forecast", everyone(200)),
    "api-v1:public_key": Row("GET", f"{B}/push/public-key", everyone(200)),
    "api-v1:notices_status": Row("GET", f"{B}/tickets/{{waiting}}/notices", everyone(200)),
    "api-v1:push_subscribe": Row("POST", f"{B}/tickets/{{waiting}}/notices/push", everyone(422), {}),
    "api-v1:push_unsubscribe": Row("POST", f"{B}/tickets/{{waiting}}/notices/push/unsubscribe",
                                   everyone(422), {}),
    "api-v1:email_subscribe": Row("POST", f"{B}/tickets/{{waiting}}/notices/email", everyone(422),
                                  {"email": "not-an-address"}),
    "api-v1:handover_keys": Row("GET", f"{B}/handover/keys", everyone(200)),
    "api-v1:handover_open": Row("POST", f"{B}/handover/open", api_staff(), {"payload": "{handover}"}),
    "api-v1:life_events": Row("GET", f"{B}/procedures/life-events", everyone(200)),
    "api-v1:determine": Row("POST", f"{B}/procedures/determine", everyone(200),
                            {"life_event": "tennyu", "answers": {}}),
    "api-v1:catalogue": Row("GET", f"{B}/procedures/catalogue", everyone(200)),
    "api-v1:postcode_lookup": Row("GET", f"{B}/postcodes/9200961", everyone(200)),
    # reservations: anyone (the code is the authority; booking needs ALTCHA, here missing)
    "api-v1:reservation_types": Row("GET", f"{B}/offices/demo/reservation-types", everyone(200)),
    "api-v1:reservation_slots": Row("GET", f"{B}/offices/demo/slots?type=none", everyone(404)),
    "api-v1:altcha_challenge": Row("GET", f"{B}/altcha/challenge", everyone(200)),
    "api-v1:book_reservation": Row("POST", f"{B}/offices/demo/reservations", everyone(422),
                                   {"type": "none", "start": "2026-12-08T10:00:00+09:00"}),
    "api-v1:get_reservation": Row("GET", f"{B}/reservations/AAAA-BBBB", everyone(404)),
    "api-v1:cancel_reservation": Row("POST", f"{B}/reservations/AAAA-BBBB/cancel", everyone(404), {}),
    "api-v1:free_slots_json": Row("GET", f"{B}/offices/demo/reservation-slots.json", everyone(200)),
    "api-v1:free_slots_csv": Row("GET", f"{B}/offices/demo/reservation-slots.csv", everyone(200)),
    "api-v1:dx_paper": Row("GET", f"{B}/dx/paper?fy=2024", api_dx()),
}
# Declared for the public side only (ROLE=public); not in this URLconf.
OTHER_ZONE = {"zone-sync", "zone-reservations"}


# ---------------------------------------------------------------- the URLconf's routes


def url_names() -> dict[str, str]:
    """Resolved URL name (as ``request.resolver_match.view_name``) -> route, for every route;
    the admin site's routes (named or not) collapse into ``admin:*``."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespaces: list[str]):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern),
                     namespaces + [p.namespace] if p.namespace else namespaces)
                continue
            route = prefix + str(p.pattern)
            name = p.name or f"{p.lookup_str}"
            view_name = ":".join([*namespaces, name])
            if namespaces[:1] == ["admin"] and view_name not in MATRIX:
                view_name = "admin:*"
            found.setdefault(view_name, route)

    walk(get_resolver().url_patterns, "/", [])
    return found


def hint(view_name: str, route: str) -> str:
    return (f'add a row to MATRIX in tests/core/test_permission_matrix.py: '
            f'"{view_name}": Row("GET", "{route}", everyone(200)),  # the request and, per '
            f'identity, the status it must get')


def test_every_route_has_a_row_here_and_in_permissions():
    routes = url_names()
    missing = [hint(name, route) for name, route in routes.items() if name not in MATRIX]
    undeclared = [permissions.row_hint(name, route) for name, route in routes.items()
                  if permissions.audience_of(name) is None]
    assert not missing + undeclared, "routes without a permission row:\n  " + "\n  ".join(
        missing + undeclared)
    stale = sorted(set(MATRIX) - set(routes) - {"admin:*"})
    assert not stale, f"rows for routes that no longer exist (remove them): {stale}"


def test_every_openapi_operation_has_a_row(client):
    schema = client.get("/api/v1/openapi.json").json()
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            name = f"api-v1:{operation['operationId']}"
            if name not in MATRIX:
                missing.append(hint(name, f"{method.upper()} {path}"))
            elif MATRIX[name].method != method.upper():
                missing.append(f"{name}: the row says {MATRIX[name].method}, the API {method.upper()}")
    assert not missing, "OpenAPI operations without a row:\n  " + "\n  ".join(missing)


def test_permissions_declares_no_more_than_exists():
    routes = url_names()
    api = {f"api-v1:{name}" for name in permissions.API}
    stale = sorted((set(permissions.PAGES) | api) - set(routes) - OTHER_ZONE - {"admin:*"})
    assert not stale, f"core/permissions.py declares routes that do not exist: {stale}"


# ---------------------------------------------------------------- the identities


@pytest.fixture(scope="module")
def scene(module_office, django_db_blocker):
    """The demo office in a known state, another office, and a client per identity.

    The data is built once for the module (each test's requests are rolled back anyway);
    the clients are new for every test, so no cookie a test's answer set (a log-out, a
    language) reaches the next."""
    with django_db_blocker.unblock():
        ids, make_clients = build_scene(module_office)
    return ids, make_clients


@pytest.fixture
def clients(scene, db):
    ids, make_clients = scene
    return ids, make_clients()


def build_scene(office):
    from django.contrib.auth import get_user_model

    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    users = get_user_model().objects
    staff_user, admin_user = users.get(username="staff"), users.get(username="admin")
    supervisor = make_staff(office, role=Role.SUPERVISOR)
    other_clerk = make_staff(other, role=Role.COUNTER_STAFF)
    seed_dx(office, paper_demo=False)  # the DX office's account (permission through its group) and token demo-dx
    dx_user = users.get(username="dx")

    # Counter 1 (for every action) is calling someone; counter 2 is idle with people waiting.
    counters = list(Counter.objects.filter(office=office).order_by("number"))
    for counter in counters:
        services.counter_set_open(actor=SYSTEM, counter_id=counter.pk, is_open=True)
    busy = next(c for c in counters if c.categories.filter(code="moving").exists())
    idle = next(c for c in counters if c.pk != busy.pk and c.categories.filter(code="moving").exists())
    for counter in (busy, idle):
        current = selectors.counters_current(office).get(counter.pk)
        if current is not None:
            services.ticket_finish(actor=SYSTEM, counter_id=counter.pk)

    def issue():
        return services.ticket_issue(actor=SYSTEM, office_code="demo", category_code="moving")

    held = issue()
    services.ticket_call(actor=SYSTEM, counter_id=busy.pk, ticket_id=held.public_id)
    services.ticket_hold(actor=SYSTEM, counter_id=busy.pk)
    no_show = issue()
    services.ticket_call(actor=SYSTEM, counter_id=busy.pk, ticket_id=no_show.public_id)
    services.ticket_no_show(actor=SYSTEM, counter_id=busy.pk)
    called = issue()
    services.ticket_call(actor=SYSTEM, counter_id=busy.pk, ticket_id=called.public_id)
    waiting = issue()
    # A one-stop case with one procedure or more (the catalogue in service, its first life event).
    from madoguchi.cases.services import case_open
    from madoguchi.procedures.selectors import life_events

    life_event = life_events()[0]["code"]
    case = case_open(actor=SYSTEM, office=office, life_event=life_event, answers={})
    procedure = case.procedures.values_list("code", flat=True).first()
    assert procedure, "the scene needs a case with a procedure"
    # A hand-over sealed to the demo office's key: only its staff may open it.
    handover_key = handover_services.office_key_create(actor=SYSTEM, office_code="demo")
    # A place (観光地) without a forecast yet: its page and feed still answer.
    from madoguchi.forecasting.services import place_save

    place_save(actor=SYSTEM, code="garden", name="庭園")
    ids = {"busy": busy.pk, "idle": idle.pk, "waiting": waiting.public_id,
           "held": held.public_id, "no_show": no_show.public_id, "case": case.code,
           "life_event": life_event, "procedure": procedure,
           "handover": seal_for(handover_key, navigator_content())}

    def bearer(raw):
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def device(kind):
        c = Client()
        token = ApiToken.objects.get(office=office, kind=kind, is_demo=True)
        session = c.session
        session[DEVICE_SESSION_KEY[kind]] = token.pk
        session.save()
        return c

    def logged_in(user):
        c = Client()
        c.force_login(user)
        return c

    tokens = {OTHER: make_token(other, TokenKind.STAFF, user=other_clerk),
              SUPER: make_token(office, TokenKind.STAFF, user=supervisor),
              ADMIN: make_token(office, TokenKind.STAFF, user=admin_user),
              SU_OTHER: make_token(other, TokenKind.STAFF, user=admin_user)}

    def make_clients():
        return {
            ANON: (Client(), {}),
            KIOSK: (device(TokenKind.KIOSK), bearer("demo-kiosk")),
            DISPLAY: (device(TokenKind.DISPLAY), bearer("demo-display")),
            STAFF: (logged_in(staff_user), bearer("demo-staff")),
            OTHER: (logged_in(other_clerk), bearer(tokens[OTHER])),
            SUPER: (logged_in(supervisor), bearer(tokens[SUPER])),
            ADMIN: (logged_in(admin_user), bearer(tokens[ADMIN])),
            SU_OTHER: (Client(), bearer(tokens[SU_OTHER])),
            DX: (logged_in(dx_user), bearer("demo-dx")),
        }
    return ids, make_clients


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def request(client, headers, row: Row, ids):
    path, body = _fill(row.path, ids), _fill(row.body, ids)
    is_api = path.startswith("/api/")
    with transaction.atomic():
        if row.method == "GET":
            response = client.get(path, **headers)
        elif is_api:
            response = client.post(path, body if body is not None else None,
                                   content_type="application/json", **headers)
        else:
            response = client.post(path, body or {}, **headers)
        transaction.set_rollback(True)
    if getattr(response, "streaming", False):
        response.close()
    return response


@pytest.mark.parametrize("view_name", sorted(MATRIX))
def test_matrix(clients, view_name, settings):
    settings.TOKEN_CACHE_SECONDS = 0
    ids, clients = clients
    row = MATRIX[view_name]
    got, wrong = {}, []
    for identity in IDENTITIES:
        client, headers = clients[identity]
        response = request(client, headers if row.path.startswith("/api/") else {}, row, ids)
        got[identity] = response.status_code
        if response.status_code != row.expect[identity]:
            wrong.append(f"{identity}: expected {row.expect[identity]}, got {response.status_code}"
                         f" {response.content[:160]!r}" if not getattr(response, "streaming", False)
                         else f"{identity}: expected {row.expect[identity]}, got {response.status_code}")
        if response.status_code == 302 and row.expect[identity] == 302 and view_name not in (
                "set_language", "logout", "admin:logout", "admin:login"):
            assert "login" in response["Location"], (identity, response["Location"])
    assert not wrong, f"{row.method} {row.path}:\n  " + "\n  ".join(wrong)
