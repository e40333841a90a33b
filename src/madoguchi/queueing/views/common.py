"""Lookups shared by the screens of every audience."""

from django.shortcuts import get_object_or_404

from ..models import Office


def office_or_404(code: str) -> Office:
    return get_object_or_404(Office, code=code)
