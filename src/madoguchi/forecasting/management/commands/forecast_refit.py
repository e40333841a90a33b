"""``madoguchi manage forecast_refit [--office CODE | --place CODE] [--days 56]``: the nightly
混雑予想 refit of every office and every place (観光地), and the calibration of each office's
wait estimate (its last days' log replayed: the levels its P50 and P80 are read at).

Run once a night after closing, e.g. cron ``15 2 * * * madoguchi manage forecast_refit`` or a
systemd timer with ``OnCalendar=*-*-* 02:15:00`` (docs/forecast.md).
"""

from django.core.management.base import BaseCommand, CommandError

from madoguchi.forecasting.models import Place
from madoguchi.forecasting.services import (
    CALIBRATION_DAYS,
    FORECAST_DAYS,
    forecast_refit,
    place_forecast_refit,
    wait_calibration_refit,
)
from madoguchi.queueing.models import Office


class Command(BaseCommand):
    help = "混雑予想を再計算して保存する (refit the congestion forecast of every office or one)"

    def add_arguments(self, parser):
        parser.add_argument("--office", help="庁舎・拠点コード (default: every office)")
        parser.add_argument("--place", help="観光地コード (default: every place)")
        parser.add_argument("--days", type=int, default=FORECAST_DAYS, help="予測する日数 (default 56)")

    def handle(self, *args, office=None, place=None, days=FORECAST_DAYS, **options):
        if place is None or office is not None:
            self._offices(office, days)
        if office is None or place is not None:
            places = Place.objects.all() if place is None else Place.objects.filter(code=place)
            if place is not None and not places.exists():
                raise CommandError(f"観光地コード {place} はありません (no such place)")
            for each in places.order_by("code"):
                stored = place_forecast_refit(place=each, days=days)
                self.stdout.write(f"{each.code}: {stored} 時間分の混雑予想を保存しました（観光地）")

    def _offices(self, office, days):
        offices = Office.objects.all() if office is None else Office.objects.filter(code=office)
        if office is not None and not offices.exists():
            raise CommandError(f"庁舎・拠点コード {office} はありません (no such office)")
        for each in offices.order_by("code"):
            stored = forecast_refit(office=each, days=days)
            self.stdout.write(f"{each.code}: {stored} 時間分の混雑予想を保存しました")
            calibration = wait_calibration_refit(office=each)
            if calibration is None:
                self.stdout.write(f"{each.code}: 待ち時間予測の較正は履歴不足のため既定値 (P50/P80 を 0.5/0.8 で読む)")
            else:
                self.stdout.write(
                    f"{each.code}: 待ち時間予測を較正しました (P50 を {calibration.level50:.2f}、P80 を "
                    f"{calibration.level80:.2f} で読む; 直近{CALIBRATION_DAYS}日 {calibration.scored}件の再生で "
                    f"P80 到達率 {calibration.coverage80:.1%})")
