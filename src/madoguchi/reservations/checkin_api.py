"""Check-in of a booking by the office's kiosk (``POST /api/v1/offices/{code}/check-in``): the
ticket as ``POST …/tickets`` answers it, and whether it is a fast-lane one. Who may call it: its
row in core/permissions.py (the office's kiosk, or its staff)."""

from __future__ import annotations

from ninja import Router, Schema, Status

from madoguchi.core.throttle import api_device, limit
from madoguchi.queueing import selectors as queue_selectors
from madoguchi.queueing.api import ERRORS, status_url
from madoguchi.queueing.schemas import ErrorOut

from . import services

router = Router(tags=["reservations"])


class CheckInIn(Schema):
    reservation: str  # the code as printed (ABCD-2345), typed, or the QR's text (RSV:…)


class CheckedInOut(Schema):
    id: str
    number: int
    category: str
    waiting_ahead: int
    status_url: str
    reservation: str
    fast_lane: bool  # false: the booking's window had passed, an ordinary ticket
    case: str | None = None  # the one-stop case opened on the ticket (inside only)


@router.post("/offices/{code}/check-in", response={201: CheckedInOut, 200: CheckedInOut, **ERRORS,
                                                    429: ErrorOut},
             summary="予約の受付: 予約番号（QR）から番号札を発行 (kiosk token or staff of the office); "
                     "within the window a fast-lane ticket, later an ordinary one; read again: the same "
                     "ticket with 200")
@limit("issue", device=api_device)
def reservation_check_in(request, code: str, payload: CheckInIn):
    done = services.reservation_check_in(actor=request.actor, office=code, code=payload.reservation)
    ticket = done.ticket
    return Status(200 if done.replayed else 201, {
        "id": ticket.public_id, "number": ticket.number, "category": ticket.category.code,
        "waiting_ahead": queue_selectors.ticket_people_ahead(ticket), "status_url": status_url(request, ticket),
        "reservation": done.reservation.code, "fast_lane": not done.late,
        "case": getattr(done.case, "code", None)})
