"""``madoguchi manage place_counts_import --place CODE FILE.csv``: a place's hourly counts.

The file is ``hour,count`` or the backtest's ``series,hour,count`` (docs/forecast.md), UTF-8 (with
or without a BOM) or Shift_JIS. A bad row stops the import with its line number and nothing of the
file is stored; importing the same hours again replaces them.
"""


from django.core.management.base import BaseCommand

from madoguchi.core.actors import SYSTEM
from madoguchi.forecasting.services import place_counts_import

from ._place_file import import_for_place


class Command(BaseCommand):
    help = "観光地の時間帯別人数（CSV）を取り込む (import a place's hourly counts)"

    def add_arguments(self, parser):
        parser.add_argument("--place", required=True, help="観光地コード")
        parser.add_argument("--series", help="series 列があるとき、取り込む系列の名前")
        parser.add_argument("file", help="CSV: hour,count または series,hour,count")

    def handle(self, *args, place, file, series=None, **options):
        stored = import_for_place(place, file, lambda target, path: place_counts_import(
            actor=SYSTEM, place=target, data=path.read_bytes(), source=path.name, series=series))
        self.stdout.write(f"{place}: {stored} 時間分の人数を取り込みました")
