"""Turn notices: who asked to be told (subscriptions) and what was sent (deliveries).

Tickets are referred to by their unguessable ``public_id`` only: on the public
side the queue tables are empty, so there is no foreign key to ``Ticket``.
Subscriptions hold personal data (an email address, a browser's push endpoint)
and are deleted when the ticket ends; deliveries are the per-ticket record of
what was sent or failed, and keep neither the address nor the endpoint.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VapidKey(models.Model):
    """The server's VAPID key pair when ``MADOGUCHI_VAPID_PRIVATE_KEY`` is unset.

    One row, generated on first use, so every process of the public side signs
    with the same key and browsers' subscriptions stay valid across restarts.
    """

    private_key = models.CharField(max_length=64, help_text="base64url raw P-256 private key (32 bytes)")
    public_key = models.CharField(max_length=100, help_text="base64url uncompressed P-256 point (65 bytes)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("VAPID 鍵")
        verbose_name_plural = _("VAPID 鍵")

    def __str__(self):
        return self.public_key[:16] + "…"


class Channel(models.TextChoices):
    PUSH = "push", _("Web Push")
    EMAIL = "email", _("メール")


class NoticeKind(models.TextChoices):
    NEAR = "near", _("順番が近づいた")
    CALLED = "called", _("呼出")


class SubscriptionBase(models.Model):
    ticket_id = models.CharField(_("整理券ID"), max_length=32, db_index=True)
    lang = models.CharField(_("言語"), max_length=10, default="ja")
    # Absolute link to the ticket page as the citizen reached it (for the email and the click).
    page_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    # What was already enqueued for this subscription (idempotence of notice_evaluate):
    near_notified = models.BooleanField(default=False)
    # Key of the call last notified ("" when the ticket is not being called).
    called_key = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True


class PushSubscription(SubscriptionBase):
    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("Web Push の登録")
        verbose_name_plural = _("Web Push の登録")
        constraints = [models.UniqueConstraint(fields=["ticket_id", "endpoint"],
                                               name="push_endpoint_once_per_ticket")]

    def __str__(self):
        return f"push {self.ticket_id[:6]}…"


class EmailSubscription(SubscriptionBase):
    email = models.EmailField(max_length=254)

    class Meta:
        verbose_name = _("メール通知の登録")
        verbose_name_plural = _("メール通知の登録")
        constraints = [models.UniqueConstraint(fields=["ticket_id", "email"],
                                               name="email_once_per_ticket")]

    def __str__(self):
        return f"email {self.ticket_id[:6]}…"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("送信待ち")
    SENT = "sent", _("送信済み")
    FAILED = "failed", _("失敗")
    # The ticket ended before the notice could go out: nothing left to tell.
    CANCELLED = "cancelled", _("取消")


class NoticeDelivery(models.Model):
    """One notice to one subscription: the outbox row the worker drains, then the record."""

    ticket_id = models.CharField(_("整理券ID"), max_length=32, db_index=True)
    office = models.CharField(_("庁舎・拠点"), max_length=32, blank=True)
    number = models.PositiveIntegerField(_("番号"), null=True, blank=True)
    channel = models.CharField(_("経路"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("種類"), max_length=8, choices=NoticeKind.choices)
    status = models.CharField(_("状態"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.QUEUED)
    lang = models.CharField(_("言語"), max_length=10, default="ja")
    # {"title", "body", "url", ...}: rendered in the subscriber's language when enqueued.
    message = models.JSONField(default=dict)
    attempts = models.PositiveSmallIntegerField(_("試行回数"), default=0)
    last_error = models.CharField(_("直近のエラー"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("次の送信予定"))
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    # The target while it exists; nulled when the ticket ends (no address kept here).
    push_subscription = models.ForeignKey(PushSubscription, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="deliveries")
    email_subscription = models.ForeignKey(EmailSubscription, on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="deliveries")

    class Meta:
        verbose_name = _("通知の送信記録")
        verbose_name_plural = _("通知の送信記録")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.channel}/{self.kind} {self.ticket_id[:6]}… {self.status}"
