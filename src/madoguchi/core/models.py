"""Accounts, roles per office, device/staff API tokens and the audit log."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTER_STAFF = "counter_staff", _("窓口職員")
    SUPERVISOR = "supervisor", _("課長・フロア管理")
    ADMIN = "admin", _("管理者")


ROLE_RANK = {Role.COUNTER_STAFF: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


DX_PERMISSION = "core.dx_office"


class StaffMembership(models.Model):
    """A staff account's role at one office. One account may work at several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships", verbose_name=_("職員アカウント"))
    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE,
                               related_name="memberships", verbose_name=_("庁舎・拠点"))
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices,
                            default=Role.COUNTER_STAFF)
    class Meta:
        verbose_name = _("職員の所属と役割")
        verbose_name_plural = _("職員の所属と役割")
        constraints = [models.UniqueConstraint(fields=["user", "office"], name="one_role_per_office")]
        # The DX office (情報政策課) works for the whole city, not at one office's counters, so it is
        # a permission given to an account or a group (admin → ユーザー / グループ), not a role here.
        permissions = [(DX_PERMISSION.split(".")[1], _("DX推進（KPI・紙使用量）を閲覧・入力できる"))]

    def __str__(self):
        return f"{self.user} @ {self.office} ({self.get_role_display()})"


class TokenKind(models.TextChoices):
    KIOSK = "kiosk", _("発券機")
    DISPLAY = "display", _("表示盤")
    STAFF = "staff", _("職員")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for a device (kiosk, display) or a staff member's program.

    Only the SHA-256 of the key is stored; the key itself is shown once.
    """

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("種類"), max_length=10, choices=TokenKind.choices)
    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE,
                               related_name="tokens", verbose_name=_("庁舎・拠点"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="api_tokens",
                             verbose_name=_("職員アカウント"),
                             help_text=_("種類が「職員」のとき必須。権限はその職員の役割に従います。"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("キーの先頭"), max_length=8, editable=False)
    is_active = models.BooleanField(_("有効"), default=True)
    is_demo = models.BooleanField(_("デモ用"), default=False)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()}, {self.key_prefix}…)"

    def set_key(self, raw: str | None = None) -> str:
        raw = raw or secrets.token_urlsafe(32)
        self.key_hash = hash_token(raw)
        self.key_prefix = raw[:8]
        return raw


class AuditLog(models.Model):
    """Append-only record of who changed what (master data, tokens, accounts).

    Ticket transitions have their own event log (queueing.TicketEvent), which
    carries the same who/when/where and is the audit trail for the queue.
    """

    at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    actor = models.CharField(_("操作者"), max_length=150)
    action = models.CharField(_("操作"), max_length=64)
    target = models.CharField(_("対象"), max_length=200, blank=True)
    detail = models.JSONField(_("詳細"), default=dict, blank=True)

    class Meta:
        verbose_name = _("操作記録")
        verbose_name_plural = _("操作記録")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("AuditLog rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("AuditLog rows are append-only")
