import logging

from django import template
from django.utils.translation import gettext as _

register = template.Library()
log = logging.getLogger(__name__)


@register.inclusion_tag("cases/_case_side.html", takes_context=True)
def counter_case(context):
    """The case beside the counter screen's called ticket (queueing.hooks counter panel part)."""
    from ..views import side_context

    queue = context.get("queue") or {}
    try:
        return side_context(context["request"], context["office"], context["counter"], queue.get("current"))
    except Exception:  # noqa: BLE001 — the counter screen must keep calling visitors whatever happens here
        log.exception("the case part of counter %s failed", getattr(context.get("counter"), "pk", "?"))
        return {"office": context["office"], "counter": context["counter"], "case": None,
                "error": _("来庁案件を表示できませんでした。整理券の操作はそのまま続けられます。")}


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
