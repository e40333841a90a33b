"""The one-stop case (来庁案件): one visitor's answers, procedures and their status, and an
append-only history, following the visitor from counter to counter and across visits.

Internal side only: nothing here is ever served on the public side (personal data).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.queueing.models import AppendOnlyModel

# Crockford base32: no I, L, O, U; typed codes are read leniently (see codes.normalize).
CODE_LENGTH = 8


class CaseStatus(models.TextChoices):
    OPEN = "open", _("対応中")
    CLOSED = "closed", _("終了")


class CaseSource(models.TextChoices):
    HANDOVER = "handover", _("引継ぎQR")
    KIOSK = "kiosk", _("庁舎内の手続きナビ")
    INTERVIEW = "interview", _("聞き取り")


class Case(models.Model):
    code = models.CharField(_("案件番号"), max_length=CODE_LENGTH, unique=True, editable=False)
    office = models.ForeignKey("queueing.Office", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("庁舎・拠点"))
    life_event = models.CharField(_("ライフイベント"), max_length=32)
    answers = models.JSONField(_("回答"), default=dict, blank=True)
    on = models.DateField(_("判定日"))
    lang = models.CharField(_("言語"), max_length=10, default="ja")
    source = models.CharField(_("受付方法"), max_length=10, choices=CaseSource.choices)
    # The SHA-256 of a scanned hand-over: the same QR scanned twice opens the same case.
    payload_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    status = models.CharField(_("状態"), max_length=10, choices=CaseStatus.choices,
                              default=CaseStatus.OPEN)
    opened_at = models.DateTimeField(_("受付日時"))
    opened_by = models.CharField(_("受付者"), max_length=150)
    closed_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    closed_by = models.CharField(_("終了者"), max_length=150, blank=True)
    updated_at = models.DateTimeField(_("最終更新"))
    visits = models.PositiveIntegerField(_("来庁回数"), default=1)

    class Meta:
        verbose_name = _("来庁案件")
        verbose_name_plural = _("来庁案件")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["office", "status", "opened_at"]),
                   models.Index(fields=["status", "closed_at"])]
        constraints = [models.UniqueConstraint(
            fields=["office", "payload_digest"], condition=~models.Q(payload_digest=""),
            name="case_payload_once_per_office")]

    def __str__(self):
        return self.display_code

    @property
    def display_code(self) -> str:
        """Two groups of four, as printed and read aloud (cases.codes.display)."""
        from .codes import display

        return display(self.code)

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class ProcedureStatus(models.TextChoices):
    PENDING = "pending", _("未対応")
    IN_PROGRESS = "in_progress", _("対応中")
    DONE = "done", _("完了")
    NOT_APPLICABLE = "not_applicable", _("対象外")
    LATER = "later", _("後日")


# Statuses that still need a counter (「次の窓口へ」 offers their categories).
OUTSTANDING = (ProcedureStatus.PENDING, ProcedureStatus.IN_PROGRESS, ProcedureStatus.LATER)


class Determination(models.TextChoices):
    APPLIES = "applies", _("該当")
    TO_CHECK = "to_check", _("要確認")


class CaseProcedure(models.Model):
    """One procedure of the case, with a snapshot of its names as determined (the catalogue
    may change later; the case keeps what the visitor was told)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="procedures")
    code = models.CharField(_("手続きコード"), max_length=64)
    name = models.CharField(_("手続き"), max_length=200)
    name_en = models.CharField(_("手続き（英語）"), max_length=200, blank=True)
    section = models.CharField(_("課コード"), max_length=64, blank=True)
    section_name = models.CharField(_("課"), max_length=100, blank=True)
    category = models.CharField(_("受付区分コード"), max_length=32, blank=True)
    determination = models.CharField(_("判定"), max_length=10, choices=Determination.choices)
    reasons = models.JSONField(_("理由"), default=list, blank=True)
    documents = models.JSONField(_("必要なもの"), default=list, blank=True)
    deadline = models.DateField(_("期限"), null=True, blank=True)
    status = models.CharField(_("状況"), max_length=16, choices=ProcedureStatus.choices,
                              default=ProcedureStatus.PENDING)
    note = models.TextField(_("メモ"), blank=True)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(_("更新日時"))

    class Meta:
        verbose_name = _("案件の手続き")
        verbose_name_plural = _("案件の手続き")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="case_procedure_once")]

    def __str__(self):
        return f"{self.case_id} {self.code} ({self.get_status_display()})"


class EntryKind(models.TextChoices):
    OPENED = "opened", _("受付")
    PROCEDURE = "procedure", _("手続きの状況")
    NOTE = "note", _("メモ")
    TICKET = "ticket", _("整理券の紐付け")
    ROUTED = "routed", _("次の窓口へ")
    CLOSED = "closed", _("終了")
    REVISIT = "revisit", _("再来庁")
    FORM = "form", _("届出内容")
    PRINTED = "printed", _("帳票印刷")


class CaseEntry(AppendOnlyModel):
    """One line of the case's history: who did what, when, at which counter. Never changed;
    gone only with the whole case when it is purged after the retention period."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(_("日時"))
    kind = models.CharField(_("操作"), max_length=12, choices=EntryKind.choices)
    actor = models.CharField(_("操作者"), max_length=150)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True,
                                   blank=True, related_name="+", db_constraint=False,
                                   verbose_name=_("操作した職員"))
    # Where: the counter's label as it read then (a counter renamed later does not rewrite it).
    counter = models.CharField(_("窓口"), max_length=60, blank=True)
    counter_number = models.PositiveIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("案件の履歴")
        verbose_name_plural = _("案件の履歴")
        ordering = ["id"]

    def __str__(self):
        return f"{self.case_id} {self.get_kind_display()} @ {self.at:%H:%M:%S}"


class CaseTicket(models.Model):
    """A ticket of the visitor's (one per visit, or several when routed): how a counter that
    calls the ticket finds the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tickets")
    ticket = models.OneToOneField("queueing.Ticket", on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("整理券"))
    attached_at = models.DateTimeField(_("紐付け日時"))

    class Meta:
        verbose_name = _("案件の整理券")
        verbose_name_plural = _("案件の整理券")
        ordering = ["attached_at", "id"]

    def __str__(self):
        return f"{self.case_id} ↔ {self.ticket_id}"


class CaseForm(models.Model):
    """The form data of the case (the household's names, addresses, birth dates: forms/data.py's
    MoveForm, schema version ``schema``), one row per version: the latest is printed, the
    earlier ones are the history of corrections. Deleted with the case, or earlier by the form
    data retention (``madoguchi purge``)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="forms")
    version = models.PositiveIntegerField(_("版"))
    schema = models.PositiveSmallIntegerField(_("データ形式の版"), default=1)
    data = models.JSONField(_("届出の内容"))
    source = models.CharField(_("入力方法"), max_length=10, choices=CaseSource.choices)
    at = models.DateTimeField(_("日時"))
    actor = models.CharField(_("操作者"), max_length=150)

    class Meta:
        verbose_name = _("案件の届出内容")
        verbose_name_plural = _("案件の届出内容")
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="case_form_version_once")]

    def __str__(self):
        return f"{self.case_id} form v{self.version}"
