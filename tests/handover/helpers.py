"""Sealing hand-overs in tests as the citizen's browser does (seal.js): the same envelope."""

from __future__ import annotations

import datetime as dt

from django.apps import apps

from madoguchi.core.timeutil import now
from madoguchi.handover import base45, envelope, keystore
from madoguchi.handover.envelope import PREFIX


def navigator_content(office: str = "demo", *, created_at: dt.datetime | None = None,
                      ttl: dt.timedelta = dt.timedelta(days=7), **overrides) -> dict:
    created = created_at or now()
    content = {
        "v": 1, "kind": "navigator", "office": office,
        "created_at": created.isoformat(), "expires_at": (created + ttl).isoformat(),
        "life_event": "tennyu",
        "answers": {"move_date": "2026-11-20", "has_car": True, "previous_insurance": "unknown",
                    "household": [{"relationship": "head", "birth_date": "1985-04-02"},
                                  {"relationship": "child", "birth_date": "2023-05-05"},
                                  {"relationship": "parent", "birth_date": "1956-01-10"}]},
        "on": "2026-11-28", "lang": "ja",
    }
    content.update(overrides)
    return content


def seal_for(key, content: dict) -> str:
    """Seal ``content`` to an OfficeKey row (its public half, as served)."""
    public = envelope.public_key_from_bytes(keystore.b64url_decode(key.public_key))
    return envelope.seal(content, kid=key.kid, public_key=public)


def body_of(text: str) -> bytes:
    return base45.decode(text[len(PREFIX):])


def text_of(raw: bytes) -> str:
    return PREFIX + base45.encode(raw)


def row_count() -> int:
    """Rows in every table: "nothing stored" means this does not change."""
    return sum(model.objects.count() for model in apps.get_models())
