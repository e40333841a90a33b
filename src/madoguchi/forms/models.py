"""Print records: every form printed for a case, with its page count (the DX office counts the
paper the counters print). Kept apart from the case (by its code, no foreign key) so the count
survives the case's deletion after the retention period; nothing personal is in it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.queueing.models import AppendOnlyModel


class FormPrint(AppendOnlyModel):
    office = models.ForeignKey("queueing.Office", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("庁舎・拠点"))
    case_code = models.CharField(_("案件番号"), max_length=8, db_index=True)
    form = models.CharField(_("様式コード"), max_length=48)
    form_name = models.CharField(_("様式"), max_length=100)
    form_version = models.PositiveIntegerField(_("様式の版"), default=1)
    data_version = models.PositiveIntegerField(_("届出内容の版"), default=1)
    pages = models.PositiveIntegerField(_("枚数"))
    at = models.DateTimeField(_("印刷日時"), db_index=True)
    actor = models.CharField(_("印刷者"), max_length=150)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, blank=True,
                                   related_name="+", db_constraint=False, verbose_name=_("印刷した職員"))

    class Meta:
        verbose_name = _("帳票の印刷")
        verbose_name_plural = _("帳票の印刷")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["office", "at"])]

    def __str__(self):
        return f"{self.case_code} {self.form} ({self.pages})"
