"""Screens: kiosk, counter, lobby display, public board, supervisor, ticket page.

Views only read through selectors and write through services; the live parts
listen to the office's SSE stream.
"""


import segno
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from madoguchi.core.actors import Actor, actor_for_token, actor_for_user
from madoguchi.core.errors import Forbidden, ServiceError
from madoguchi.core.models import ApiToken, Role, TokenKind
from madoguchi.core.timeutil import to_jst
from madoguchi.live.sse import parse_last_event_id, sse_response
from madoguchi.zones import public_state

from . import selectors, services
from .api import status_url
from .live import publish_board_now
from .models import Category, Counter, Office

KIOSK_SESSION_KEY = "madoguchi_kiosk_token"
# The kiosk's refusals in the visitor's language (the services' messages are Japanese).
KIOSK_ERRORS = {
    "category_closed": gettext_lazy("この手続きは現在発券していません。職員にお声がけください。"),
    "range_exhausted": gettext_lazy("本日はこの手続きの番号札の発行を終了しました。職員にお声がけください。"),
}


def _office(code: str) -> Office:
    return get_object_or_404(Office, code=code)


def _public_office(code: str) -> public_state.OfficeInfo:
    office = public_state.get_office(code)
    if office is None:
        raise Http404
    return office


def index(request):
    return render(request, "queueing/index.html", {"offices": public_state.list_offices()})


def office_home(request, code):
    return render(request, "queueing/office_home.html", {"office": _public_office(code)})


# ---------------------------------------------------------------- kiosk

def _kiosk_actor(request, office: Office) -> Actor | None:
    token_id = request.session.get(KIOSK_SESSION_KEY)
    if token_id:
        token = ApiToken.objects.filter(pk=token_id, kind=TokenKind.KIOSK, office=office,
                                        is_active=True).first()
        if token is not None and (not token.is_demo or _demo()):
            return Actor(kind="kiosk", label=token.name, token_id=token.pk, roles={},
                         device_office_id=office.pk)
    if request.user.is_authenticated:
        actor = actor_for_user(request.user)
        if actor.can_issue(office.pk):
            return actor
    return None


def _demo() -> bool:
    from django.conf import settings

    return settings.DEMO


def kiosk(request, code):
    office = _office(code)
    device_key = request.GET.get("device")
    error = None
    if device_key:
        actor = actor_for_token(device_key)
        if actor is not None and actor.kind == "kiosk" and actor.device_office_id == office.pk:
            request.session[KIOSK_SESSION_KEY] = actor.token_id
            return redirect("kiosk", code=office.code)
        error = _("端末キーが正しくないか、この庁舎の発券機用ではありません。")
    actor = _kiosk_actor(request, office)
    if actor is None:
        return render(request, "queueing/kiosk_setup.html", {"office": office, "error": error},
                      status=403 if error else 200)
    board = selectors.board_snapshot(office)
    waiting = {row["category"]: row for row in board["rows"]}
    categories = [(c, waiting.get(c.code)) for c in office.categories.filter(is_active=True)]
    return render(request, "queueing/kiosk.html", {"office": office, "categories": categories})


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=5, border=2)


@require_POST
def kiosk_issue(request, code):
    office = _office(code)
    actor = _kiosk_actor(request, office)
    if actor is None:
        return render(request, "queueing/_kiosk_error.html",
                      {"message": _("この端末は発券機として登録されていません。職員にお声がけください。")},
                      status=403)
    try:
        ticket = services.ticket_issue(actor=actor, office_code=office.code,
                                       category_code=request.POST.get("category", ""))
    except ServiceError as exc:
        message = exc.message
        if exc.code in KIOSK_ERRORS and request.LANGUAGE_CODE != settings.LANGUAGE_CODE:
            message = str(KIOSK_ERRORS[exc.code])
        return render(request, "queueing/_kiosk_error.html", {"message": message}, status=exc.status)
    url = status_url(request, ticket)
    if getattr(request, "language_chosen", None):
        # A visitor who chose a language at the kiosk sees the ticket page in it too.
        url += f"?lang={request.language_chosen}"
    return render(request, "queueing/_kiosk_ticket.html", {
        "office": office, "ticket": ticket, "ahead": selectors.ticket_people_ahead(ticket),
        "status": selectors.ticket_status(ticket), "issued_at": to_jst(ticket.issued_at),
        "status_url": url, "qr_svg": _qr_svg(url),
    }, status=201)


# ---------------------------------------------------------------- public screens

def public_board(request, code):
    office = _public_office(code)
    return render(request, "queueing/public_board.html",
                  {"office": office, "board": public_state.get_board(code),
                   "stale_after": settings.ZONE_STALE_SECONDS})


def display(request, code):
    office = _office(code)
    return render(request, "queueing/display.html",
                  {"office": office, "board": selectors.board_snapshot(office)})


def ticket_page(request, ticket_id):
    """The page the ticket's QR code opens: live, no login, nothing personal."""
    status = public_state.get_ticket(ticket_id)
    if status is None:
        return render(request, "queueing/ticket_missing.html", status=404)
    if request.GET.get("fragment") == "state":  # every phone re-reads this on each queue change
        return render(request, "queueing/_ticket_state.html", {"status": status})
    office = public_state.get_office(status["office"])
    return render(request, "queueing/ticket.html", {
        "ticket_id": ticket_id, "office": office, "status": status,
        "stale_after": settings.ZONE_STALE_SECONDS})


async def board_events(request, code):
    """SSE: ``event: board`` snapshots and ``event: call`` notices for one office (public)."""
    office = await sync_to_async(public_state.get_office)(code)
    if office is None:
        return JsonResponse({"code": "office_not_found", "message": "指定された庁舎・拠点が見つかりません。",
                             "detail": None}, status=404)
    return sse_response(office.code, parse_last_event_id(request),
                        lambda: publish_board_now(office.code))


# ---------------------------------------------------------------- staff screens

def _staff(request, office: Office, minimum: str = Role.COUNTER_STAFF) -> Actor:
    actor = actor_for_user(request.user)
    actor.require_staff(office.pk, minimum)
    return actor


def staff_only(minimum: str = Role.COUNTER_STAFF):
    """Log-in required; staff of another office or a lower role see a clear 403 page."""

    def decorator(view):
        @login_required
        def wrapper(request, code, *args, **kwargs):
            office = _office(code)
            try:
                actor = _staff(request, office, minimum)
            except Forbidden as exc:
                return render(request, "queueing/forbidden.html",
                              {"office": office, "message": exc.message}, status=403)
            return view(request, office, actor, *args, **kwargs)

        wrapper.__name__ = view.__name__
        return wrapper

    return decorator


@staff_only()
def counter_pick(request, office, actor):
    counters = selectors.office_counters(office)
    current = selectors.counters_current(office)
    return render(request, "queueing/counter_pick.html", {
        "office": office, "counters": [(c, current.get(c.pk)) for c in counters]})


def _counter(office: Office, counter_id: int) -> Counter:
    return get_object_or_404(Counter.objects.prefetch_related("categories"), pk=counter_id, office=office)


def _panel_context(office, counter, message=None, error=None):
    version = selectors.office_queue_version(office)
    queue = selectors.counter_queue(counter)
    return {"office": office, "counter": counter, "queue": queue, "message": message, "error": error,
            "transfer_targets": Category.objects.filter(office=office, is_active=True),
            "version": version}


@staff_only()
def counter_screen(request, office, actor, counter_id):
    counter = _counter(office, counter_id)
    context = _panel_context(office, counter)
    return render(request, "queueing/counter.html", context)


@staff_only()
def counter_panel(request, office, actor, counter_id):
    counter = _counter(office, counter_id)
    return render(request, "queueing/_counter_panel.html", _panel_context(office, counter))


COUNTER_ACTIONS = {
    "call-next": lambda actor, counter, post: services.ticket_call_next(actor=actor, counter_id=counter.pk),
    "call": lambda actor, counter, post: services.ticket_call(actor=actor, counter_id=counter.pk,
                                                              ticket_id=post.get("ticket", "")),
    "recall": lambda actor, counter, post: services.ticket_recall(actor=actor, counter_id=counter.pk),
    "hold": lambda actor, counter, post: services.ticket_hold(actor=actor, counter_id=counter.pk),
    "finish": lambda actor, counter, post: services.ticket_finish(actor=actor, counter_id=counter.pk),
    "no-show": lambda actor, counter, post: services.ticket_no_show(actor=actor, counter_id=counter.pk),
    "transfer": lambda actor, counter, post: services.ticket_transfer(
        actor=actor, counter_id=counter.pk, category_code=post.get("category", "")),
    "resume": lambda actor, counter, post: services.ticket_resume(actor=actor, ticket_id=post.get("ticket", "")),
    "cancel": lambda actor, counter, post: services.ticket_cancel(actor=actor, ticket_id=post.get("ticket", "")),
    "open": lambda actor, counter, post: services.counter_set_open(actor=actor, counter_id=counter.pk, is_open=True),
    "close": lambda actor, counter, post: services.counter_set_open(actor=actor, counter_id=counter.pk, is_open=False),
}

ACTION_DONE = {
    "call-next": gettext_lazy("{number}番を呼び出しました。"),
    "call": gettext_lazy("{number}番を呼び出しました。"),
    "recall": gettext_lazy("{number}番を再呼出しました。"),
    "hold": gettext_lazy("{number}番を保留にしました。"),
    "finish": gettext_lazy("{number}番を完了にしました。"),
    "no-show": gettext_lazy("{number}番を不在にしました。"),
    "transfer": gettext_lazy("{number}番を回送しました。"),
    "resume": gettext_lazy("{number}番の保留を解除し、待ちに戻しました。"),
    "cancel": gettext_lazy("{number}番を取り消しました。"),
}


@require_POST
@staff_only()
def counter_action(request, office, actor, counter_id, action):
    counter = _counter(office, counter_id)
    run = COUNTER_ACTIONS.get(action)
    if run is None:
        raise Http404
    message = error = None
    status = 200
    try:
        result = run(actor, counter, request.POST)
    except ServiceError as exc:
        error, status = exc.message, exc.status
    else:
        if action in ("open", "close"):
            message = _("受付を開始しました。") if action == "open" else _("受付を休止しました。")
        elif result is None:
            message = _("お待ちの方はいません。")
        else:
            message = str(ACTION_DONE[action]).format(number=result.number)
    counter.refresh_from_db()
    response = render(request, "queueing/_counter_panel.html",
                      _panel_context(office, counter, message=message, error=error))
    if status != 200 and not request.headers.get("HX-Request"):
        response.status_code = status
    return response


@staff_only(Role.SUPERVISOR)
def supervisor(request, office, actor):
    return render(request, "queueing/supervisor.html", _supervisor_context(office))


@staff_only(Role.SUPERVISOR)
def supervisor_panel(request, office, actor):
    return render(request, "queueing/_supervisor_panel.html", _supervisor_context(office))


def _supervisor_context(office):
    counters = selectors.office_counters(office)
    current = selectors.counters_current(office)
    version = selectors.office_queue_version(office)
    return {"office": office, "board": selectors.board_snapshot(office), "version": version,
            "counters": [(c, current.get(c.pk)) for c in counters],
            "totals": selectors.office_today_totals(office)}


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
