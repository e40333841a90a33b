"""Reads of the DX app."""

from __future__ import annotations

from .models import Device


def sections_by_name() -> dict:
    """課 by name, for matching a spreadsheet's 課所; a name used in two offices matches none."""
    from madoguchi.queueing.models import Section

    found: dict = {}
    for section in Section.objects.all():
        found[section.name] = None if section.name in found else section
    return {name: s for name, s in found.items() if s is not None}


def devices_to_poll():
    return Device.objects.filter(active=True, pollable=True).order_by("pk")
