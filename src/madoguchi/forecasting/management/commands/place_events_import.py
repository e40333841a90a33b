"""``madoguchi manage place_events_import --place CODE FILE.csv``: a place's event days
(``date,name``), a feature of its forecast. Re-importing a day replaces its name."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from madoguchi.core.actors import SYSTEM
from madoguchi.core.errors import ServiceError
from madoguchi.forecasting.models import Place
from madoguchi.forecasting.services import place_event_days_import


class Command(BaseCommand):
    help = "観光地の行事の日（CSV: date,name）を取り込む (import a place's event days)"

    def add_arguments(self, parser):
        parser.add_argument("--place", required=True, help="観光地コード")
        parser.add_argument("file", help="CSV: date,name")

    def handle(self, *args, place, file, **options):
        target = Place.objects.filter(code=place).first()
        if target is None:
            raise CommandError(f"観光地コード {place} はありません。先に madoguchi manage place_save で登録してください。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"ファイル {file} がありません。")
        try:
            stored = place_event_days_import(actor=SYSTEM, place=target, data=path.read_bytes())
        except ServiceError as exc:
            raise CommandError(f"{exc.message} 何も取り込んでいません。") from None
        self.stdout.write(f"{place}: {stored} 日分の行事の日を取り込みました")
