"""Reads of the DX app."""

from __future__ import annotations

import itertools

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


# ---------------------------------------------------------------- paper use (紙の使用量)


def paper_settings(fiscal_year: int):
    """The figures for a fiscal year: its own row, else the latest earlier one, else defaults."""
    from .models import PaperSettings

    found = (PaperSettings.objects.filter(from_fiscal_year__lte=fiscal_year)
             .order_by("-from_fiscal_year").first())
    return found or PaperSettings(from_fiscal_year=fiscal_year)


def device_month_pages(fiscal_year: int) -> dict[int, dict[int, tuple[int, int]]]:
    """Pages per device per month of a fiscal year, with the March before it (index -1).

    ``{device_id: {month_index: (pages, colour_pages)}}``; a month appears only when a reading
    counted in it gave a number (a first reading or a new baseline gives none). One query,
    summed by the database.
    """
    from django.db.models import Case, IntegerField, Sum, Value, When

    from . import fiscal
    from .models import Reading

    # The month a reading counts for, by plain range comparisons on the indexed read_at (no
    # per-row date function: SQLite would call Python for each of 100,000 rows): month i runs
    # from its first day's DX_DAY_START to the next month's.
    firsts = [fiscal.fiscal_months(fiscal_year - 1)[-1], *fiscal.fiscal_months(fiscal_year),
              fiscal.fiscal_months(fiscal_year + 1)[0]]
    bounds = [fiscal.month_start(day) for day in firsts]
    month = Case(*[When(read_at__gte=start, read_at__lt=end, then=Value(index))
                   for index, (start, end) in enumerate(itertools.pairwise(bounds), start=-1)],
                 output_field=IntegerField())
    rows = (Reading.objects.filter(read_at__gte=bounds[0], read_at__lt=bounds[-1], pages__isnull=False)
            .annotate(month=month).values("device_id", "month")
            .annotate(pages=Sum("pages"), colour=Sum("colour_pages")).order_by())
    found: dict[int, dict[int, tuple[int, int]]] = {}
    for row in rows:
        found.setdefault(row["device_id"], {})[row["month"]] = (int(row["pages"]), int(row["colour"] or 0))
    return found


def paper_devices(device_ids) -> list[Device]:
    """The devices of the report: every active one, and any other that printed in the years shown."""
    from django.db.models import Q

    return list(Device.objects.filter(Q(active=True) | Q(pk__in=list(device_ids)))
                .select_related("section").order_by("pk"))


def paper_report(fiscal_year: int):
    """The paper report of a fiscal year against its baseline year (see dx/paper.py)."""
    from . import paper

    settings_row = paper_settings(fiscal_year)
    current = device_month_pages(fiscal_year)
    baseline = device_month_pages(settings_row.baseline_fiscal_year)
    devices = paper_devices(set(current) | set(baseline))
    return paper.build_report(fiscal_year=fiscal_year, settings=settings_row, devices=devices,
                              current=current, baseline=baseline)


def paper_pages(fiscal_year: int) -> dict:
    """Pages per section (課所) per month of a fiscal year: the numbers of GET /api/v1/dx/paper.

    ``{"months": ["YYYY-MM", …12], "sections": [{"section", "pages": [int | None, …12], "total",
    "change_vs_baseline"}], "total": int | None}``; a month is None when no reading gave a number
    in it; ``change_vs_baseline`` is a ratio (-0.31 = 31%減) over the months both years have.
    """
    return paper_report(fiscal_year).as_pages()
