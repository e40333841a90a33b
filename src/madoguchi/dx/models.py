"""Printers and copiers (プリンタ・複合機) and the page counters read from them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Maker(models.TextChoices):
    FUJIFILM = "fujifilm", _("富士フイルム（Xerox）")
    RICOH = "ricoh", _("リコー")
    CANON = "canon", _("キヤノン")
    KYOCERA = "kyocera", _("京セラ")
    KONICA_MINOLTA = "konicaminolta", _("コニカミノルタ")
    SHARP = "sharp", _("シャープ")
    EPSON = "epson", _("エプソン")
    OTHER = "other", _("その他")


class Device(models.Model):
    """One printer or copier whose page counter is read over SNMP (or entered by hand)."""

    class Kind(models.TextChoices):
        PRINTER = "printer", _("プリンタ")
        COPIER = "copier", _("コピー機・複合機")

    class SnmpVersion(models.TextChoices):
        V2C = "2c", "SNMPv2c"
        V3 = "3", "SNMPv3"

    class Status(models.TextChoices):
        NEVER = "never", _("未取得")
        OK = "ok", _("取得済み")
        FAILED = "failed", _("応答なし")

    host = models.CharField(_("IPアドレス"), max_length=255)
    port = models.PositiveIntegerField(_("SNMPポート"), default=161)
    url = models.CharField(_("URL"), max_length=300, blank=True)
    section = models.ForeignKey("queueing.Section", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="dx_devices", verbose_name=_("課"))
    section_name = models.CharField(_("課所"), max_length=100, blank=True,
                                    help_text=_("台帳（表計算）の「課所」の表記"))
    maker = models.CharField(_("メーカー"), max_length=20, choices=Maker.choices, default=Maker.OTHER)
    model_name = models.CharField(_("機種"), max_length=100, blank=True)
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices, default=Kind.PRINTER)
    note = models.CharField(_("メモ"), max_length=300, blank=True)
    active = models.BooleanField(_("集計対象"), default=True)
    pollable = models.BooleanField(_("SNMPで読み取る"), default=True,
                                   help_text=_("オフにすると自動で読み取らず、カウンタを手入力します"))
    snmp_version = models.CharField(_("SNMPバージョン"), max_length=2, choices=SnmpVersion.choices,
                                    default=SnmpVersion.V2C)
    community = models.CharField(_("コミュニティ名"), max_length=100, default="public", blank=True)
    v3_user = models.CharField(_("SNMPv3 ユーザー名"), max_length=100, blank=True)
    v3_auth_protocol = models.CharField(_("SNMPv3 認証方式"), max_length=10, blank=True, default="SHA",
                                        help_text="MD5, SHA, SHA256, SHA512")
    v3_auth_key = models.CharField(_("SNMPv3 認証パスワード"), max_length=100, blank=True)
    v3_priv_protocol = models.CharField(_("SNMPv3 暗号方式"), max_length=10, blank=True, default="AES",
                                        help_text="DES, AES, AES192, AES256")
    v3_priv_key = models.CharField(_("SNMPv3 暗号パスワード"), max_length=100, blank=True)
    v3_context = models.CharField(_("SNMPv3 コンテキスト名"), max_length=100, blank=True)
    # What the device said last time: a different serial (or sysDescr) means it was replaced.
    sys_descr = models.CharField(_("機器の説明 (sysDescr)"), max_length=300, blank=True, editable=False)
    serial = models.CharField(_("製造番号"), max_length=100, blank=True, editable=False)
    status = models.CharField(_("読み取り状況"), max_length=10, choices=Status.choices,
                              default=Status.NEVER, editable=False)
    last_error = models.CharField(_("最後のエラー"), max_length=300, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("最後に読み取りを試みた日時"), null=True, blank=True,
                                          editable=False)

    class Meta:
        verbose_name = _("プリンタ・複合機")
        verbose_name_plural = _("プリンタ・複合機")
        ordering = ["section_name", "host", "port"]
        constraints = [models.UniqueConstraint(fields=["host", "port"], name="dx_device_host_port")]

    def __str__(self):
        address = self.host if self.port == 161 else f"{self.host}:{self.port}"
        return f"{address} {self.section_name}".strip()


class Reading(models.Model):
    """One reading of a device's page counters, appended, never changed.

    ``pages`` is what was printed since the previous reading; it is empty when this reading
    starts a new baseline (the first reading, a counter that went down, a replaced device),
    so a month never shows a negative or a replaced machine's whole life count.
    """

    class Source(models.TextChoices):
        SNMP = "snmp", "SNMP"
        MANUAL = "manual", _("手入力")

    class Baseline(models.TextChoices):
        NONE = "", _("継続")
        FIRST = "first", _("初回")
        RESET = "reset", _("カウンタ減少（リセット）")
        REPLACED = "replaced", _("機器の交換")

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="readings",
                               verbose_name=_("プリンタ・複合機"))
    read_at = models.DateTimeField(_("読み取り日時"), db_index=True)
    source = models.CharField(_("取得方法"), max_length=10, choices=Source.choices)
    total = models.BigIntegerField(_("総カウンタ"))
    mono = models.BigIntegerField(_("白黒カウンタ"), null=True, blank=True)
    colour = models.BigIntegerField(_("カラーカウンタ"), null=True, blank=True)
    pages = models.BigIntegerField(_("前回からの枚数"), null=True, blank=True)
    mono_pages = models.BigIntegerField(_("前回からの白黒枚数"), null=True, blank=True)
    colour_pages = models.BigIntegerField(_("前回からのカラー枚数"), null=True, blank=True)
    baseline = models.CharField(_("基準の開始"), max_length=10, choices=Baseline.choices, blank=True,
                                default=Baseline.NONE)
    sys_descr = models.CharField(_("機器の説明 (sysDescr)"), max_length=300, blank=True)
    serial = models.CharField(_("製造番号"), max_length=100, blank=True)
    entered_by = models.CharField(_("入力者"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("カウンタの読み取り")
        verbose_name_plural = _("カウンタの読み取り")
        ordering = ["device", "-read_at"]
        indexes = [models.Index(fields=["device", "-read_at"], name="dx_reading_device_time")]

    def __str__(self):
        return f"{self.device} {self.read_at:%Y-%m-%d} {self.total}"


# Where the defaults come from: shown on the paper report next to the figures they produce.
PAPER_DEFAULT_SOURCES = (
    "用紙: 2,500枚/箱（A4 500枚×5冊）、1,293円/箱（金沢市 経費削減効果 令和2年度: PPC用紙 ▲1,810千円 ▲1,400箱）。"
    "複合機のカウンター料金: 白黒 0.78円/枚（同資料【参考】コピー枚数 ▲500千円 ▲640,000枚）、"
    "カラー 10円/枚（一般的な保守契約の目安。契約の単価に置き換えてください）。"
    "プリンタのトナー: 24,667円/箱（同資料 OAプリンタトナー ▲1,480千円 ▲60箱）、"
    "15,000枚/箱（A4 印字率5%の目安）。"
)
CO2_DEFAULT_SOURCE = (
    "A4普通紙 1枚 約4 g（64 g/m² × 0.0624 m²）× 紙の製造 1 kg あたり CO2 約1 kg "
    "（ezeep「印刷のカーボンフットプリント」の目安: 紙1 kg ≈ CO2 1 kg、再生紙 0.7 kg、新パルプ 1.2 kg）"
)


class PaperSettings(models.Model):
    """The figures the paper report is computed with, from a fiscal year on (年度ごと).

    A year without its own row uses the latest earlier row (or the defaults): prices change
    rarely, and a new row records from when a new contract applies. Edited in the admin, audited.
    """

    from_fiscal_year = models.PositiveIntegerField(
        _("適用開始年度"), unique=True, help_text=_("この年度から、次の行の年度の前年度まで使います（例: 2024 = 令和6年度）"))
    baseline_fiscal_year = models.PositiveIntegerField(
        _("基準年度"), default=2019, help_text=_("「2019年度比」の基準（2019 = 令和元年度）"))
    target_reduction_percent = models.DecimalField(
        _("削減目標（%）"), max_digits=5, decimal_places=1, default=30,
        help_text=_("基準年度と比べた削減率の目標（例: 30 = 30%減）"))
    sheets_per_box = models.PositiveIntegerField(_("用紙 1箱の枚数"), default=2500)
    yen_per_box = models.DecimalField(_("用紙 1箱の価格（円）"), max_digits=10, decimal_places=2,
                                      default=1293)
    mono_yen_per_page = models.DecimalField(
        _("複合機 白黒 1枚の料金（円）"), max_digits=8, decimal_places=2, default="0.78",
        help_text=_("カウンター料金（トナーを含む）。複合機の枚数に掛けます"))
    colour_yen_per_page = models.DecimalField(
        _("複合機 カラー 1枚の料金（円）"), max_digits=8, decimal_places=2, default=10,
        help_text=_("白黒・カラーの内訳を読めない機器の枚数は白黒として計算します"))
    toner_yen_per_box = models.DecimalField(_("プリンタ トナー 1箱の価格（円）"), max_digits=10,
                                            decimal_places=2, default=24667)
    toner_pages_per_box = models.PositiveIntegerField(
        _("プリンタ トナー 1箱の印刷枚数"), default=15000,
        help_text=_("プリンタの枚数から使ったトナーを見積もります"))
    cost_source = models.TextField(_("費用の数字の出典"), blank=True, default=PAPER_DEFAULT_SOURCES)
    co2_grams_per_sheet = models.DecimalField(_("用紙 1枚あたりの CO2（g）"), max_digits=6,
                                              decimal_places=2, default=4)
    co2_source = models.TextField(_("CO2 の数字の出典"), blank=True, default=CO2_DEFAULT_SOURCE)

    class Meta:
        verbose_name = _("紙の使用量の設定（年度ごと）")
        verbose_name_plural = _("紙の使用量の設定（年度ごと）")
        ordering = ["-from_fiscal_year"]

    def __str__(self):
        return f"{self.from_fiscal_year}年度から"


from .kpi_models import Computed, Direction, Kpi, KpiActual, KpiTarget, ValueKind  # noqa: E402,F401
