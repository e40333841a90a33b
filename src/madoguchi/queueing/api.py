"""Queue API (``/api/v1``). Who may call each operation: its row in core/permissions.py."""

import json

import pydantic
from django.conf import settings
from django.urls import reverse
from ninja import Query, Router, Status

from madoguchi.core.errors import NotFound, ServiceError
from madoguchi.core.throttle import api_device, limit
from madoguchi.core.timeutil import business_date

from . import public_state, selectors, services
from .models import Office, Ticket
from .schemas import (
    BoardOut,
    CalendarDayOut,
    CalendarQuery,
    CallNextIn,
    CallTicketIn,
    CounterOut,
    ErrorOut,
    IssuedOut,
    IssueIn,
    OfficeOut,
    RouteIn,
    TicketEnvelope,
    TicketStatusOut,
    TransferIn,
)

router = Router(tags=["queue"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 503: ErrorOut}


def status_url(request, ticket: Ticket) -> str:
    path = reverse("ticket-page", args=[ticket.public_id])
    return f"{settings.PUBLIC_URL}{path}" if settings.PUBLIC_URL else request.build_absolute_uri(path)


def ticket_out(ticket: Ticket) -> dict:
    return {"ticket": {
        "id": ticket.public_id, "number": ticket.number, "category": ticket.category.code,
        "state": ticket.state, "counter": ticket.counter.label if ticket.counter_id else None,
        "issued_at": ticket.issued_at, "recall_count": ticket.recall_count,
    }}


@router.get("/offices", response=list[OfficeOut], summary="庁舎・拠点の一覧 (public)")
def list_offices(request):
    return public_state.list_offices()


@router.get("/offices/{code}/board", response={200: BoardOut, 404: ErrorOut},
            summary="混雑状況 (public)")
def board(request, code: str):
    snapshot = public_state.get_board(code)
    if snapshot is None:
        raise NotFound("指定された庁舎・拠点が見つかりません。", code="office_not_found")
    return snapshot


@router.get("/offices/{code}/counters", response={200: list[CounterOut], 404: ErrorOut},
            summary="窓口の一覧 (public)")
def list_counters(request, code: str):
    office = Office.objects.filter(code=code).first()
    if office is None:
        raise NotFound("指定された庁舎・拠点が見つかりません。", code="office_not_found")
    return [{"id": str(c.pk), "name": c.label, "categories": [cat.code for cat in c.categories.all()]}
            for c in selectors.office_counters(office)]


@router.get("/offices/{code}/calendar", response={200: list[CalendarDayOut], 404: ErrorOut, 422: ErrorOut},
            summary="開庁日・受付時間 (public)")
def office_calendar(request, code: str, query: Query[CalendarQuery]):
    days = public_state.get_calendar(code, query.start or business_date(), query.days)
    if days is None:
        raise NotFound("指定された庁舎・拠点が見つかりません。", code="office_not_found")
    return days


@router.post("/offices/{code}/tickets",
             response={201: IssuedOut, 200: IssuedOut, **ERRORS, 422: ErrorOut, 429: ErrorOut},
             summary="整理券を発行 (kiosk token or staff of the office); with an Idempotency-Key header "
                     "a repeat from the same device on the same day answers the first ticket with 200",
             openapi_extra={"parameters": [{
                 "name": "Idempotency-Key", "in": "header", "required": False,
                 "schema": {"type": "string", "maxLength": services.IDEMPOTENCY_KEY_MAX},
                 "description": "One key per tap/request; a repeat issues nothing and answers the "
                                "first ticket (200 instead of 201)."}]})
@limit("issue", device=api_device)
def issue_ticket(request, code: str, payload: IssueIn):
    ticket = services.ticket_issue(actor=request.actor, office_code=code, category_code=payload.category,
                                   idempotency_key=request.headers.get("Idempotency-Key") or None)
    return Status(200 if ticket.replayed else 201, {
                 "id": ticket.public_id, "number": ticket.number, "category": payload.category,
                 "waiting_ahead": selectors.ticket_people_ahead(ticket),
                 "status_url": status_url(request, ticket)})


@router.get("/tickets/{ticket_id}", response={200: TicketStatusOut, 404: ErrorOut},
            summary="整理券の状態 (public; the id is unguessable)")
def ticket_status(request, ticket_id: str):
    status = public_state.get_ticket(ticket_id)
    if status is None:
        return Status(404, {"code": "ticket_not_found", "message": "整理券が見つかりません。", "detail": None})
    return status


@router.post("/tickets/{ticket_id}/resume", response={200: TicketEnvelope, **ERRORS},
             summary="保留を解除して待ちに戻す (staff of the office)")
def resume(request, ticket_id: str):
    return ticket_out(services.ticket_resume(actor=request.actor, ticket_id=ticket_id))


@router.post("/tickets/{ticket_id}/reinstate", response={200: TicketEnvelope, **ERRORS},
             summary="不在から待ちに戻す、元の順番で (staff of the office; same business day)")
def reinstate(request, ticket_id: str):
    return ticket_out(services.ticket_reinstate(actor=request.actor, ticket_id=ticket_id))


@router.post("/tickets/{ticket_id}/route", response={200: TicketEnvelope, **ERRORS},
             summary="別の受付区分へ移す、元の順番で (staff of the office)")
def route(request, ticket_id: str, payload: RouteIn):
    return ticket_out(services.ticket_route(actor=request.actor, ticket_id=ticket_id,
                                            category_code=payload.category, ref=payload.ref))


@router.post("/tickets/{ticket_id}/cancel", response={200: TicketEnvelope, **ERRORS},
             summary="整理券を取り消す (staff of the office)")
def cancel(request, ticket_id: str):
    return ticket_out(services.ticket_cancel(actor=request.actor, ticket_id=ticket_id))


def _optional_body(request, schema):
    """An optional JSON body: clients that send none (or an empty form) keep working."""
    if not request.body.strip() or "json" not in request.content_type:
        return None
    try:
        return schema.model_validate(json.loads(request.body))
    except (ValueError, pydantic.ValidationError) as exc:
        errors = exc.errors(include_url=False) if isinstance(exc, pydantic.ValidationError) else str(exc)
        raise ServiceError("入力内容に誤りがあります。", code="invalid_request", detail=errors,
                           status=422) from None


@router.post("/counters/{counter_id}/call-next",
             response={200: TicketEnvelope, 204: None, **ERRORS, 422: ErrorOut},
             summary="次の番号を呼出 (staff); 204 when nobody waits; 409 counter_busy while another "
                     "ticket is being called, unless finish_current names it",
             openapi_extra={"requestBody": {"required": False, "content": {"application/json": {
                 "schema": CallNextIn.model_json_schema()}}}})
def call_next(request, counter_id: str):
    payload = _optional_body(request, CallNextIn)
    ticket = services.ticket_call_next(actor=request.actor, counter_id=counter_id,
                                       finish_current=payload.finish_current if payload else None)
    if ticket is None:
        return Status(204, None)
    return ticket_out(ticket)


@router.post("/counters/{counter_id}/call", response={200: TicketEnvelope, **ERRORS},
             summary="指定した番号を呼出 (staff)")
def call_ticket(request, counter_id: str, payload: CallTicketIn):
    return ticket_out(services.ticket_call(actor=request.actor, counter_id=counter_id,
                                           ticket_id=payload.ticket, finish_current=payload.finish_current))


@router.post("/counters/{counter_id}/recall", response={200: TicketEnvelope, **ERRORS},
             summary="再呼出 (staff)")
def recall(request, counter_id: str):
    return ticket_out(services.ticket_recall(actor=request.actor, counter_id=counter_id))


@router.post("/counters/{counter_id}/hold", response={200: TicketEnvelope, **ERRORS},
             summary="保留 (staff)")
def hold(request, counter_id: str):
    return ticket_out(services.ticket_hold(actor=request.actor, counter_id=counter_id))


@router.post("/counters/{counter_id}/finish", response={200: TicketEnvelope, **ERRORS},
             summary="完了 (staff)")
def finish(request, counter_id: str):
    return ticket_out(services.ticket_finish(actor=request.actor, counter_id=counter_id))


@router.post("/counters/{counter_id}/no-show", response={200: TicketEnvelope, **ERRORS},
             summary="不在 (staff)")
def no_show(request, counter_id: str):
    return ticket_out(services.ticket_no_show(actor=request.actor, counter_id=counter_id))


@router.post("/counters/{counter_id}/transfer",
             response={200: TicketEnvelope, **ERRORS}, summary="回送 (staff)")
def transfer(request, counter_id: str, payload: TransferIn):
    return ticket_out(services.ticket_transfer(actor=request.actor, counter_id=counter_id,
                                               category_code=payload.category))

