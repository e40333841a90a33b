"""Reads of the notices app."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from madoguchi.core.errors import NotFound
from madoguchi.core.timeutil import to_jst

from .models import EmailSubscription, NoticeDelivery, PushSubscription
from .services import email_enabled


def ticket_notices(ticket_id: str) -> dict:
    """How many subscriptions a ticket has and what was sent (no address, no endpoint)."""
    from madoguchi.queueing import public_state

    if public_state.get_ticket(ticket_id) is None:
        raise NotFound("整理券が見つかりません。番号札の QR コードから開き直してください。",
                       code="ticket_not_found")
    deliveries = NoticeDelivery.objects.filter(ticket_id=ticket_id).order_by("id")[:50]
    return {
        "push_subscriptions": PushSubscription.objects.filter(ticket_id=ticket_id).count(),
        "email_subscriptions": EmailSubscription.objects.filter(ticket_id=ticket_id).count(),
        "email_enabled": email_enabled(),
        "deliveries": [{
            "channel": d.channel, "kind": d.kind, "status": d.status, "attempts": d.attempts,
            "created_at": to_jst(d.created_at).isoformat(timespec="seconds"),
            "sent_at": to_jst(d.sent_at).isoformat(timespec="seconds") if d.sent_at else None,
        } for d in deliveries],
    }


def subscribed_message(notify_ahead: int, *, lang: str, email: bool = False) -> str:
    with translation.override(lang):
        if email:
            return ngettext(
                "メールでお知らせします。前の待ち人数が{n}人以下になったときと、呼出のときに送ります。",
                "メールでお知らせします。前の待ち人数が{n}人以下になったときと、呼出のときに送ります。",
                notify_ahead).format(n=notify_ahead)
        return ngettext(
            "通知を受け取る設定にしました。前の待ち人数が{n}人以下になったときと、呼出のときにお知らせします。",
            "通知を受け取る設定にしました。前の待ち人数が{n}人以下になったときと、呼出のときにお知らせします。",
            notify_ahead).format(n=notify_ahead)


def unsubscribed_message() -> str:
    return _("この整理券の通知をやめました。")
