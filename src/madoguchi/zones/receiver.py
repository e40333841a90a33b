"""Public side: accept signed pushes from the internal side and apply them."""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from madoguchi.core.timeutil import business_date, now
from madoguchi.live.broker import get_broker

from .models import PublicOffice, PublicTicket, ZoneReceipt
from .signing import Refused, verify

log = logging.getLogger(__name__)

MAX_BODY = 8 * 1024 * 1024
KEEP_DAYS = 2  # yesterday's ticket pages still answer "expired", older rows go


def _refuse(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "detail": None}, status=status)


def verified(request, *, what: str) -> tuple[str, int] | JsonResponse:
    """The sender and sequence of a signed zone request, or the refusal to answer with
    (too large, not signed with the zone secret, too old, replayed)."""
    if len(request.body) > MAX_BODY:
        return _refuse(413, "too_large", "送信データが大きすぎます。")
    try:
        return verify(settings.ZONE_SECRET, request.headers, request.body,
                      max_skew=settings.ZONE_MAX_SKEW_SECONDS)
    except Refused as exc:
        log.warning("zone %s refused (%s): %s", what, exc.code, exc.message)
        return _refuse(401 if exc.code != "zone_not_configured" else 503, exc.code,
                       "署名を確認できないため受け付けません。")


@csrf_exempt
@require_POST
def sync(request):
    """``POST /zone/v1/sync`` — one office's board and ticket statuses (internal → public)."""
    checked = verified(request, what="push")
    if isinstance(checked, JsonResponse):
        return checked
    sender, sequence = checked
    try:
        payload = json.loads(request.body)
        office_code = payload["office"]["code"]
    except (ValueError, KeyError, TypeError):
        return _refuse(400, "bad_payload", "送信データの形式が正しくありません。")
    try:
        apply_payload(payload, sender=sender, sequence=sequence)
    except Refused as exc:
        log.warning("zone push refused (%s) from %s: %s", exc.code, sender, exc.message)
        return _refuse(409, exc.code, "同じ連携データは二度受け付けません。")
    return JsonResponse({"ok": True, "office": office_code, "sequence": sequence})


def apply_payload(payload: dict, *, sender: str, sequence: int) -> None:
    """Store the office's state, then publish it to live pages and evaluate notices."""
    at = now()
    with transaction.atomic():
        receipt, _ = ZoneReceipt.objects.get_or_create(
            sender=sender, defaults={"last_sequence": 0, "received_at": at})
        receipt = ZoneReceipt.objects.select_for_update().get(pk=receipt.pk)
        if sequence <= receipt.last_sequence:
            raise Refused("replayed", f"sequence {sequence} <= {receipt.last_sequence}")
        receipt.last_sequence = sequence
        receipt.received_at = at
        receipt.save(update_fields=["last_sequence", "received_at"])

        office = payload["office"]
        defaults = {
            "name": office.get("name", ""), "name_en": office.get("name_en", ""),
            "display_order": office.get("display_order", 0), "board": payload["board"],
            "categories": payload.get("categories", []), "received_at": at}
        if "calendar" in payload:  # sent with the open data, once a minute
            defaults["calendar"] = payload["calendar"]
        PublicOffice.objects.update_or_create(code=office["code"], defaults=defaults)
        tickets = payload.get("tickets", [])
        existing = dict(PublicTicket.objects.filter(public_id__in=[t["public_id"] for t in tickets])
                        .values_list("public_id", "pk"))
        new_rows, changed = [], []
        for status in tickets:
            row = PublicTicket(public_id=status["public_id"], office_code=office["code"],
                               business_date=dt.date.fromisoformat(status["business_date"]),
                               status=status, updated_at=at)
            if status["public_id"] in existing:
                row.pk = existing[status["public_id"]]
                changed.append(row)
            else:
                new_rows.append(row)
        PublicTicket.objects.bulk_create(new_rows, batch_size=500)
        PublicTicket.objects.bulk_update(changed, ["status", "updated_at"], batch_size=500)
        PublicTicket.objects.filter(business_date__lt=business_date() - dt.timedelta(days=KEEP_DAYS)).delete()
        if "handover_keys" in payload:
            from madoguchi.handover.services import public_keys_receive

            public_keys_receive(office_code=office["code"], keys=payload["handover_keys"])
        if "reservations" in payload:
            from madoguchi.reservations.zone import incoming_apply

            incoming_apply(office=office, part=payload["reservations"], at=at)
        if "forecast" in payload:
            from madoguchi.forecasting.zone import incoming_apply as forecast_apply

            forecast_apply(office_code=office["code"], part=payload["forecast"])
        stats = payload.get("stats")
        if stats:
            from madoguchi.opendata.services import stats_publish

            stats_publish(office_code=office["code"], date=dt.date.fromisoformat(stats["date"]),
                          rows=stats["rows"])
        board = json.dumps(payload["board"], ensure_ascii=False, separators=(",", ":"))
        transaction.on_commit(lambda: get_broker().publish(office["code"], "board", board))
    if tickets:
        from madoguchi.notices.services import notice_evaluate

        notice_evaluate(statuses=tickets)
