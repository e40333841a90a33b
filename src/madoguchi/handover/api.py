"""Hand-over API (``/api/v1/handover``). Who may call each operation: core/permissions.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from madoguchi.queueing.schemas import ErrorOut

from . import envelope, selectors, services

router = Router(tags=["handover"])


class KeyOut(Schema):
    kid: str = Field(description="the key id, 8 hex digits (4 bytes in the envelope)")
    office: str
    public_key: str = Field(description="base64url (no padding) of the uncompressed P-256 point, "
                                        "65 bytes: 0x04 || x || y")
    expires_at: dt.datetime | None = Field(
        description="null for an office's current key (no planned end: a rotation replaces it)")


class KeysQuery(Schema):
    office: str | None = Field(None, description="only this office's keys")


class OpenIn(Schema):
    payload: str = Field(max_length=envelope.MAX_TEXT,
                         description="the QR code's text as scanned (MD1:… base45); a hand-over "
                                     "split into codes: its parts MD1.<n>/<m>:…, one a line, in "
                                     "any order")


class HandoverOut(Schema):
    v: int = Field(description="schema version of the content (1)")
    kind: str = Field(description="navigator")
    office: str
    created_at: dt.datetime
    expires_at: dt.datetime
    life_event: str
    answers: dict[str, Any]
    on: dt.date | None
    lang: str
    form: dict[str, Any] | None = Field(
        None, description="the citizen's move form (forms.data.MoveForm, schema v1: kind, "
                          "move_date, old_address, new_address, members, phone, email), "
                          "normalised; null when the hand-over carries only navigator answers")


@router.get("/handover/keys", response=list[KeyOut],
            summary="引継ぎQRを暗号化する庁舎の公開鍵 (public; nothing private is served)")
def handover_keys(request, query: Query[KeysQuery]):
    return selectors.served_keys(query.office)


@router.post("/handover/open",
             response={200: HandoverOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 503: ErrorOut},
             summary="引継ぎQRを開く (staff of the key's office; nothing is stored). 422 codes: "
                     "handover_unrecognised, handover_truncated, handover_tampered, "
                     "handover_unknown_key, handover_expired, handover_invalid")
def handover_open(request, body: OpenIn):
    return services.handover_open(actor=request.actor, payload=body.payload)
