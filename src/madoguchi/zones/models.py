"""The public side's copy of the queue: what citizens may see, nothing personal.

These tables are written only by the zone receiver (``ROLE=public``). In
``all`` and ``internal`` the queue tables themselves are the source.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicOffice(models.Model):
    code = models.SlugField(_("コード"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("名称（英語）"), max_length=100, blank=True)
    display_order = models.PositiveIntegerField(default=0)
    # The board in the public API's shape, and the category names in other languages.
    board = models.JSONField(default=dict)
    categories = models.JSONField(default=list)
    # The office calendar (開庁日・受付時間) from today on, as GET …/calendar answers it.
    calendar = models.JSONField(_("開庁日"), default=list, blank=True)
    received_at = models.DateTimeField(_("最終受信日時"))

    class Meta:
        verbose_name = _("公開側の庁舎情報")
        verbose_name_plural = _("公開側の庁舎情報")
        ordering = ["display_order", "code"]

    def __str__(self):
        return self.name


class PublicTicket(models.Model):
    """One ticket's anonymous status, keyed by its unguessable id."""

    public_id = models.CharField(max_length=32, unique=True)
    office_code = models.SlugField(max_length=32)
    business_date = models.DateField()
    status = models.JSONField(default=dict)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("公開側の整理券状態")
        verbose_name_plural = _("公開側の整理券状態")
        indexes = [models.Index(fields=["office_code", "business_date"])]

    def __str__(self):
        return f"{self.office_code} {self.status.get('number')} ({self.status.get('state')})"


class ZoneReceipt(models.Model):
    """The highest sequence number accepted from one sender: older or equal ones are replays."""

    sender = models.CharField(max_length=64, unique=True)
    last_sequence = models.BigIntegerField(default=0)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("連携の受信記録")
        verbose_name_plural = _("連携の受信記録")

    def __str__(self):
        return f"{self.sender}: {self.last_sequence}"


class PullCursor(models.Model):
    """Internal side: how far the pull of one kind of data from the public side has come."""

    name = models.CharField(max_length=64, unique=True)
    since = models.DateTimeField(null=True, blank=True)
    code = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("取込の位置")
        verbose_name_plural = _("取込の位置")

    def __str__(self):
        return f"{self.name}: {self.since}"
