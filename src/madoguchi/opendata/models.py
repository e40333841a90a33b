"""Aggregates published to the internet side (MADOGUCHI_ROLE=public).

The public side has no queue tables of its own, so the internal side pushes
each office's daily statistics here. Only the aggregate rows cross the zone
boundary; the office is named by its code (the public side need not hold the
office master).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublishedStats(models.Model):
    office_code = models.SlugField(_("庁舎・拠点コード"), max_length=32)
    date = models.DateField(_("日付"))
    rows = models.JSONField(_("集計行"), default=list)
    computed_at = models.DateTimeField(_("集計日時"))

    class Meta:
        verbose_name = _("公開済みの統計")
        verbose_name_plural = _("公開済みの統計")
        ordering = ["office_code", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["office_code", "date"], name="published_stats_once_per_day"),
        ]

    def __str__(self):
        return f"{self.office_code} {self.date:%Y-%m-%d}"
