"""The print buttons of a case (counter screen's case panel, case page): each form the case's
procedures need, ready or with what stops it, computed before the clerk clicks."""

from django import template

from madoguchi.forms import selectors

register = template.Library()


@register.inclusion_tag("forms/_case_forms.html")
def case_forms(case, office, counter=None):
    status = selectors.case_forms_status(case)
    return {"case": case, "office": office, "counter": counter, **status}
