"""Hand-over QR (引継ぎQR): the citizen's phone seals, the internal side opens.

The citizen's answers never pass through a server: the browser encrypts them to the
office's public key (HPKE) and shows a QR code; the counter scans it and the internal
side, the only holder of the private keys, opens it. docs/handover.md has the format.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoverConfig(AppConfig):
    name = "madoguchi.handover"
    label = "handover"
    verbose_name = _("引継ぎQR")
