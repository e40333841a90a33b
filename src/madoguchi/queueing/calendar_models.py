"""Rows of an office's calendar (開庁日・受付時間); the rules that read them are in calendar.py.

- ``OfficeHours``: the ordinary week, one or more reception ranges per weekday
  (e.g. 8:45–12:00 and 13:00–17:30). A weekday without rows is closed.
- ``OfficeClosure``: the city's own closed days (庁舎点検日 …), one row per date.
- ``SpecialOpening``: 休日開庁 and other special days; on such a date its ranges
  replace the day's ordinary hours, even on a holiday or a closed day.

National holidays (jpholiday) and 年末年始 (12/29–1/3) are flags on the office.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("月曜日")
    TUESDAY = 1, _("火曜日")
    WEDNESDAY = 2, _("水曜日")
    THURSDAY = 3, _("木曜日")
    FRIDAY = 4, _("金曜日")
    SATURDAY = 5, _("土曜日")
    SUNDAY = 6, _("日曜日")


def check_range(opens, closes) -> None:
    if opens is not None and closes is not None and opens >= closes:
        raise ValidationError(_("開始時刻は終了時刻より前にしてください。"))


def overlap_error(a, b) -> ValidationError:
    return ValidationError(
        _("%(a)s と %(b)s の時間帯が重なっています。重ならないようにしてください。")
        % {"a": a, "b": b})


def _hhmm(t) -> str:
    return f"{t.hour}:{t.minute:02d}"


class _Range(models.Model):
    opens = models.TimeField(_("開始"))
    closes = models.TimeField(_("終了"), help_text=_("この時刻に受付を終えます（17:30 なら 17:29 までに発券）。"))

    class Meta:
        abstract = True

    def clean(self):
        check_range(self.opens, self.closes)
        if self.opens is None or self.closes is None or self.office_id is None:
            return
        others = (type(self).objects.filter(office_id=self.office_id, opens__lt=self.closes,
                                            closes__gt=self.opens, **self.same_day())
                  .exclude(pk=self.pk))
        other = others.first()
        if other is not None:
            raise overlap_error(self, other)

    def same_day(self) -> dict:
        raise NotImplementedError


class OfficeHours(_Range):
    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE, related_name="weekly_hours",
                               verbose_name=_("庁舎・拠点"))
    weekday = models.PositiveSmallIntegerField(_("曜日"), choices=Weekday.choices)

    class Meta:
        verbose_name = _("曜日ごとの受付時間")
        verbose_name_plural = _("曜日ごとの受付時間")
        ordering = ["office", "weekday", "opens"]
        constraints = [models.CheckConstraint(condition=Q(opens__lt=models.F("closes")),
                                              name="office_hours_ordered")]

    def __str__(self):
        return f"{self.get_weekday_display()} {_hhmm(self.opens)}～{_hhmm(self.closes)}"

    def same_day(self) -> dict:
        return {"weekday": self.weekday}


class SpecialOpening(_Range):
    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE, related_name="special_openings",
                               verbose_name=_("庁舎・拠点"))
    date = models.DateField(_("日付"))
    note = models.CharField(_("表示する名称"), max_length=50, default="休日開庁",
                            help_text=_("開庁日カレンダーに表示します（例: 休日開庁）。"))

    class Meta:
        verbose_name = _("休日開庁・特別開庁")
        verbose_name_plural = _("休日開庁・特別開庁（その日はこの時間だけ開庁）")
        ordering = ["office", "date", "opens"]
        constraints = [models.CheckConstraint(condition=Q(opens__lt=models.F("closes")),
                                              name="special_opening_ordered")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {_hhmm(self.opens)}～{_hhmm(self.closes)}"

    def same_day(self) -> dict:
        return {"date": self.date}


class OfficeClosure(models.Model):
    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE, related_name="closures",
                               verbose_name=_("庁舎・拠点"))
    date = models.DateField(_("日付"))
    note = models.CharField(_("理由"), max_length=50, default="臨時閉庁",
                            help_text=_("開庁日カレンダーに表示します（例: 庁舎設備点検）。"))

    class Meta:
        verbose_name = _("臨時閉庁日")
        verbose_name_plural = _("臨時閉庁日（市の独自の閉庁日）")
        ordering = ["office", "date"]
        constraints = [models.UniqueConstraint(fields=["office", "date"], name="one_closure_per_day")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.note}"
