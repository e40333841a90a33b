"""Writes of the hand-over app: office keys, and opening a hand-over (audited, stores nothing).

Keys are created and rotated on the internal side only (``madoguchi keys …``); the public
side gets copies of the public halves through the signed zone push (``public_keys_receive``).
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import transaction

from madoguchi.core.actors import Actor
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import Conflict, Forbidden, NotFound, ServiceError
from madoguchi.core.models import Role
from madoguchi.core.timeutil import now
from madoguchi.queueing.models import Office

from . import content as content_schema
from . import envelope, keystore, selectors
from .errors import HandoverRefused
from .models import OfficeKey

log = logging.getLogger(__name__)


def _require_internal() -> None:
    if settings.ROLE == "public":
        raise ServiceError("公開側のサーバーでは引継ぎQRの鍵を作成・更新できません。内部側で実行してください。",
                           code="handover_wrong_zone", status=409)


def _office(actor: Actor, office_code: str) -> Office:
    office = Office.objects.filter(code=office_code).first()
    if office is None:
        raise NotFound(f"庁舎・拠点「{office_code}」が見つかりません。", code="office_not_found")
    actor.require_staff(office.pk, Role.ADMIN)
    return office


def _new_kid() -> str:
    while True:
        kid = secrets.token_hex(4)
        if not OfficeKey.objects.filter(kid=kid).exists():
            return kid


def _create(office: Office) -> OfficeKey:
    private = keystore.generate()
    kid = _new_kid()
    return OfficeKey.objects.create(
        kid=kid, office_code=office.code, created_at=now(),
        public_key=keystore.b64url(keystore.public_bytes(private.public_key())),
        private_key=keystore.wrap(private, kid=kid))


@transaction.atomic
def office_key_create(*, actor: Actor, office_code: str) -> OfficeKey:
    """The office's first key pair. An office with a current key is refused: rotate it."""
    _require_internal()
    office = _office(actor, office_code)
    if OfficeKey.objects.filter(office_code=office.code, retired_at__isnull=True,
                                is_copy=False).exists():
        raise Conflict(f"庁舎・拠点「{office.code}」にはすでに有効な鍵があります。"
                       "鍵を替えるときは madoguchi keys rotate を使ってください。",
                       code="handover_key_exists")
    key = _create(office)
    audit_record(actor=actor, action="handover_key_create", target=f"{office.code} {key.kid}")
    return key


@transaction.atomic
def office_key_rotate(*, actor: Actor, office_code: str) -> OfficeKey:
    """A new current key; the old one stops being served and decrypts for the grace period."""
    _require_internal()
    office = _office(actor, office_code)
    at = now()
    retired = list(OfficeKey.objects.select_for_update().filter(
        office_code=office.code, retired_at__isnull=True, is_copy=False).values_list("kid", flat=True))
    OfficeKey.objects.filter(kid__in=retired).update(retired_at=at)
    key = _create(office)
    audit_record(actor=actor, action="handover_key_rotate", target=f"{office.code} {key.kid}",
                 detail={"retired": retired, "grace_days": settings.HANDOVER_KEY_GRACE_DAYS})
    office_keys_wipe_expired(actor=actor)
    return key


@transaction.atomic
def office_keys_wipe_expired(*, actor: Actor) -> list[str]:
    """Erase the private half of keys past their grace period (they decrypt nothing more)."""
    cutoff = now() - selectors.grace()
    rows = OfficeKey.objects.filter(retired_at__lt=cutoff, private_key__isnull=False, is_copy=False)
    kids = list(rows.values_list("kid", flat=True))
    if kids:
        rows.update(private_key=None)
        audit_record(actor=actor, action="handover_key_wipe", target=",".join(kids))
    return kids


@transaction.atomic
def public_keys_receive(*, office_code: str, keys: list[dict]) -> None:
    """Public side: the office's served keys as the internal side pushed them (signed)."""
    given = {k["kid"]: k for k in keys if k.get("office") == office_code}
    OfficeKey.objects.filter(office_code=office_code, is_copy=True).exclude(kid__in=given).delete()
    existing = set(OfficeKey.objects.filter(kid__in=given).values_list("kid", flat=True))
    OfficeKey.objects.bulk_create([
        OfficeKey(kid=kid, office_code=office_code, public_key=k["public_key"], is_copy=True,
                  created_at=now()) for kid, k in given.items() if kid not in existing])


def handover_open(*, actor: Actor, payload: str) -> dict:
    """The decrypted, checked content of a scanned hand-over, or ``HandoverRefused``.

    Nothing is stored but the audit row of a successful opening (who, which key, which
    life event — none of the answers). The clerk must be staff of the key's office.
    """
    try:
        return _open(actor, payload)
    except HandoverRefused as exc:
        log.info("hand-over refused for %s: %s %s", actor.label, exc.code, exc.detail)
        raise


def _open(actor: Actor, payload: str) -> dict:
    sealed = envelope.parse(payload)
    key = selectors.key_for_kid(sealed.kid)
    if key is None:
        raise HandoverRefused("handover_unknown_key", detail={"kid": sealed.kid})
    office = Office.objects.filter(code=key.office_code).first()
    if office is None:
        raise HandoverRefused("handover_unknown_key", detail={"kid": sealed.kid})
    try:
        actor.require_staff(office.pk)
    except Forbidden as exc:
        if exc.code != "forbidden_office":
            raise
        # The citizen chose another office on their phone: say so, not just "not your office".
        raise Forbidden(f"この引継ぎQRコードは「{office.name}」向けに作成されているため、この庁舎では開けません。"
                        "市民の方に、来庁した庁舎を選んで作成し直してもらってください。",
                        code="handover_other_office", detail={"office": office.code}) from None
    if selectors.key_state(key) == "expired" or key.private_key is None:
        raise HandoverRefused("handover_expired", detail={"kid": sealed.kid, "reason": "key_retired"},
                              message="この引継ぎQRコードは古い鍵で作成されたため、有効期限が切れています。"
                                      "市民の方にQRコードを作成し直してもらってください。")
    private = keystore.unwrap(key.private_key, kid=key.kid)
    content = content_schema.check(envelope.open_sealed(sealed, private), office=key.office_code)
    with transaction.atomic():
        audit_record(actor=actor, action="handover_open", target=f"{office.code} {key.kid}",
                     detail={"kind": content["kind"], "life_event": content["life_event"]})
    return content
