from .actors import Actor
from .models import AuditLog


def audit_record(*, actor: Actor, action: str, target: str = "", detail: dict | None = None) -> AuditLog:
    """Append one row to the audit log."""
    return AuditLog.objects.create(actor=actor.label, action=action, target=target,
                                   detail=detail or {})
