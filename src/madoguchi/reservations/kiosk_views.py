"""The kiosk's 「ご予約の方」: a booking's QR (a desk scanner types its text) or its typed code
→ the visitor's ticket, fast-lane within the booking's window, ordinary and said plainly when
late. Inside only (the kiosk stands in the office)."""

from __future__ import annotations

import datetime as dt

import segno
from django.shortcuts import render
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.core.errors import ServiceError
from madoguchi.core.throttle import limit
from madoguchi.core.timeutil import to_jst
from madoguchi.queueing import selectors as queue_selectors
from madoguchi.queueing.api import status_url

from . import services


def _kiosk_device(request, **_kwargs) -> str | None:
    from madoguchi.core.auth import DEVICE_SESSION_KEY

    token_id = request.session.get(DEVICE_SESSION_KEY["kiosk"])
    if token_id:
        return f"token:{token_id}"
    return f"user:{request.user.pk}" if request.user.is_authenticated else None


def _hhmm(value: str | None) -> str:
    try:
        return time_format(to_jst(dt.datetime.fromisoformat(value)), "H:i") if value else ""
    except ValueError:
        return ""


def _message(exc: ServiceError) -> str:
    """The refusal in the visitor's language (the services' messages are Japanese)."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    if exc.code == "checkin_too_early":
        return _("予約の受付は %(time)s からです。時間になってから、もう一度読み取ってください。") % {
            "time": _hhmm(detail.get("opens"))}
    if exc.code == "checkin_not_today":
        start = to_jst(dt.datetime.fromisoformat(detail["start"])) if detail.get("start") else None
        return _("この予約は %(date)s %(time)s です。予約の日にお越しください。") % {
            "date": start.strftime("%Y-%m-%d") if start else "", "time": _hhmm(detail.get("start"))}
    if exc.code == "reservation_cancelled":
        return _("この予約は取り消されています。ご用件を選んで番号札をお取りください。")
    if exc.code in ("reservation_not_found", "not_found"):
        return _("予約が見つかりません。予約番号をお確かめください。わからないときは職員にお声がけください。")
    return _("受付できませんでした。職員にお声がけください。")


@require_POST
@limit("issue", device=_kiosk_device)
def kiosk_check_in(request, code):
    """The kiosk's check-in (permission: the office's kiosk, checked by core.permissions)."""
    office, actor = request.office, request.actor
    try:
        done = services.reservation_check_in(actor=actor, office=office, code=request.POST.get("reservation", ""))
    except ServiceError as exc:
        return render(request, "queueing/_kiosk_error.html", {"message": _message(exc)}, status=exc.status)
    ticket = done.ticket
    url = status_url(request, ticket)
    if getattr(request, "language_chosen", None):
        url += f"?lang={request.language_chosen}"
    status = queue_selectors.ticket_status(ticket)  # people ahead and the wait, as on the ticket page
    return render(request, "reservations/_kiosk_checked_in.html", {
        "office": office, "ticket": ticket, "done": done, "reservation": done.reservation,
        "start": to_jst(done.reservation.start), "ahead": status["waiting_ahead"], "status": status,
        "issued_at": to_jst(ticket.issued_at), "status_url": url,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=5, border=2),
    }, status=200 if done.replayed else 201)
