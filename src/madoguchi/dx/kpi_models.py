"""KPIs (成果指標) of the city's digital strategy: a target per fiscal year and dated actuals.

The table of the seed (「金沢市デジタル戦略のKPI」) is data: one ``Kpi`` per row, one ``KpiTarget``
per row and fiscal year, and ``KpiActual`` rows appended, never changed: a correction is a new
row for the same date, so the history (who, when, old → new) is the table itself. The status
(達成 / 未達成 / データなし) is never stored: it is computed from the newest actual and the target
(``kpi_selectors.status``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.queueing.models import AppendOnlyModel


class Direction(models.TextChoices):
    INCREASE = "increase", _("増やす（目標値以上で達成）")
    DECREASE = "decrease", _("減らす（目標値以下で達成）")


class ValueKind(models.TextChoices):
    COUNT = "count", _("数")
    RATIO = "ratio", _("割合（分子／分母）")
    CHANGE = "change", _("基準年度との差")


class Computed(models.TextChoices):
    """KPIs the system fills itself (kpi_compute.py); "" = entered by staff."""

    NONE = "", _("職員が入力")
    PAPER_USE = "paper_use", _("コピー用紙使用量（プリンタ・複合機のカウンタ）")
    COUNTER_TIME = "counter_time", _("窓口での対応時間（整理券の記録）")
    WAIT = "wait", _("平均待ち時間（整理券の記録）")
    BOOKED = "booked", _("予約して来庁した割合（来庁予約）")
    PREPARED = "prepared", _("事前に準備して来庁した割合（引継ぎQR）")


class Kpi(models.Model):
    code = models.SlugField(_("コード"), max_length=40, unique=True, help_text=_("API で使う半角英数字"))
    name = models.CharField(_("KPI（成果指標）"), max_length=200)
    description = models.TextField(_("説明"), blank=True)
    area = models.CharField(_("分野"), max_length=100, help_text=_("例: 市民サービスの向上、職員の生産性向上"))
    unit = models.CharField(_("単位"), max_length=30, blank=True, help_text=_("例: %、時間減、人、件"))
    count_unit = models.CharField(_("分子・分母の単位"), max_length=20, blank=True,
                                  help_text=_("割合の内訳の単位（例: 件）"))
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices,
                                 default=Direction.INCREASE)
    kind = models.CharField(_("値の種類"), max_length=10, choices=ValueKind.choices,
                            default=ValueKind.COUNT)
    decimals = models.PositiveSmallIntegerField(_("表示する小数の桁数"), default=0)
    computed = models.CharField(_("実績の取得"), max_length=20, choices=Computed.choices, blank=True,
                                default=Computed.NONE)
    baseline_fy = models.PositiveSmallIntegerField(_("基準年度"), null=True, blank=True,
                                                   help_text=_("「2019年度比較」なら 2019"))
    display_order = models.PositiveIntegerField(_("表示順"), default=0)
    source = models.CharField(_("出典"), max_length=200, blank=True)
    active = models.BooleanField(_("表示する"), default=True)

    class Meta:
        verbose_name = _("KPI（成果指標）")
        verbose_name_plural = _("KPI（成果指標）")
        ordering = ["display_order", "pk"]

    def __str__(self):
        return self.name


class KpiTarget(models.Model):
    """The target of one KPI for one fiscal year (目標値 YYYY年度末); changes are audited."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="targets", verbose_name=_("KPI"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("目標値"), max_digits=16, decimal_places=4)
    note = models.CharField(_("補足"), max_length=200, blank=True, help_text=_("例: 600万枚減"))
    set_by = models.CharField(_("設定者"), max_length=150, blank=True)
    set_at = models.DateTimeField(_("設定日時"))

    class Meta:
        verbose_name = _("KPIの目標値")
        verbose_name_plural = _("KPIの目標値")
        ordering = ["kpi", "fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["kpi", "fiscal_year"], name="dx_kpi_target_once")]

    def __str__(self):
        return f"{self.kpi} {self.fiscal_year}: {self.value}"


class KpiActual(AppendOnlyModel):
    """One dated actual (達成状況), appended: the newest ``as_of`` of a fiscal year is its status;
    for the same ``as_of`` the row recorded last wins (a correction keeps the old row)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("職員が入力")
        COMPUTED = "computed", _("システムが計算")

    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="actuals", verbose_name=_("KPI"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    as_of = models.DateField(_("時点"))
    value = models.DecimalField(_("実績値"), max_digits=16, decimal_places=4)
    numerator = models.DecimalField(_("分子"), max_digits=16, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("分母"), max_digits=16, decimal_places=4, null=True, blank=True)
    note = models.CharField(_("補足"), max_length=300, blank=True, help_text=_("例: 21.5時間減"))
    source = models.CharField(_("入力元"), max_length=10, choices=Source.choices)
    recorded_by = models.CharField(_("入力者"), max_length=150)
    recorded_at = models.DateTimeField(_("入力日時"), db_index=True)

    class Meta:
        verbose_name = _("KPIの実績")
        verbose_name_plural = _("KPIの実績")
        ordering = ["kpi", "fiscal_year", "as_of", "recorded_at", "pk"]
        indexes = [models.Index(fields=["kpi", "fiscal_year", "as_of"], name="dx_kpi_actual_fy")]

    def __str__(self):
        return f"{self.kpi} {self.fiscal_year} ({self.as_of}): {self.value}"
