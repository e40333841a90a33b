"""Office key pairs for hand-overs (P-256, HPKE)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OfficeKey(models.Model):
    """One office's key pair, or on the public side a copy of its public half.

    The private key is stored sealed (``keystore``): readable only with the server's
    MADOGUCHI_HANDOVER_KEY (or MADOGUCHI_SECRET_KEY). A rotated-out key (``retired_at``)
    is no longer served and keeps decrypting for MADOGUCHI_HANDOVER_KEY_GRACE_DAYS; after
    that its private key is wiped. ``is_copy`` rows are the public side's copies pushed by
    the internal side (no private key, ever).
    """

    kid = models.CharField(_("鍵ID"), max_length=8, unique=True)
    office_code = models.SlugField(_("庁舎・拠点コード"), max_length=32, db_index=True)
    public_key = models.CharField(_("公開鍵"), max_length=100)  # base64url, uncompressed point
    private_key = models.BinaryField(_("秘密鍵（暗号化済み）"), null=True, editable=False)
    created_at = models.DateTimeField(_("作成日時"))
    retired_at = models.DateTimeField(_("更新により退役した日時"), null=True, blank=True)
    is_copy = models.BooleanField(_("公開側の写し"), default=False)

    class Meta:
        verbose_name = _("引継ぎQRの鍵")
        verbose_name_plural = _("引継ぎQRの鍵")
        ordering = ["office_code", "-created_at"]
        constraints = [models.UniqueConstraint(
            fields=["office_code"], condition=models.Q(retired_at__isnull=True, is_copy=False),
            name="one_current_handover_key_per_office")]

    def __str__(self):
        return f"{self.office_code} {self.kid}"
