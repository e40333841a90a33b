from django import template

from madoguchi.notices.services import email_enabled, notices_enabled

register = template.Library()


@register.simple_tag
def notices_flags() -> dict:
    """What the opt-in snippet may offer on this server (role and mail configuration)."""
    return {"enabled": notices_enabled(), "email": email_enabled()}
