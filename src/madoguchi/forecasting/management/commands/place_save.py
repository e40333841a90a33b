"""``madoguchi manage place_save CODE --name 名称 [...]``: register or update a place (観光地).

The command line (not only the admin site) because the public side, which has no admin site,
imports and forecasts its places itself (docs/forecast.md).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from madoguchi.core.actors import SYSTEM
from madoguchi.core.errors import ServiceError
from madoguchi.forecasting.models import HolidayOnClosedWeekday, PlaceKind
from madoguchi.forecasting.services import place_save


def _hours(text: str) -> tuple[dt.time, dt.time]:
    try:
        opens, closes = (dt.time.fromisoformat(part.strip().zfill(5)) for part in text.split("-"))
    except ValueError:
        raise CommandError(f"開場時間 {text} を読み取れません（例: 9:00-17:00）。") from None
    return opens, closes


class Command(BaseCommand):
    help = "観光地を登録・更新する (create or update a place)"

    def add_arguments(self, parser):
        parser.add_argument("code", help="観光地コード（URL と API で使う半角英数字）")
        parser.add_argument("--name", required=True, help="名称（日本語）")
        parser.add_argument("--name-en", default="", help="名称（英語）")
        parser.add_argument("--kind", default=PlaceKind.OTHER, choices=PlaceKind.values)
        parser.add_argument("--country", default="JP", help="祝日の国（ISO 3166 の2文字, default JP）")
        parser.add_argument("--tz", default="Asia/Tokyo", help="タイムゾーン (default Asia/Tokyo)")
        parser.add_argument("--hours", help="開場時間 例: 9:00-17:00（省略すると終日）")
        parser.add_argument("--closed-weekdays", default="", help="定休日 0=月 … 6=日、カンマ区切り 例: 0")
        parser.add_argument("--on-holiday", default=HolidayOnClosedWeekday.CLOSED,
                            choices=HolidayOnClosedWeekday.values,
                            help="定休日が祝日のとき: closed 休館（既定）, open 開館, "
                                 "next_weekday 開館し翌平日に休館（「月曜休館（祝日の場合は翌平日）」）")
        parser.add_argument("--year-end", default="",
                            help="年末年始の休館 例: 12/29-1/3（両日を含む。省略すると年末年始も開館）")
        parser.add_argument("--closed-dates", default="",
                            help="臨時休館日 YYYY-MM-DD、カンマ区切り 例: 2026-02-10,2026-02-11（保存のたびに置き換え）")
        parser.add_argument("--hidden", action="store_true", help="市民向けページと API に表示しない")

    def handle(self, *args, **o):
        opens = closes = None
        if o["hours"]:
            opens, closes = _hours(o["hours"])
        try:
            weekdays = [int(d) for d in o["closed_weekdays"].split(",") if d.strip()]
        except ValueError:
            raise CommandError("定休日は 0（月曜）… 6（日曜）の数字で指定してください。") from None
        year_end = None
        if o["year_end"]:
            parts = o["year_end"].split("-") if "/" in o["year_end"] else o["year_end"].split("..")
            if len(parts) != 2:
                raise CommandError(f"年末年始の休館 {o['year_end']} を読み取れません（例: 12/29-1/3）。")
            year_end = (parts[0], parts[1])
        dates = [d.strip() for d in o["closed_dates"].split(",") if d.strip()]
        try:
            place = place_save(actor=SYSTEM, code=o["code"], name=o["name"], name_en=o["name_en"],
                               kind=o["kind"], country=o["country"], time_zone=o["tz"],
                               opens_at=opens, closes_at=closes, closed_weekdays=weekdays,
                               closed_weekday_holiday=o["on_holiday"], year_end=year_end,
                               closed_dates=dates, is_public=not o["hidden"])
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"観光地 {place.code}（{place.name}）を保存しました")
