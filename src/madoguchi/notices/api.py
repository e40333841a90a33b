"""Notices API (``/api/v1``). Citizens, no login: knowing a ticket's unguessable id is the authority."""

from __future__ import annotations

from django.conf import settings
from ninja import Router, Schema, Status

from madoguchi.core.throttle import limit, ticket_device
from madoguchi.queueing.schemas import ErrorOut

from . import selectors, services
from .vapid import vapid_public_key

router = Router(tags=["notices"])
ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut}


class PublicKeyOut(Schema):
    vapid_public_key: str


class PushKeysIn(Schema):
    p256dh: str
    auth: str


class PushSubscribeIn(Schema):
    """The browser's ``PushSubscription.toJSON()`` plus the page's language."""

    endpoint: str
    keys: PushKeysIn
    lang: str = "ja"


class PushUnsubscribeIn(Schema):
    endpoint: str


class EmailSubscribeIn(Schema):
    email: str
    lang: str = "ja"


class SubscribedOut(Schema):
    channel: str
    created: bool
    notify_ahead: int
    message: str


class UnsubscribedOut(Schema):
    removed: int
    message: str


class DeliveryOut(Schema):
    channel: str
    kind: str
    status: str
    attempts: int
    created_at: str
    sent_at: str | None


class NoticesOut(Schema):
    push_subscriptions: int
    email_subscriptions: int
    email_enabled: bool
    deliveries: list[DeliveryOut]


def _page_url(request, ticket_id: str) -> str:
    from django.urls import reverse

    path = reverse("ticket-page", args=[ticket_id])
    return f"{settings.PUBLIC_URL}{path}" if settings.PUBLIC_URL else request.build_absolute_uri(path)


@router.get("/push/public-key", response=PublicKeyOut, summary="VAPID 公開鍵 (public)")
def public_key(request):
    return {"vapid_public_key": vapid_public_key()}


@router.get("/tickets/{ticket_id}/notices", response={200: NoticesOut, **ERRORS},
            summary="この整理券の通知の登録数と送信記録 (citizen holding the ticket id)")
def notices_status(request, ticket_id: str):
    return selectors.ticket_notices(ticket_id)


@router.post("/tickets/{ticket_id}/notices/push", response={200: SubscribedOut, 201: SubscribedOut, **ERRORS},
             summary="Web Push の通知を申し込む (citizen holding the ticket id)")
@limit("notices", device=ticket_device)
def push_subscribe(request, ticket_id: str, payload: PushSubscribeIn):
    sub, created, status = services.push_subscribe(
        ticket_id=ticket_id, endpoint=payload.endpoint, p256dh=payload.keys.p256dh,
        auth=payload.keys.auth, lang=payload.lang, page_url=_page_url(request, ticket_id))
    return Status(201 if created else 200, {
        "channel": "push", "created": created, "notify_ahead": status["notify_ahead"],
        "message": selectors.subscribed_message(status["notify_ahead"], lang=sub.lang)})


@router.post("/tickets/{ticket_id}/notices/push/unsubscribe", response={200: UnsubscribedOut, **ERRORS},
             summary="Web Push の通知をやめる (citizen holding the ticket id)")
def push_unsubscribe(request, ticket_id: str, payload: PushUnsubscribeIn):
    removed = services.push_unsubscribe(ticket_id=ticket_id, endpoint=payload.endpoint)
    return {"removed": removed, "message": selectors.unsubscribed_message()}


@router.post("/tickets/{ticket_id}/notices/email", response={200: SubscribedOut, 201: SubscribedOut, **ERRORS},
             summary="メールでの通知を申し込む (citizen holding the ticket id)")
@limit("notices", device=ticket_device)
def email_subscribe(request, ticket_id: str, payload: EmailSubscribeIn):
    sub, created, status = services.email_subscribe(ticket_id=ticket_id, email=payload.email, lang=payload.lang,
                                            page_url=_page_url(request, ticket_id))
    return Status(201 if created else 200, {
        "channel": "email", "created": created, "notify_ahead": status["notify_ahead"],
        "message": selectors.subscribed_message(status["notify_ahead"], lang=sub.lang, email=True)})
