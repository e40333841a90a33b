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


class WaitCalibration(models.Model):
    """An office's calibration of its wait estimate (docs/estimates.md, "Calibration"): the levels
    at which the P50 and the P80 are read from the runs, learned nightly from the office's own
    event log (the last days replayed: where each real wait fell in its predicted distribution).
    Derived data, replaced by each refit; none stored means 0.5 and 0.8."""

    office_code = models.SlugField(_("庁舎・拠点コード"), max_length=32, unique=True)
    level50 = models.FloatField(_("P50 の読取り水準"))
    level80 = models.FloatField(_("P80 の読取り水準"))
    scored = models.PositiveIntegerField(_("学習に使った呼出数"))
    coverage80 = models.FloatField(_("再生での P80 到達率"), help_text=_("0.8 前後なら較正済み"))
    days = models.DateField(_("学習期間の開始"))
    computed_at = models.DateTimeField(_("計算日時"))

    class Meta:
        verbose_name = _("待ち時間予測の較正")
        verbose_name_plural = _("待ち時間予測の較正")

    def __str__(self):
        return f"{self.office_code} P50@{self.level50:.2f} P80@{self.level80:.2f}"


# --- places (観光地): tourist sites forecast from their own hourly counts ---------------------


class PlaceKind(models.TextChoices):
    MUSEUM = "museum", _("博物館・美術館")
    GARDEN = "garden", _("庭園・公園")
    SHRINE_TEMPLE = "shrine_temple", _("寺社")
    SHOPPING_STREET = "shopping_street", _("商店街・まちなみ")
    VIEWPOINT = "viewpoint", _("展望・景勝地")
    OTHER = "other", _("その他")


class HolidayOnClosedWeekday(models.TextChoices):
    """What a closed weekday does when it is a public holiday of the place's country."""

    CLOSED = "closed", _("祝日でも休館")
    OPEN = "open", _("祝日の場合は開館")
    NEXT_WEEKDAY = "next_weekday", _("祝日の場合は開館し、翌平日に休館")


class Place(models.Model):
    """A tourist site (観光地) with counters of its own (people counters, Wi-Fi sensors).

    Anonymous data only (hourly counts), so a place lives on whichever side imports it: on a
    split installation the public (internet) side imports and forecasts its places itself.
    """

    code = models.SlugField(_("コード"), max_length=32, unique=True, help_text=_("URL と API で使う半角英数字"))
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("名称（英語）"), max_length=150, blank=True)
    names = models.JSONField(
        _("名称（その他の言語）"), default=dict, blank=True,
        help_text=_('市民向け画面の言語ごとの名称。例: {"zh-hans": "…", "ko": "…"}。'
                    "ない言語は英語名（なければ日本語名）で表示します。"))
    kind = models.CharField(_("種類"), max_length=20, choices=PlaceKind.choices, default=PlaceKind.OTHER)
    country = models.CharField(_("国（祝日の暦）"), max_length=2, default="JP",
                               help_text=_("ISO 3166 の2文字（JP, US, NZ …）。予測にその国の祝日を使います。"))
    time_zone = models.CharField(_("タイムゾーン"), max_length=64, default="Asia/Tokyo")
    opens_at = models.TimeField(_("開場時刻"), null=True, blank=True, help_text=_("空欄なら終日"))
    closes_at = models.TimeField(_("閉場時刻"), null=True, blank=True, help_text=_("空欄なら終日"))
    closed_weekdays = models.JSONField(
        _("定休日（曜日）"), default=list, blank=True,
        help_text=_("0=月曜 … 6=日曜 の一覧。例: [0]（月曜休館）"))
    closed_weekday_holiday = models.CharField(
        _("定休日が祝日のとき"), max_length=16, choices=HolidayOnClosedWeekday.choices,
        default=HolidayOnClosedWeekday.CLOSED,
        help_text=_("「月曜休館（祝日の場合は翌平日）」なら「祝日の場合は開館し、翌平日に休館」"))
    year_end_from = models.CharField(
        _("年末年始の休館（から）"), max_length=5, blank=True,
        help_text=_("MM-DD。例: 12-29（空欄なら年末年始も開館）"))
    year_end_until = models.CharField(
        _("年末年始の休館（まで）"), max_length=5, blank=True, help_text=_("MM-DD。例: 01-03"))
    closed_dates = models.JSONField(
        _("臨時休館日"), default=list, blank=True,
        help_text=_('日付（YYYY-MM-DD）の一覧。例: ["2026-02-10", "2026-02-11"]（展示替えなど）'))
    is_public = models.BooleanField(_("公開"), default=True, help_text=_("市民向けページと API に表示する"))

    class Meta:
        verbose_name = _("観光地")
        verbose_name_plural = _("観光地")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class PlaceCount(models.Model):
    """One hour's count of a place (the start of the hour, aware); one row per place and hour."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="counts",
                              verbose_name=_("観光地"))
    hour = models.DateTimeField(_("時間帯の開始"))
    count = models.FloatField(_("人数"))
    source = models.CharField(_("取込元"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("取込日時"))

    class Meta:
        verbose_name = _("観光地の時間帯別人数")
        verbose_name_plural = _("観光地の時間帯別人数")
        ordering = ["place", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["place", "hour"], name="place_count_once_per_hour"),
            models.CheckConstraint(condition=models.Q(count__gte=0), name="place_count_not_negative"),
        ]

    def __str__(self):
        return f"{self.place_id} {self.hour:%Y-%m-%d %H}h {self.count:g}"


class PlaceEventDay(models.Model):
    """A day with an event at or near the place (祭り, ライトアップ …): a feature of the forecast."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="event_days",
                              verbose_name=_("観光地"))
    date = models.DateField(_("日付"))
    name = models.CharField(_("行事名"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("行事の日")
        verbose_name_plural = _("行事の日")
        ordering = ["place", "date"]
        constraints = [models.UniqueConstraint(fields=["place", "date"], name="place_event_once_per_day")]

    def __str__(self):
        return f"{self.place_id} {self.date} {self.name}"


class PlaceHourForecast(models.Model):
    """The stored forecast of a place (derived data, replaced by each refit)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="forecasts",
                              verbose_name=_("観光地"))
    hour = models.DateTimeField(_("時間帯の開始"))
    predicted = models.FloatField(_("予測人数"))
    level = models.PositiveSmallIntegerField(_("混雑レベル (1–5、0 は休館日)"))
    computed_at = models.DateTimeField(_("予測日時"))

    class Meta:
        verbose_name = _("観光地の混雑予想")
        verbose_name_plural = _("観光地の混雑予想")
        ordering = ["place", "hour"]
        constraints = [models.UniqueConstraint(fields=["place", "hour"], name="place_forecast_once")]

    def __str__(self):
        return f"{self.place_id} {self.hour:%Y-%m-%d %H}h L{self.level}"
