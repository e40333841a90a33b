"""Stored congestion forecasts (混雑予想): one row per office, category and hour.

Forecasts are derived data, replaced by each nightly refit (``madoguchi manage forecast_refit``);
the event log they come from is the record. Keyed by codes, as the published statistics are, so
the same rows can be served by the internet side without the office master.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HourForecast(models.Model):
    office_code = models.SlugField(_("庁舎・拠点コード"), max_length=32)
    category_code = models.SlugField(_("用件コード"), max_length=32, blank=True,
                                     help_text=_("空欄は庁舎全体"))
    hour = models.DateTimeField(_("時間帯の開始"))
    predicted = models.FloatField(_("予測発券数"))
    level = models.PositiveSmallIntegerField(_("混雑レベル (1–5)"))
    computed_at = models.DateTimeField(_("予測日時"))

    class Meta:
        verbose_name = _("混雑予想")
        verbose_name_plural = _("混雑予想")
        ordering = ["office_code", "category_code", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["office_code", "category_code", "hour"],
                                    name="hour_forecast_once"),
        ]

    def __str__(self):
        return f"{self.office_code}/{self.category_code or '*'} {self.hour:%Y-%m-%d %H}h L{self.level}"
