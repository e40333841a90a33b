"""Devices inside the office: the kiosk (発券機) and the lobby display (呼出表示)."""

import datetime as dt
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from madoguchi.core.actors import actor_for_token
from madoguchi.core.auth import DEVICE_SESSION_KEY, device_actor, remember_device
from madoguchi.core.errors import ServiceError
from madoguchi.core.throttle import limit
from madoguchi.core.timeutil import now, to_jst

from .. import calendar, selectors, services
from ..api import status_url
from ..models import Office
from .common import office_or_404 as _office

KIOSK_LANG_SESSION_KEY = "madoguchi_kiosk_lang"  # the language the kiosk was set up in


def _kiosk_home(office: Office, lang: str | None) -> str:
    home = reverse("kiosk", kwargs={"code": office.code})
    return f"{home}?{urlencode({'lang': lang})}" if lang else home


def _return_to(request, office: Office) -> str | None:
    """Where the kiosk goes once a visitor who chose another language is done (None: stay)."""
    own = request.session.get(KIOSK_LANG_SESSION_KEY)
    chosen = getattr(request, "language_chosen", None)
    if not chosen or chosen == own:
        return None
    return _kiosk_home(office, own)


# The kiosk's refusals in the visitor's language (the services' messages are Japanese).
KIOSK_ERRORS = {
    "category_closed": gettext_lazy("この手続きは現在発券していません。職員にお声がけください。"),
    "range_exhausted": gettext_lazy("本日はこの手続きの番号札の発行を終了しました。職員にお声がけください。"),
}


def kiosk(request, code):
    office = _office(code)
    device_key = request.GET.get("device")
    error = None
    if device_key:
        actor = actor_for_token(device_key)
        if actor is not None and actor.kind == "kiosk" and actor.device_office_id == office.pk:
            remember_device(request, actor)
            # The device key leaves the address; a language set up with it stays (?lang=) and
            # is this kiosk's own language, the one it returns to after each visitor.
            chosen = getattr(request, "language_chosen", None)
            if chosen:
                request.session[KIOSK_LANG_SESSION_KEY] = chosen
            else:
                request.session.pop(KIOSK_LANG_SESSION_KEY, None)
            return redirect(_kiosk_home(office, chosen))
        error = _("端末キーが正しくないか、この庁舎の発券機用ではありません。")
    actor = device_actor(request, office.pk, kind="kiosk")
    if actor is None:
        return render(request, "queueing/kiosk_setup.html", {"office": office, "error": error},
                      status=403 if error else 200)
    board = selectors.board_snapshot(office)
    waiting = {row["category"]: row for row in board["rows"]}
    active = list(office.categories.filter(is_active=True))
    # 開庁日・受付時間: closed outside hours; a category past its cut-off shows 受付終了.
    at = now()
    opened = calendar.office_reception(office, at)
    states = calendar.category_receptions(office, at, {c.code: True for c in active})
    categories = [(c, waiting.get(c.code), states[c.code]) for c in active]
    return render(request, "queueing/kiosk.html", {
        "office": office, "categories": categories, "opened": opened,
        "reload_at": calendar.next_change([opened, *states.values()]), "rendered_at": to_jst(at),
        "return_to": _return_to(request, office),
    })


def _next_opening(detail) -> dt.datetime | None:
    value = (detail or {}).get("next_opening")
    return dt.datetime.fromisoformat(value) if value else None


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=5, border=2)


def _kiosk_device(request, **_kwargs) -> str | None:
    """The kiosk's token (the same budget as its API calls), else the clerk at it."""
    token_id = request.session.get(DEVICE_SESSION_KEY["kiosk"])
    if token_id:
        return f"token:{token_id}"
    return f"user:{request.user.pk}" if request.user.is_authenticated else None


@require_POST
@limit("issue", device=_kiosk_device)
def kiosk_issue(request, code):
    """The kiosk's tap (permission: the office's kiosk, checked by core.permissions)."""
    office, actor = request.office, request.actor
    try:
        # One tap = one ticket: kiosk.js sends a key per tap; a repeat from this kiosk's session
        # answers the first ticket (status 200 instead of 201) and issues nothing.
        if not request.session.session_key:
            request.session.save()
        ticket = services.ticket_issue(actor=actor, office_code=office.code,
                                       category_code=request.POST.get("category", ""),
                                       idempotency_key=request.headers.get("Idempotency-Key") or None,
                                       device=f"session:{request.session.session_key}")
    except ServiceError as exc:
        if exc.code in ("office_closed", "reception_closed"):
            # Closed since the menu was drawn: say so in the visitor's language, with the next opening.
            return render(request, "queueing/_kiosk_closed.html",
                          {"reason": exc.code, "next_opening": _next_opening(exc.detail)}, status=exc.status)
        message = exc.message
        if exc.code in KIOSK_ERRORS and request.LANGUAGE_CODE != settings.LANGUAGE_CODE:
            message = str(KIOSK_ERRORS[exc.code])
        return render(request, "queueing/_kiosk_error.html", {"message": message}, status=exc.status)
    url = status_url(request, ticket)
    if getattr(request, "language_chosen", None):
        # A visitor who chose a language at the kiosk sees the ticket page in it too.
        url += f"?lang={request.language_chosen}"
    status = selectors.ticket_status(ticket)
    return render(request, "queueing/_kiosk_ticket.html", {
        "office": office, "ticket": ticket, "ahead": status["waiting_ahead"], "status": status, "issued_at": to_jst(ticket.issued_at),
        "status_url": url, "qr_svg": _qr_svg(url),
    }, status=200 if ticket.replayed else 201)



# ---------------------------------------------------------------- lobby display

def display(request, code):
    office = _office(code)
    board = selectors.board_snapshot(office)
    return render(request, "queueing/display.html",
                  {"office": office, "board": board,
                   "missed": list(zip(board["missed"], board["missed_until"], strict=False))})
