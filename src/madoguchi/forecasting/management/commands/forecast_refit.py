"""``madoguchi manage forecast_refit [--office CODE] [--days 56]``: the nightly 混雑予想 refit.

Run once a night after closing, e.g. cron ``15 2 * * * madoguchi manage forecast_refit`` or a
systemd timer with ``OnCalendar=*-*-* 02:15:00`` (docs/forecast.md).
"""

from django.core.management.base import BaseCommand, CommandError

from madoguchi.forecasting.services import FORECAST_DAYS, forecast_refit
from madoguchi.queueing.models import Office


class Command(BaseCommand):
    help = "混雑予想を再計算して保存する (refit the congestion forecast of every office or one)"

    def add_arguments(self, parser):
        parser.add_argument("--office", help="庁舎・拠点コード (default: every office)")
        parser.add_argument("--days", type=int, default=FORECAST_DAYS, help="予測する日数 (default 56)")

    def handle(self, *args, office=None, days=FORECAST_DAYS, **options):
        offices = Office.objects.all() if office is None else Office.objects.filter(code=office)
        if office is not None and not offices.exists():
            raise CommandError(f"庁舎・拠点コード {office} はありません (no such office)")
        for each in offices.order_by("code"):
            stored = forecast_refit(office=each, days=days)
            self.stdout.write(f"{each.code}: {stored} 時間分の混雑予想を保存しました")
