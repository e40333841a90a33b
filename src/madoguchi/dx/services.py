"""Writes of the DX app: importing devices, recording readings (polled or entered by hand)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from madoguchi.core.actors import Actor
from madoguchi.core.audit import audit_record

from . import importer, selectors, snmp
from .models import Device, PaperSettings, Reading


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0


@transaction.atomic
def devices_import(*, actor: Actor, path: str | Path) -> ImportSummary:
    """Add or update the devices of a spreadsheet; a device is known by its address and port.

    Only the columns the sheet has are written: SNMP settings made in the admin stay.
    """
    rows = importer.read_rows(path)
    sections = selectors.sections_by_name()
    summary = ImportSummary()
    for row in rows:
        values = {"url": row.url, "note": row.note, "section_name": row.section,
                  "section": sections.get(row.section), "maker": row.maker, "kind": row.kind}
        if row.model:
            values["model_name"] = row.model
        if row.community:
            values["community"] = row.community
        _device, created = Device.objects.update_or_create(host=row.host, port=row.port,
                                                           defaults=values)
        if created:
            summary.created += 1
        else:
            summary.updated += 1
    audit_record(actor=actor, action="dx.devices_import", target=str(Path(path).name),
                 detail={"created": summary.created, "updated": summary.updated})
    return summary


def _replaced(device: Device, *, serial: str, sys_descr: str) -> bool:
    """Another machine at the same address: the serial changed (or, lacking serials, sysDescr)."""
    if device.serial and serial:
        return device.serial != serial
    return bool(device.sys_descr and sys_descr and device.sys_descr != sys_descr)


def _delta(now: int | None, before: int | None) -> int | None:
    if now is None or before is None or now < before:
        return None
    return now - before


@dataclass(frozen=True)
class ReadingIn:
    """One counter reading to append (a poll's answer, a hand-entered or a historical value)."""

    read_at: datetime
    total: int
    mono: int | None = None
    colour: int | None = None
    sys_descr: str = ""
    serial: str = ""


def _next_reading(*, device: Device, previous: Reading | None, item: ReadingIn, source: str,
                  entered_by: str) -> Reading:
    """The reading that follows ``previous``: the pages since it, or a new baseline (first
    reading, a counter that went down, a replaced device), so no month turns negative."""
    if item.total < 0:
        raise ValueError("total must not be negative")
    if previous is None:
        baseline = Reading.Baseline.FIRST
    elif source == Reading.Source.SNMP and _replaced(device, serial=item.serial, sys_descr=item.sys_descr):
        baseline = Reading.Baseline.REPLACED
    elif item.total < previous.total:
        baseline = Reading.Baseline.RESET
    else:
        baseline = Reading.Baseline.NONE
    continuing = baseline == Reading.Baseline.NONE
    return Reading(
        device=device, read_at=item.read_at, source=source, total=item.total, mono=item.mono,
        colour=item.colour, pages=item.total - previous.total if continuing else None,
        mono_pages=_delta(item.mono, previous.mono) if continuing else None,
        colour_pages=_delta(item.colour, previous.colour) if continuing else None,
        baseline=baseline, sys_descr=item.sys_descr, serial=item.serial,
        entered_by=entered_by if source == Reading.Source.MANUAL else "")


@transaction.atomic
def reading_record(*, actor: Actor, device: Device, total: int, mono: int | None = None,
                   colour: int | None = None, source: str = Reading.Source.SNMP,
                   read_at: datetime | None = None, sys_descr: str = "", serial: str = "") -> Reading:
    """Append one reading; a counter that went down or a replaced device starts a new baseline."""
    if total < 0:
        raise ValueError("total must not be negative")
    device = Device.objects.select_for_update().get(pk=device.pk)
    previous = device.readings.order_by("-read_at", "-pk").first()
    read_at = read_at or timezone.now()
    reading = _next_reading(device=device, previous=previous, source=source, entered_by=actor.label,
                            item=ReadingIn(read_at=read_at, total=total, mono=mono, colour=colour,
                                           sys_descr=sys_descr, serial=serial))
    reading.save()
    baseline = reading.baseline
    changes = {"status": Device.Status.OK, "last_error": ""}
    if source == Reading.Source.SNMP:
        changes.update(last_polled_at=read_at, sys_descr=sys_descr or device.sys_descr,
                       serial=serial or device.serial)
    Device.objects.filter(pk=device.pk).update(**changes)
    if source == Reading.Source.MANUAL or baseline in (Reading.Baseline.RESET, Reading.Baseline.REPLACED):
        audit_record(actor=actor, action=f"dx.reading_{source}", target=str(device),
                     detail={"total": total, "mono": mono, "colour": colour, "baseline": baseline,
                             "previous_total": previous.total if previous else None,
                             "serial": serial, "previous_serial": device.serial})
    return reading


@transaction.atomic
def readings_append(*, actor: Actor, device: Device, readings: list[ReadingIn],
                    source: str = Reading.Source.SNMP) -> list[Reading]:
    """Append a device's readings in time order at once (a history, the demo's year), with the
    same baseline rules as one reading at a time; one audit row for the lot."""
    device = Device.objects.select_for_update().get(pk=device.pk)
    previous = device.readings.order_by("-read_at", "-pk").first()
    made: list[Reading] = []
    for item in sorted(readings, key=lambda r: r.read_at):
        if previous is not None and item.read_at <= previous.read_at:
            raise ValueError("readings are appended after the device's last reading")
        reading = _next_reading(device=device, previous=previous, item=item, source=source,
                                entered_by=actor.label)
        if source == Reading.Source.SNMP:
            device.sys_descr, device.serial = item.sys_descr or device.sys_descr, item.serial or device.serial
        made.append(reading)
        previous = reading
    Reading.objects.bulk_create(made)
    if made:
        changes = {"status": Device.Status.OK, "last_error": ""}
        if source == Reading.Source.SNMP:
            changes.update(last_polled_at=made[-1].read_at, sys_descr=device.sys_descr,
                           serial=device.serial)
        Device.objects.filter(pk=device.pk).update(**changes)
    baselines = [r.baseline for r in made]
    audit_record(actor=actor, action="dx.readings_append", target=str(device),
                 detail={"source": source, "count": len(made),
                         "reset": baselines.count(Reading.Baseline.RESET),
                         "replaced": baselines.count(Reading.Baseline.REPLACED)})
    return made


def reading_enter_manual(*, actor: Actor, device: Device, total: int, mono: int | None = None,
                         colour: int | None = None, read_at: datetime | None = None) -> Reading:
    """A counter read off the device's panel, for a device that cannot be polled."""
    return reading_record(actor=actor, device=device, total=total, mono=mono, colour=colour,
                          source=Reading.Source.MANUAL, read_at=read_at)


def device_mark_failed(*, device: Device, error: str, at: datetime) -> None:
    """Not answering is a state of the device, not an error of the poll."""
    Device.objects.filter(pk=device.pk).update(status=Device.Status.FAILED, last_error=error[:300],
                                               last_polled_at=at)


@dataclass
class PollSummary:
    read: int = 0
    failed: int = 0
    reset: int = 0
    replaced: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


def device_target(device: Device) -> snmp.Target:
    return snmp.Target(
        key=device.pk, host=device.host, port=device.port, maker=device.maker,
        version=device.snmp_version, community=device.community, v3_user=device.v3_user,
        v3_auth_protocol=device.v3_auth_protocol, v3_auth_key=device.v3_auth_key,
        v3_priv_protocol=device.v3_priv_protocol, v3_priv_key=device.v3_priv_key,
        v3_context=device.v3_context)


def device_poll_all(*, actor: Actor, timeout: float = 2.0, retries: int = 1,
                    concurrency: int = 64) -> PollSummary:
    """Read every active, pollable device once, all at once; record what answered."""
    devices = {d.pk: d for d in selectors.devices_to_poll()}
    results = snmp.poll([device_target(d) for d in devices.values()], timeout=timeout,
                        retries=retries, concurrency=concurrency)
    now = timezone.now()
    summary = PollSummary()
    for result in results:
        device = devices[result.key]
        if not result.ok:
            device_mark_failed(device=device, error=result.error, at=now)
            summary.failed += 1
            summary.failures.append((str(device), result.error))
            continue
        reading = reading_record(actor=actor, device=device, total=result.total, mono=result.mono,
                                 colour=result.colour, read_at=now, sys_descr=result.sys_descr,
                                 serial=result.serial)
        summary.read += 1
        if reading.baseline == Reading.Baseline.RESET:
            summary.reset += 1
        elif reading.baseline == Reading.Baseline.REPLACED:
            summary.replaced += 1
    audit_record(actor=actor, action="dx.poll", target="",
                 detail={"read": summary.read, "failed": summary.failed, "reset": summary.reset,
                         "replaced": summary.replaced})
    return summary


@transaction.atomic
def paper_settings_save(*, actor: Actor, settings: PaperSettings, changed: list[str] | None = None,
                        created: bool = False) -> PaperSettings:
    """Save the paper report's figures for a fiscal year (baseline, target, prices, CO2), audited."""
    settings.full_clean()
    settings.save()
    audit_record(actor=actor, action="dx.paper_settings_add" if created else "dx.paper_settings_change",
                 target=str(settings),
                 detail={name: str(getattr(settings, name)) for name in (changed or [])})
    return settings


@transaction.atomic
def paper_settings_delete(*, actor: Actor, settings: PaperSettings) -> None:
    audit_record(actor=actor, action="dx.paper_settings_delete", target=str(settings))
    settings.delete()
