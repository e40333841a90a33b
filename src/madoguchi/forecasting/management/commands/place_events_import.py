"""``madoguchi manage place_events_import --place CODE FILE.csv``: a place's event days
(``date,name``), a feature of its forecast. Re-importing a day replaces its name."""

from django.core.management.base import BaseCommand

from madoguchi.core.actors import SYSTEM
from madoguchi.forecasting.services import place_event_days_import

from ._place_file import import_for_place


class Command(BaseCommand):
    help = "観光地の行事の日（CSV: date,name）を取り込む (import a place's event days)"

    def add_arguments(self, parser):
        parser.add_argument("--place", required=True, help="観光地コード")
        parser.add_argument("file", help="CSV: date,name")

    def handle(self, *args, place, file, **options):
        stored = import_for_place(place, file, lambda target, path: place_event_days_import(
            actor=SYSTEM, place=target, data=path.read_bytes()))
        self.stdout.write(f"{place}: {stored} 日分の行事の日を取り込みました")
