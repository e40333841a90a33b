"""Idempotency keys of ticket issuing: one tap is one ticket, whatever the network does."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IssueKey(models.Model):
    """The ticket a device's ``Idempotency-Key`` issued on one business day.

    The unique constraint is the race guard on both databases: of two requests
    with the same key, the second's insert fails (PostgreSQL waits for the
    first to commit), its transaction is retried and answers the first ticket.
    """

    device = models.CharField(_("端末"), max_length=80)  # "token:12", "user:3", "session:…"
    key = models.CharField(_("冪等キー"), max_length=100)
    business_date = models.DateField()
    ticket = models.OneToOneField("queueing.Ticket", on_delete=models.CASCADE, related_name="issue_key")

    class Meta:
        verbose_name = _("発券の冪等キー")
        verbose_name_plural = _("発券の冪等キー")
        constraints = [models.UniqueConstraint(fields=["device", "business_date", "key"],
                                               name="one_ticket_per_issue_key")]

    def __str__(self):
        return f"{self.device} {self.business_date} {self.key}"
