from django import template

register = template.Library()


@register.inclusion_tag("cases/_case_side.html", takes_context=True)
def counter_case(context):
    """The case beside the counter screen's called ticket (queueing.hooks counter panel part)."""
    from ..views import side_context

    queue = context.get("queue") or {}
    return side_context(context["request"], context["office"], context["counter"], queue.get("current"))


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
