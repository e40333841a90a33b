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


def device_summary() -> dict:
    """How many devices there are and how their last reading went (the DX home page)."""
    from django.db.models import Count

    counts = dict(Device.objects.filter(active=True).values_list("status").annotate(n=Count("pk")))
    return {"total": sum(counts.values()), "by_status": {
        label: counts.get(value, 0) for value, label in Device.Status.choices}}
