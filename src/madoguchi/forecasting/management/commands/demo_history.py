"""``madoguchi manage demo_history [--office CODE] [--days 365] [--seed N]``: a simulated past for
an office, as the demo has (forecasting/demo_history.py), so a city can see the wait estimate and the
混雑予想 on its own categories and counters before it has a history of its own. Not for an
office in service: the simulated tickets would count in its statistics."""

from django.core.management.base import BaseCommand, CommandError

from madoguchi.core.errors import ServiceError
from madoguchi.forecasting.demo_history import HISTORY_DAYS, HISTORY_SEED, refit_stale, seed_history
from madoguchi.queueing.models import Office


class Command(BaseCommand):
    help = ("模擬履歴（過去の整理券と履歴）を生成する — demo/trial only (simulated past tickets and "
            "their events for an office's categories and counters)")

    def add_arguments(self, parser):
        parser.add_argument("--office", help="庁舎・拠点コード (default: every office)")
        parser.add_argument("--days", type=int, default=HISTORY_DAYS, help="過去何日分 (default 365)")
        parser.add_argument("--seed", type=int, default=HISTORY_SEED, help="乱数の種 (default 2026)")
        parser.add_argument("--refit", action="store_true",
                            help="続けて、今日の混雑予想がない庁舎の混雑予想を計算する (then refit stale forecasts)")

    def handle(self, *args, office=None, days=HISTORY_DAYS, seed=HISTORY_SEED, refit=False, **options):
        offices = Office.objects.all() if office is None else Office.objects.filter(code=office)
        if office is not None and not offices.exists():
            raise CommandError(f"庁舎・拠点コード {office} はありません (no such office)")
        for each in offices.order_by("code"):
            try:
                result = seed_history(each, days=days, seed=seed)
            except ServiceError as exc:
                raise CommandError(f"{each.code}: {exc}") from None
            if not result.days:
                self.stdout.write(f"{each.code}: 追加する日はありません（最近の履歴があります） / nothing to add")
                continue
            self.stdout.write(f"{each.code}: {result.days} 日分・整理券 {result.tickets:,} 件・履歴 {result.events:,} 件 "
                              f"({result.seconds:.1f} 秒)。" + ("" if refit else "混雑予想は madoguchi manage forecast_refit で更新します。"))
        if refit:
            for code in refit_stale(list(offices.order_by("code"))):
                self.stdout.write(f"{code}: 混雑予想を計算しました（8週間分）")
