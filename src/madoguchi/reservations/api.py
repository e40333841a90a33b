"""Reservation API (``/api/v1``): the booking contract of issue 11. Who may call each operation:
its row in core/permissions.py. Anyone may book; ALTCHA and a per-address limit keep scripts out."""

from __future__ import annotations

import csv
import io
import json

from django.conf import settings
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from ninja import Query, Router, Status

from madoguchi.core.errorpages import error_response
from madoguchi.core.errors import NotFound, ServiceError
from madoguchi.core.throttle import RateLimited, check_rate, client_address, lookup_by_code
from madoguchi.core.timeutil import JST, business_date
from madoguchi.queueing.schemas import ErrorOut

from . import altcha, mail, selectors, services
from .models import Reservation
from .schemas import (
    BookedOut,
    CancelIn,
    FreeSlotsOut,
    FreeSlotsQuery,
    ReservationIn,
    ReservationOut,
    ReservationTypeOut,
    SlotOut,
    SlotsQuery,
)

router = Router(tags=["reservations"])


class TooManyBookings(ServiceError):
    status = 429
    code = "rate_limited"
    message = ("このネットワークからの予約が多すぎるため、しばらく予約を受け付けられません。"
               "時間をおいてもう一度お試しください。")


def reservation_url(request, code: str) -> str:
    """The citizen's page of a booking (its code and QR): the route ``reservation-page``, else
    ``/r/<code>/``."""
    try:
        path = reverse("reservation-page", args=[code])
    except NoReverseMatch:
        path = f"/r/{code}/"
    return f"{settings.PUBLIC_URL}{path}" if settings.PUBLIC_URL else request.build_absolute_uri(path)


def reservation_out(reservation: Reservation) -> dict:
    return {"code": reservation.code, "office": reservation.office.code, "type": reservation.type.code,
            "type_name": selectors.type_name(reservation.type), "start": reservation.start,
            "end": reservation.end, "status": reservation.status,
            "procedures": list(reservation.procedures or [])}


@router.get("/offices/{code}/reservation-types",
            response={200: list[ReservationTypeOut], 404: ErrorOut}, summary="予約の種類 (public)")
def reservation_types(request, code: str):
    office = services.office_by_code(code)
    return [{"code": t.code, "name": selectors.type_name(t), "slots_needed": t.slots_needed or 1,
             "kind": t.kind} for t in selectors.reservation_types(office)]


@router.get("/offices/{code}/slots", response={200: list[SlotOut], 404: ErrorOut, 422: ErrorOut},
            summary="予約できる時間と空き (public)")
def reservation_slots(request, code: str, query: Query[SlotsQuery]):
    office = services.office_by_code(code)
    rtype = services.type_by_code(office, query.type)
    rows = selectors.free_slots(rtype, first=query.start or business_date(), days=query.days,
                                needed=query.slots)
    # Written here rather than through the schema: a week of half-hour slots is hundreds of rows,
    # and pydantic's output validation of them cost more than computing them (docs/benchmarks.md).
    body = json.dumps([{"start": r["start"].astimezone(JST).isoformat(), "end": r["end"].astimezone(JST).isoformat(),
                        "free": r["free"]} for r in rows], separators=(",", ":"))
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/altcha/challenge", response={200: dict}, summary="ALTCHA の課題 (public; the library's JSON)")
def altcha_challenge(request):
    return altcha.challenge()


@router.post("/offices/{code}/reservations",
             response={201: BookedOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut,
                       503: ErrorOut},
             summary="来庁予約をする (public; ALTCHA required; 409 slot_full, 422 altcha_invalid)")
def book_reservation(request, code: str, payload: ReservationIn):
    try:
        check_rate(request, "reserve", "address", client_address(request),
                   settings.THROTTLE.get("reserve", {}).get("address"))
    except RateLimited as exc:
        return error_response(request, 429, "rate_limited", TooManyBookings.message, detail=exc.detail,
                              retry_after=exc.retry_after)
    services.office_by_code(code)
    altcha.verify(payload.altcha)
    if payload.email:
        _check_email(payload.email)
    mail.request_base.set(request.build_absolute_uri("/").rstrip("/"))  # the e-mail's links
    reservation = services.reservation_book(
        actor=services.CITIZEN, office=code, type_code=payload.type, start=payload.start,
        email=payload.email, lang=payload.lang or getattr(request, "LANGUAGE_CODE", None),
        answers=payload.answers, notice_number=payload.notice_number, birth_date=payload.birth_date)
    return Status(201, {"code": reservation.code, "start": reservation.start, "end": reservation.end,
                        "status_url": reservation_url(request, reservation.code)})


def _check_email(value: str) -> None:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except ValidationError:
        raise ServiceError("メールアドレスの形式が正しくありません。", code="invalid_email", status=422) from None


@router.get("/reservations/{code}", response={200: ReservationOut, 404: ErrorOut, 429: ErrorOut},
            summary="予約の内容 (public; the holder of the code)")
def get_reservation(request, code: str):
    return reservation_out(_by_code(request, code))


def _by_code(request, code: str):
    """The booking of ``code``; only misses count against the address (guessing codes)."""
    reservation = lookup_by_code(request, selectors.LOOKUP_SCOPE, lambda: selectors.reservation_by_code(code))
    if reservation is None:
        raise NotFound("指定された予約が見つかりません。予約番号を確かめてください。", code="reservation_not_found")
    return reservation


@router.post("/reservations/{code}/cancel",
             response={200: ReservationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut,
                       503: ErrorOut},
             summary="予約を取り消す (public; the holder of the code)")
def cancel_reservation(request, code: str, payload: CancelIn | None = None):
    reservation = services.reservation_cancel(actor=services.CITIZEN, code=_by_code(request, code).code,
                                              token=payload.token if payload else None)
    return reservation_out(reservation)


# ------------------------------------------------------------------ open data

_PUBLIC_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}


def _free_rows(code: str, query: FreeSlotsQuery) -> tuple[str, list[dict]]:
    office = services.office_by_code(code)
    first = query.start or business_date()
    return office.code, selectors.free_slots_by_day(office, first=first, days=query.days)


@router.get("/offices/{code}/reservation-slots.json", response={200: FreeSlotsOut, 404: ErrorOut, 422: ErrorOut},
            tags=["opendata"], summary="予約枠の空き 日別・種類別 JSON (public; オープンデータ、集計値のみ)")
def free_slots_json(request, code: str, query: Query[FreeSlotsQuery], response: HttpResponse):
    office_code, rows = _free_rows(code, query)
    for header, value in _PUBLIC_HEADERS.items():
        response[header] = value
    return {"office": office_code, "columns": list(selectors.OPEN_DATA_COLUMNS), "rows": rows}


@router.get("/offices/{code}/reservation-slots.csv", response={200: None, 404: ErrorOut, 422: ErrorOut},
            tags=["opendata"], summary="予約枠の空き 日別・種類別 CSV (public; オープンデータ、集計値のみ)",
            openapi_extra={"responses": {200: {
                "description": "UTF-8 (BOM 付き) CSV: " + ",".join(selectors.OPEN_DATA_COLUMNS),
                "content": {"text/csv": {"schema": {"type": "string"}}}}}})
def free_slots_csv(request, code: str, query: Query[FreeSlotsQuery]):
    office_code, rows = _free_rows(code, query)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(selectors.OPEN_DATA_COLUMNS)
    for row in rows:
        writer.writerow([row[column] for column in selectors.OPEN_DATA_COLUMNS])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8",
                            headers=_PUBLIC_HEADERS)
    first = rows[0]["date"] if rows else (query.start or business_date()).isoformat()
    response["Content-Disposition"] = f'attachment; filename="madoguchi-reservation-slots-{office_code}-{first}.csv"'
    return response
