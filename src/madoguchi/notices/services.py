"""Writes of the notices app: subscribe, unsubscribe, and deciding which notices are due.

``notice_evaluate`` is the one entry point the zone sync calls (in every
role that serves citizens) with anonymous ticket status snapshots; it never
looks at the queue tables, which are empty on the public side.

Idempotence, per subscription:

* ``near`` — at most once: when the ticket is ``waiting`` with
  ``waiting_ahead <= notify_ahead``. A subscription made when the ticket is
  already that close gets it at the next evaluation (it is still true).
* ``called`` — at most once per call. A call is identified by the counter and,
  when the snapshot carries them, ``recall_count`` / ``called_at``: so a
  recall re-notifies only if the snapshot tells a recall from a repeat; the
  same call seen again never does. Going back to ``waiting`` or ``held``
  (hold, transfer) ends the call, and the next call notifies again.

The flags live on the subscription and are claimed under a row lock, so two
evaluations of the same snapshot at once (two web workers) enqueue once.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.db import atomic_with_retry
from madoguchi.core.errors import Conflict, NotFound, ServiceError

from . import messages
from .models import (
    Channel,
    DeliveryStatus,
    EmailSubscription,
    NoticeDelivery,
    NoticeKind,
    PushSubscription,
)
from .vapid import b64url_decode

log = logging.getLogger(__name__)

ACTIVE_STATES = {"waiting", "called", "held"}
ENDED_STATES = {"done", "no_show", "cancelled", "expired"}
DEFAULT_NOTIFY_AHEAD = 5
# A ticket lives one business day; anything older is a leftover whose ending we never heard.
SUBSCRIPTION_MAX_AGE = dt.timedelta(hours=24)
_CHUNK = 500


class NoticesUnavailable(ServiceError):
    status = 503
    code = "notices_unavailable"
    message = "このサーバーでは通知を受け付けていません。"


class TooManySubscriptions(ServiceError):
    status = 429
    code = "too_many_subscriptions"
    message = "この整理券に登録できる通知の数の上限に達しました。"


def notices_enabled() -> bool:
    """Notices are served where citizens' pages are fed with statuses (not ``internal``)."""
    return settings.ROLE in ("all", "public")


def email_enabled() -> bool:
    """Email is offered when mail can really leave (SMTP or an explicit backend) or in a demo."""
    return bool(settings.NOTICES_EMAIL_ENABLED or settings.EMAIL_HOST or settings.DEMO or settings.DEBUG)


# ---------------------------------------------------------------- evaluation

def _call_key(status: dict) -> str:
    return "|".join(str(status.get(k) or "") for k in ("counter", "recall_count", "called_at")) or "called"


def _chunks(items: list, size: int = _CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _page_path(public_id: str) -> str:
    return reverse("ticket-page", args=[public_id])


def _delivery(sub, channel: str, kind: str, status: dict) -> NoticeDelivery:
    url = sub.page_url or _page_path(status["public_id"])
    return NoticeDelivery(
        ticket_id=status["public_id"], office=status.get("office") or "", number=status.get("number"),
        channel=channel, kind=kind, lang=sub.lang, status=DeliveryStatus.QUEUED,
        message=messages.render(kind, status, lang=sub.lang, url=url),
        next_attempt_at=timezone.now(),
        push_subscription=sub if channel == Channel.PUSH else None,
        email_subscription=sub if channel == Channel.EMAIL else None,
    )


def _decide(sub, status: dict) -> str | None:
    """Update ``sub``'s flags for ``status``; return the kind of notice now due, if any."""
    state = status.get("state")
    if state == "called":
        sub.near_notified = True  # once called, "almost your turn" is past
        key = _call_key(status)
        if sub.called_key != key:
            sub.called_key = key
            return NoticeKind.CALLED
        return None
    sub.called_key = ""
    if state == "waiting" and not sub.near_notified:
        notify_ahead = status.get("notify_ahead")
        notify_ahead = DEFAULT_NOTIFY_AHEAD if notify_ahead is None else int(notify_ahead)
        if int(status.get("waiting_ahead") or 0) <= notify_ahead:
            sub.near_notified = True
            return NoticeKind.NEAR
    return None


def _subscribed_ids(ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(PushSubscription.objects.filter(ticket_id__in=chunk).values_list("ticket_id", flat=True))
        found.update(EmailSubscription.objects.filter(ticket_id__in=chunk).values_list("ticket_id", flat=True))
    return found


def on_board_published(event) -> None:
    """Queue hook (``hooks.BOARD_PUBLISHED``): with ROLE ``all`` one process is both sides, so
    the statuses of subscribed tickets are read here and their due notices enqueued."""
    from django.conf import settings

    if settings.ROLE != "all":
        return
    subscribed = subscribed_ticket_ids()
    if not subscribed:
        return
    from madoguchi.queueing.models import Office
    from madoguchi.queueing.selectors import office_ticket_statuses

    office = Office.objects.get(pk=event.office_id)
    notice_evaluate(statuses=office_ticket_statuses(office, only=subscribed), subscribed=subscribed)


def subscribed_ticket_ids() -> set[str]:
    """Every ticket someone subscribed to (subscriptions end with their ticket, so few)."""
    return (set(PushSubscription.objects.values_list("ticket_id", flat=True).distinct())
            | set(EmailSubscription.objects.values_list("ticket_id", flat=True).distinct()))


def notice_evaluate(*, statuses: list[dict], subscribed: set[str] | None = None) -> int:
    """Enqueue the notices due for these ticket statuses; forget tickets that ended.

    Called with the current status of an office's active tickets plus tickets
    that just ended. Returns how many deliveries were enqueued. Costs two
    reads when none of the tickets has a subscription (the usual case);
    none when the caller already knows the ``subscribed`` ticket ids.
    """
    by_id = {s["public_id"]: s for s in statuses if s.get("public_id")}
    if not by_id:
        return 0
    subscribed = (_subscribed_ids(list(by_id)) if subscribed is None
                  else {pid for pid in subscribed if pid in by_id})
    if not subscribed:
        return 0
    ended = [pid for pid in subscribed if by_id[pid].get("state") in ENDED_STATES]
    live = [pid for pid in subscribed if by_id[pid].get("state") in ACTIVE_STATES]
    deliveries: list[NoticeDelivery] = []
    with transaction.atomic():
        for model, channel in ((PushSubscription, Channel.PUSH), (EmailSubscription, Channel.EMAIL)):
            changed = []
            for chunk in _chunks(live):
                for sub in model.objects.select_for_update().filter(ticket_id__in=chunk).order_by("pk"):
                    before = (sub.near_notified, sub.called_key)
                    kind = _decide(sub, by_id[sub.ticket_id])
                    if kind is not None:
                        deliveries.append(_delivery(sub, channel, kind, by_id[sub.ticket_id]))
                    if (sub.near_notified, sub.called_key) != before:
                        changed.append(sub)
            if changed:
                model.objects.bulk_update(changed, ["near_notified", "called_key"])
        if deliveries:
            NoticeDelivery.objects.bulk_create(deliveries)
        if ended:
            _forget_tickets(ended)
    if deliveries:
        transaction.on_commit(_wake_worker, robust=True)
    return len(deliveries)


def _forget_tickets(ticket_ids: list[str]) -> None:
    """The ticket ended: nothing more to tell, and the address must not outlive it."""
    for chunk in _chunks(ticket_ids):
        NoticeDelivery.objects.filter(ticket_id__in=chunk, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.CANCELLED, last_error="ticket ended before delivery",
            updated_at=timezone.now())
        PushSubscription.objects.filter(ticket_id__in=chunk).delete()
        EmailSubscription.objects.filter(ticket_id__in=chunk).delete()


def notice_purge_stale(*, now: dt.datetime | None = None) -> int:
    """Delete subscriptions older than a business day (their ending was never heard)."""
    cutoff = (now or timezone.now()) - SUBSCRIPTION_MAX_AGE
    ids = sorted(set(PushSubscription.objects.filter(created_at__lt=cutoff).values_list("ticket_id", flat=True))
                 | set(EmailSubscription.objects.filter(created_at__lt=cutoff)
                       .values_list("ticket_id", flat=True)))
    if ids:
        with transaction.atomic():
            _forget_tickets(ids)
    return len(ids)


def _wake_worker() -> None:
    from .worker import wake

    wake()


# ---------------------------------------------------------------- subscriptions

def _active_ticket(ticket_id: str) -> dict:
    """The ticket's public status, refusing unknown and ended tickets."""
    from madoguchi.queueing import public_state

    if not notices_enabled():
        raise NoticesUnavailable()
    status = public_state.get_ticket(ticket_id) if ticket_id else None
    if status is None:
        raise NotFound("整理券が見つかりません。番号札の QR コードから開き直してください。",
                       code="ticket_not_found")
    if status.get("state") not in ACTIVE_STATES:
        raise Conflict("この整理券の受付は終了しているため、通知を申し込めません。", code="ticket_ended")
    status = dict(status, public_id=ticket_id)
    if status.get("notify_ahead") is None:
        status["notify_ahead"] = _notify_ahead(status)
    return status


def _notify_ahead(status: dict) -> int:
    from madoguchi.queueing import public_state

    category = public_state.category_names(status.get("office") or "").get(status.get("category"), {})
    if category.get("notify_ahead") is not None:
        return int(category["notify_ahead"])
    if not public_state.is_public():
        from madoguchi.queueing.models import Category

        value = (Category.objects.filter(office__code=status.get("office"), code=status.get("category"))
                 .values_list("notify_ahead", flat=True).first())
        if value is not None:
            return value
    return DEFAULT_NOTIFY_AHEAD


def _valid_endpoint(endpoint: str) -> bool:
    try:
        parts = urlsplit(endpoint)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" and not (parts.scheme == "http" and settings.NOTICES_PUSH_ALLOW_HTTP):
        return False
    if not host or parts.username or parts.password:
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in settings.NOTICES_PUSH_HOSTS)


def _valid_keys(p256dh: str, auth: str) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        point, secret = b64url_decode(p256dh), b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError):
        return False
    return len(point) == 65 and len(secret) == 16


def _check_cap(model, ticket_id: str) -> None:
    if model.objects.filter(ticket_id=ticket_id).count() >= settings.NOTICES_MAX_SUBSCRIPTIONS:
        raise TooManySubscriptions()


@atomic_with_retry()
def push_subscribe(*, ticket_id: str, endpoint: str, p256dh: str, auth: str, lang: str = "ja",
                   page_url: str = "") -> tuple[PushSubscription, bool, dict]:
    """Register (or refresh) a browser's push subscription for one ticket.

    Returns (subscription, created, the ticket's status with ``notify_ahead``)."""
    status = _active_ticket(ticket_id)
    if not _valid_endpoint(endpoint):
        raise ServiceError("この通知先には送信できません。対応しているブラウザでお試しください。",
                           code="invalid_endpoint", status=422)
    if not _valid_keys(p256dh, auth):
        raise ServiceError("通知の登録情報が正しくありません。ページを再読み込みしてお試しください。",
                           code="invalid_keys", status=422)
    lang = messages.normalize_lang(lang)
    with transaction.atomic():
        sub = PushSubscription.objects.select_for_update().filter(ticket_id=ticket_id, endpoint=endpoint).first()
        created = sub is None
        if created:
            _check_cap(PushSubscription, ticket_id)
            sub = PushSubscription(ticket_id=ticket_id, endpoint=endpoint)
        sub.p256dh, sub.auth, sub.lang, sub.page_url = p256dh, auth, lang, page_url[:500]
        sub.save()
    notice_evaluate(statuses=[status])
    return sub, created, status


def push_unsubscribe(*, ticket_id: str, endpoint: str) -> int:
    """Stop push notices of one ticket to one browser. Returns how many were removed."""
    if not notices_enabled():
        raise NoticesUnavailable()
    deleted, _ = PushSubscription.objects.filter(ticket_id=ticket_id, endpoint=endpoint).delete()
    return deleted


@atomic_with_retry()
def email_subscribe(*, ticket_id: str, email: str, lang: str = "ja",
                    page_url: str = "") -> tuple[EmailSubscription, bool, dict]:
    """Register an address for one ticket's notices; it is deleted when the ticket ends."""
    status = _active_ticket(ticket_id)
    if not email_enabled():
        raise NoticesUnavailable("このサーバーではメールでのお知らせを受け付けていません。",
                                 code="email_unavailable")
    email = (email or "").strip()
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise ServiceError("メールアドレスの形式が正しくありません。", code="invalid_email",
                           status=422) from None
    lang = messages.normalize_lang(lang)
    with transaction.atomic():
        sub = EmailSubscription.objects.select_for_update().filter(ticket_id=ticket_id,
                                                                   email__iexact=email).first()
        created = sub is None
        if created:
            _check_cap(EmailSubscription, ticket_id)
            sub = EmailSubscription(ticket_id=ticket_id, email=email)
        sub.lang, sub.page_url = lang, page_url[:500]
        sub.save()
    notice_evaluate(statuses=[status])
    return sub, created, status


def email_unsubscribe(*, ticket_id: str, email: str) -> int:
    if not notices_enabled():
        raise NoticesUnavailable()
    deleted, _ = EmailSubscription.objects.filter(ticket_id=ticket_id, email__iexact=(email or "").strip()).delete()
    return deleted


# ---------------------------------------------------------------- delivery records

@atomic_with_retry()
def delivery_claim(*, limit: int, lease: dt.timedelta,
                   due_by: dt.datetime | None = None) -> list[NoticeDelivery]:
    """Take up to ``limit`` due deliveries for this worker; another worker skips them.

    The lease (``next_attempt_at`` pushed forward) makes a delivery due again
    if this worker dies mid-send; each claim counts as one attempt.
    """
    from django.db import connection
    from django.db.models import F

    now = timezone.now()
    with transaction.atomic():
        due = NoticeDelivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=min(now, due_by or now))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        NoticeDelivery.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1,
                                                         next_attempt_at=now + lease, updated_at=now)
    return list(NoticeDelivery.objects.filter(pk__in=ids)
                .select_related("push_subscription", "email_subscription").order_by("id"))


@atomic_with_retry()
def delivery_record(*, delivery: NoticeDelivery, outcome: str, error: str = "",
                    retry_after: float | None = None) -> str:
    """Record one attempt: ``sent``, ``retry`` (transient), ``gone`` (endpoint removed),
    ``failed`` (permanent) or ``cancelled`` (nothing to send to). Returns the new status."""
    now = timezone.now()
    fields = {"last_error": error[:300], "updated_at": now}
    if outcome == "sent":
        fields.update(status=DeliveryStatus.SENT, sent_at=now, last_error="")
    elif outcome == "retry" and delivery.attempts < settings.NOTICES_MAX_ATTEMPTS:
        delay = settings.NOTICES_RETRY_SECONDS * (2 ** (delivery.attempts - 1))
        if retry_after is not None:
            delay = max(delay, min(retry_after, 3600))
        fields.update(status=DeliveryStatus.QUEUED, next_attempt_at=now + dt.timedelta(seconds=delay))
    elif outcome == "cancelled":
        fields.update(status=DeliveryStatus.CANCELLED)
    else:
        fields.update(status=DeliveryStatus.FAILED)
    with transaction.atomic():
        # Only the worker holding this attempt may record it.
        NoticeDelivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(**fields)
        if outcome == "gone" and delivery.push_subscription_id:
            PushSubscription.objects.filter(pk=delivery.push_subscription_id).delete()
    if fields["status"] == DeliveryStatus.FAILED:
        log.warning("notice %s (%s/%s) failed after %s attempt(s): %s", delivery.pk, delivery.channel,
                    delivery.kind, delivery.attempts, error)
    return fields["status"]
