"""Case API (``/api/v1/cases``), internal side only: not routed when MADOGUCHI_ROLE=public.
Who may call each operation: its row in core/permissions.py (staff of the office; the
service checks the case's office)."""

from django.conf import settings
from ninja import Router, Status

from madoguchi.core.errors import NotFound
from madoguchi.queueing.api import ticket_out
from madoguchi.queueing.schemas import ErrorOut

from . import selectors, services
from .schemas import CaseOpenIn, CaseOut, CaseRouteIn, CaseRouteOut, ProcedureIn

router = Router(tags=["cases"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 503: ErrorOut}


def _internal_only() -> None:
    # Defence in depth: api.py adds this router only off the public side.
    if settings.ROLE == "public":
        raise NotFound("見つかりません。", code="not_found")


@router.post("/cases", response={201: CaseOut, **ERRORS},
             summary="来庁案件を開く (staff): {payload} a scanned hand-over, or {life_event, answers}; "
                     "409 handover_replayed (detail.case names the case) when this office already "
                     "opened the same hand-over: nothing is stored")
def open_case(request, payload: CaseOpenIn):
    _internal_only()
    office = payload.office or _office_of(request.actor)
    if payload.payload is not None:
        case = services.case_open(actor=request.actor, office=office, payload=payload.payload,
                                  ticket_id=payload.ticket)
    else:
        case = services.case_open(actor=request.actor, office=office, life_event=payload.life_event,
                                  answers=payload.answers, on=payload.on,
                                  source=payload.source or "interview", ticket_id=payload.ticket)
    return Status(201, selectors.case_detail(case))


def _office_of(actor):
    """Without ``office``: the token's office, or the clerk's only office."""
    from madoguchi.core.errors import ServiceError
    from madoguchi.queueing.models import Office

    if actor.roles:
        if len(actor.roles) == 1:
            return Office.objects.get(pk=next(iter(actor.roles)))
        raise ServiceError("複数の庁舎に所属しているため、庁舎を特定できません。庁舎ごとのトークンを使ってください。",
                           code="office_ambiguous", status=422)
    raise ServiceError("庁舎を特定できません。庁舎ごとのトークンを使ってください。", code="office_ambiguous",
                       status=422)


@router.get("/cases/{code}", response={200: CaseOut, **ERRORS}, summary="来庁案件 (staff of its office)")
def get_case(request, code: str):
    _internal_only()
    case = services.case_view(actor=request.actor, case_code=code, via="api")
    return selectors.case_detail(case)


@router.post("/cases/{code}/procedures/{procedure}", response={200: CaseOut, **ERRORS},
             summary="手続きの状況・メモを変える (staff of its office)")
def set_procedure(request, code: str, procedure: str, payload: ProcedureIn):
    _internal_only()
    services.case_set_procedure(actor=request.actor, case_code=code, procedure=procedure,
                                status=payload.status, note=payload.note)
    return selectors.case_detail(selectors.case_by_code(code))


@router.post("/cases/{code}/route", response={200: CaseRouteOut, **ERRORS},
             summary="次の窓口へ: 整理券を次の課の受付区分へ、順番を保ったまま回す (staff of its office)")
def route_case(request, code: str, payload: CaseRouteIn):
    _internal_only()
    ticket = services.case_route(actor=request.actor, case_code=code, ticket_id=payload.ticket,
                                 category_code=payload.category)
    return {"case": selectors.case_by_code(code).code, **ticket_out(ticket)}
