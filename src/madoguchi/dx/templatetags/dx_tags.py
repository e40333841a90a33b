"""How the DX screens write numbers: 1,234 枚, "—" for no number, 31.0%減."""

from django import template

register = template.Library()


@register.filter
def pages(value) -> str:
    return "—" if value is None else f"{int(value):,}"


@register.filter
def ratio(value) -> str:
    """-0.31 → 31.0%減; 0.05 → 5.0%増; None → —."""
    if value is None:
        return "—"
    if value == 0:
        return "±0.0%"
    return f"{abs(value) * 100:.1f}%{'減' if value < 0 else '増'}"


@register.filter
def yen(value) -> str:
    return "—" if value is None else f"{round(value):,}"


@register.filter
def kg(value) -> str:
    return "—" if value is None else f"{value:,.1f}"


@register.filter
def at(values, index):
    """values[index] in a template (the month-on-month column)."""
    try:
        return values[index]
    except (IndexError, TypeError):
        return None


@register.filter
def diff(value, other):
    """value - other, signed (▲ for a reduction, as the seed's 経費削減効果 writes it)."""
    if value is None or other is None:
        return None
    return value - other


@register.filter
def amount(value, decimals=0) -> str:
    return "—" if value is None else f"{value:,.{int(decimals)}f}"


@register.filter
def signed(value, decimals=0) -> str:
    """A difference: ▲1,810 for a reduction (the seed's way), +120 for an increase."""
    if value is None:
        return "—"
    text = f"{abs(value):,.{int(decimals)}f}"
    return f"▲{text}" if value < 0 else (f"+{text}" if value > 0 else text)
