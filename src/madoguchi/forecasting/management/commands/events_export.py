"""``madoguchi manage events_export --office CODE``: the event log as EVENTS.csv (and OFFICE.json)."""

import csv
import datetime as dt
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from madoguchi.forecasting.events import event_rows, office_json
from madoguchi.forecasting.simulate import EVENT_COLUMNS
from madoguchi.queueing.models import Office


class Command(BaseCommand):
    help = ("整理券と窓口の履歴を EVENTS.csv として書き出す (the event log as the EVENTS.csv of "
            "`madoguchi estimate backtest`)")

    def add_arguments(self, parser):
        parser.add_argument("--office", required=True, help="庁舎・拠点コード")
        parser.add_argument("--since", type=dt.date.fromisoformat, help="業務日 YYYY-MM-DD から")
        parser.add_argument("--until", type=dt.date.fromisoformat, help="業務日 YYYY-MM-DD まで")
        parser.add_argument("--out", help="EVENTS.csv (default: standard output)")
        parser.add_argument("--office-json", help="OFFICE.json も書き出す (categories, counters)")

    def handle(self, *args, **options):
        office = Office.objects.filter(code=options["office"]).first()
        if office is None:
            raise CommandError(f"庁舎・拠点 {options['office']!r} がありません (no such office)")
        rows = event_rows(office, since=options["since"], until=options["until"])
        fh = open(options["out"], "w", newline="", encoding="utf-8") if options["out"] else sys.stdout
        try:
            writer = csv.DictWriter(fh, fieldnames=EVENT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        finally:
            if fh is not sys.stdout:
                fh.close()
        if options["office_json"]:
            Path(options["office_json"]).write_text(
                json.dumps(office_json(office), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
