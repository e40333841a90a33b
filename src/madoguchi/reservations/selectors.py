"""Reads of reservations (habit 2)."""

from __future__ import annotations

import datetime as dt

from madoguchi.core.i18n import category_name

from . import codes, slots
from .models import Reservation, ReservationType


def reservation_by_code(code: str) -> Reservation | None:
    normalized = codes.normalize(code)
    if not normalized:
        return None
    return Reservation.objects.select_related("office", "type").filter(code=normalized).first()


def reservation_types(office) -> list[ReservationType]:
    return list(ReservationType.objects.filter(office=office, is_active=True).select_related("office"))


def free_slots(rtype: ReservationType, *, first: dt.date, days: int, needed: int | None = None,
               at: dt.datetime | None = None) -> list[dict]:
    return slots.bookable(rtype, first=first, days=days, needed=needed, at=at)


def type_name(rtype: ReservationType, lang: str | None = None) -> str:
    """The type's name in ``lang`` (the active language), kept as a category's names are."""
    return category_name({"name": rtype.name, "name_en": rtype.name_en, "names": rtype.names},
                         lang=lang)
