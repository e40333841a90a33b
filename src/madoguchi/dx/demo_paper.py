"""Demo printers and copiers with their page counters: the baseline year 2019 (令和元年度) and the
last twelve months, so the paper report has something to say.

About 30 devices in ten sections (課所) as in the seed's sheet, the makers a city hall has. Each
is "read" at 06:15 on the 1st of each month (counting for the month before, as the daily poll
would). Between 2020 and the recent months every machine was replaced (a lease renewal: a new
serial, so a new baseline, not five years of pages in one month). In the recent months most
sections print about a third less than in 2019 and slowly less; こども課 prints more (a new
benefit's notices), one copier's counter is reset by a service engineer and one printer is
replaced mid-month. Deterministic (seeded random) and idempotent.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from madoguchi.core.actors import SYSTEM
from madoguchi.core.timeutil import JST, business_date

from . import selectors, services
from .models import Device, Maker, Reading

P, C = Device.Kind.PRINTER, Device.Kind.COPIER
# (課所, third octet, [(maker, kind, model, pages a month in 2019, colour share)], change vs 2019)
SECTIONS = [
    ("市民課", 21, [(Maker.FUJIFILM, C, "ApeosPort C3070", 26_000, .05),
                   (Maker.FUJIFILM, C, "ApeosPort C3070", 22_000, .05),
                   (Maker.EPSON, P, "LP-S3290", 6_000, 0), (Maker.RICOH, P, "IP 500SF", 5_000, 0)], -.36),
    ("保険年金課", 22, [(Maker.RICOH, C, "IM C3000", 18_000, .06), (Maker.CANON, P, "LBP322i", 7_000, 0),
                     (Maker.KYOCERA, P, "ECOSYS P3145dn", 6_000, 0)], -.32),
    ("こども課", 23, [(Maker.KONICA_MINOLTA, C, "bizhub C360i", 14_000, .12),
                    (Maker.EPSON, P, "LP-S380DN", 4_500, 0), (Maker.SHARP, P, "MX-B357F", 3_000, 0)], .08),
    ("介護保険課", 24, [(Maker.SHARP, C, "MX-3661", 15_000, .05), (Maker.KYOCERA, P, "ECOSYS P3145dn", 5_000, 0),
                     (Maker.CANON, P, "LBP322i", 4_000, 0)], -.24),
    ("税務課", 25, [(Maker.FUJIFILM, C, "ApeosPort C4570", 30_000, .03),
                  (Maker.FUJIFILM, C, "ApeosPort C4570", 24_000, .03),
                  (Maker.RICOH, P, "IP 500SF", 8_000, 0), (Maker.KYOCERA, P, "ECOSYS P4140dn", 6_000, 0)], -.41),
    ("情報政策課", 10, [(Maker.FUJIFILM, C, "ApeosPort C3070", 9_000, .15),
                     (Maker.EPSON, P, "LP-M8180", 2_500, .4)], -.55),
    ("企画調整課", 11, [(Maker.FUJIFILM, C, "ApeosPort C2570", 10_000, .2),
                     (Maker.CANON, P, "LBP662C", 3_000, .5)], -.38),
    ("広報広聴課", 13, [(Maker.KONICA_MINOLTA, C, "bizhub C450i", 12_000, .45),
                     (Maker.EPSON, P, "LP-S3290", 3_500, 0)], -.18),
    ("秘書課", 14, [(Maker.RICOH, C, "IM C2500", 6_000, .3), (Maker.FUJIFILM, P, "ApeosPrint C320z", 2_000, .6)], -.27),
    ("総務課", 15, [(Maker.FUJIFILM, C, "ApeosPort C5570", 20_000, .04),
                  (Maker.SHARP, C, "MX-4171", 12_000, .05), (Maker.KYOCERA, P, "ECOSYS P3145dn", 5_000, 0)], -.30),
]
NOTES = {("市民課", 0): "1階 窓口奥", ("情報政策課", 0): "情報事務室内", ("秘書課", 0): "市長用カラー",
         ("総務課", 0): "印刷室"}
# month → how busy (転入・転出 in March–April, 確定申告・住民税 in January–March, 6月 住民税通知)
SEASON = {4: 1.25, 5: 1.0, 6: 1.1, 7: .95, 8: .85, 9: .95, 10: 1.0, 11: .95, 12: .9, 1: 1.05, 2: 1.1, 3: 1.3}
SPLITS = {Maker.FUJIFILM, Maker.KYOCERA, Maker.KONICA_MINOLTA, Maker.EPSON, Maker.CANON}
RESET = ("税務課", 1)      # a service engineer replaced its controller board: the counter restarts
REPLACED = ("介護保険課", 1)  # a printer swapped for a new one mid-month


def demo_devices() -> list[tuple[Device, tuple]]:
    by_name = selectors.sections_by_name()
    out = []
    for name, octet, machines, change in SECTIONS:
        for i, (maker, kind, model, volume, colour) in enumerate(machines):
            host = f"10.11.{octet}.{214 + i}"
            url = (f"http://{host}/ews/default.htm" if maker == Maker.FUJIFILM
                   else f"http://{host}/web/guest/ja/web" if maker == Maker.RICOH else f"http://{host}/")
            device, _ = Device.objects.get_or_create(host=host, port=161, defaults={
                "url": url, "section_name": name, "section": by_name.get(name), "maker": maker,
                "model_name": model, "kind": kind, "note": NOTES.get((name, i), ""),
                "pollable": False})  # simulated: `madoguchi dx poll` leaves them alone
            out.append((device, (name, i, volume, colour, change)))
    return out


def _first_mornings(start: dt.date, end: dt.date) -> list[dt.datetime]:
    """06:15 on the 1st of each month from ``start`` to ``end`` (both 1st of a month)."""
    out, day = [], start
    while day <= end:
        out.append(dt.datetime(day.year, day.month, 1, 6, 15, tzinfo=JST))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


class _Counter:
    """One simulated machine's counters, read through the real service."""

    def __init__(self, device: Device, serial: str, start: int, splits: bool, log: list):
        self.device, self.serial, self.total, self.colour, self.splits = device, serial, start, start // 20, splits
        self.rest_of_month = 1.0  # after a mid-month reset or swap: the part of the month left
        self.log = log

    def read(self, at: dt.datetime) -> None:
        self.log.append(services.ReadingIn(
            read_at=at, total=self.total, serial=self.serial,
            sys_descr=f"{self.device.get_maker_display()} {self.device.model_name}",
            mono=self.total - self.colour if self.splits else None,
            colour=self.colour if self.splits else None))

    def print(self, pages: int, colour_share: float) -> None:
        pages, self.rest_of_month = round(pages * self.rest_of_month), 1.0
        self.total += pages
        self.colour += round(pages * colour_share)


@transaction.atomic
def seed_paper_demo(today: dt.date | None = None) -> int:
    """Idempotent: the demo devices' readings are written once. Returns the readings written."""
    devices = demo_devices()
    if Reading.objects.filter(device__in=[d for d, _ in devices]).exists():
        return 0
    today = today or business_date()
    rng = random.Random(13)
    this_month = today.replace(day=1)
    recent_start = (this_month - dt.timedelta(days=365)).replace(day=1)
    written = 0
    for device, (name, i, volume, colour, change) in devices:
        log: list[services.ReadingIn] = []
        splits = device.maker in SPLITS
        # 令和元年度: readings on 1 April 2019 … 1 April 2020 give April 2019 … March 2020
        machine = _Counter(device, f"{device.maker[:3].upper()}19{device.pk:04d}",
                           rng.randrange(40_000, 400_000), splits, log)
        for at in _first_mornings(dt.date(2019, 4, 1), dt.date(2020, 4, 1)):
            if at.month != 4 or at.year != 2019:
                month = (at - dt.timedelta(days=1)).month
                machine.print(round(volume * SEASON[month] * rng.uniform(.9, 1.1)), colour)
            machine.read(at)
        # the recent year: a new machine (lease renewal), printing less and slowly less
        machine = _Counter(device, f"{device.maker[:3].upper()}25{device.pk:04d}",
                           rng.randrange(5_000, 60_000), splits, log)
        mornings = _first_mornings(recent_start, this_month)
        for n, at in enumerate(mornings):
            if n:
                month = (at - dt.timedelta(days=1)).month
                trend = 1 + change + (.04 if change > 0 else -.04) * (n / len(mornings))
                machine.print(round(volume * trend * SEASON[month] * rng.uniform(.92, 1.08)), colour)
            machine.read(at)
            if n == 6 and (name, i) == RESET:
                machine.print(round(volume * .4), colour)
                machine.total, machine.colour = 0, 0   # the pages since the 1st are lost
                machine.rest_of_month = .6
                machine.read(at + dt.timedelta(days=14, hours=3))
            if n == 8 and (name, i) == REPLACED:
                machine.print(round(volume * .6), colour)
                machine.read(at + dt.timedelta(days=19, hours=3))      # the old one, last time
                machine = _Counter(device, f"NEW{device.pk:04d}", 12, splits, log)
                machine.rest_of_month = .4
                machine.read(at + dt.timedelta(days=19, hours=8))      # the new one: a new baseline
        written += len(services.readings_append(actor=SYSTEM, device=device, readings=log))
    return written
