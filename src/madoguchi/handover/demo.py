"""Demo data of the hand-over: every demo office has a key pair, so a QR can be made at once."""

from __future__ import annotations

from madoguchi.core.actors import SYSTEM

from . import services
from .models import OfficeKey

DEMO_OFFICES = ("demo", "center")


def ensure_demo_keys(offices: tuple[str, ...] = DEMO_OFFICES) -> list[OfficeKey]:
    """Create a key for each demo office that has none (kept across demo restarts)."""
    from madoguchi.queueing.models import Office

    created = []
    for code in offices:
        if not Office.objects.filter(code=code).exists():
            continue
        if not OfficeKey.objects.filter(office_code=code, retired_at__isnull=True,
                                        is_copy=False).exists():
            created.append(services.office_key_create(actor=SYSTEM, office_code=code))
    return created
