"""Citizen pages: served on both network zones (the public side reads the zone copy)."""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from madoguchi.core.throttle import limit_streams
from madoguchi.core.timeutil import business_date
from madoguchi.live.sse import parse_last_event_id, sse_response

from .. import hooks, public_state
from ..live import publish_board_now


def _public_office(code: str) -> public_state.OfficeInfo:
    office = public_state.get_office(code)
    if office is None:
        raise Http404
    return office


def index(request):
    return render(request, "queueing/index.html", {"offices": public_state.list_offices()})


def office_home(request, code):
    return render(request, "queueing/office_home.html", {"office": _public_office(code)})


def public_board(request, code):
    office = _public_office(code)
    today = (public_state.get_calendar(code, business_date(), 1) or [None])[0]
    return render(request, "queueing/public_board.html",
                  {"office": office, "board": public_state.get_board(code),
                   "stale_after": settings.ZONE_STALE_SECONDS, "today": _today_hours(today)})


def _today_hours(day: dict | None) -> dict | None:
    """Today's reception hours for the board's heading; None for an office open around the
    clock (or a public side that has not received the calendar yet)."""
    if day is None or day["hours"] == [["00:00", "24:00"]]:
        return None

    def short(hhmm: str) -> str:  # "08:45" → "8:45"
        hours, minutes = hhmm.split(":")
        return f"{int(hours)}:{minutes}"

    return {"open": day["open"], "ranges": [(short(a), short(b)) for a, b in day["hours"]]}


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
        "stale_after": settings.ZONE_STALE_SECONDS,
        # What other apps add (the notices' opt-in …), only while the ticket is active.
        "parts": [] if public_state.is_ended(status) else hooks.ticket_page_parts()})


@limit_streams
async def board_events(request, code):
    """SSE: ``event: board`` snapshots and ``event: call`` notices for one office (public)."""
    office = await sync_to_async(public_state.get_office)(code)
    if office is None:
        return JsonResponse({"code": "office_not_found", "message": "指定された庁舎・拠点が見つかりません。",
                             "detail": None}, status=404)
    return sse_response(office.code, parse_last_event_id(request),
                        lambda: publish_board_now(office.code))




def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
