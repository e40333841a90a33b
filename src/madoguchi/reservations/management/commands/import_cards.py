"""``madoguchi manage import_cards cards.csv --office honcho [--replace]``: the card system's list of
cards ready for pickup (交付通知書番号, 生年月日, 氏名), internal side only."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from madoguchi.core.actors import SYSTEM
from madoguchi.core.errors import ServiceError


class Command(BaseCommand):
    help = "マイナンバーカード交付通知の一覧（CSV: 交付通知書番号, 生年月日, 氏名）を取り込みます（庁内側のみ）。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="カードシステムから出力した CSV（UTF-8 または Shift_JIS）")
        parser.add_argument("--office", required=True, help="庁舎・拠点のコード")
        parser.add_argument("--rehash", action="store_true",
                            help="取り込まずに、鍵付きハッシュだけを作り直します（MADOGUCHI_CARD_HASH_KEY を変えたとき）")
        parser.add_argument("--replace", action="store_true",
                            help="ファイルを一覧の全体とみなし、載っていない未交付の通知を削除します")

    def handle(self, *args, file, office, replace, rehash, **options):
        from madoguchi.reservations.staff_services import card_hashes_refresh, card_notices_import

        if settings.ROLE == "public":
            raise CommandError("公開側ではカードの一覧を取り込めません（個人情報は庁内側だけに置きます）。")
        if rehash:
            from django.db import transaction

            from madoguchi.reservations import hooks
            from madoguchi.reservations.services import office_by_code

            try:
                row = office_by_code(office)
            except ServiceError as exc:
                raise CommandError(exc.message) from None
            with transaction.atomic():
                count = card_hashes_refresh(office=row)
                transaction.on_commit(lambda: hooks.emit(hooks.SCHEDULE, row))
            self.stdout.write(f"鍵付きハッシュを作り直しました: {count}件。")
            return
        if not file:
            raise CommandError("CSV ファイルを指定してください（ハッシュの作り直しだけなら --rehash）。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"ファイルがありません: {path}")
        try:
            result = card_notices_import(actor=SYSTEM, office=office, data=path.read_bytes(), replace=replace)
        except ServiceError as exc:
            problems = (exc.detail or {}).get("problems") if isinstance(exc.detail, dict) else None
            raise CommandError("\n".join(problems) if problems else exc.message) from None
        self.stdout.write(
            f"{result['rows']}行を読みました: 追加 {result['added']}件、更新 {result['updated']}件、"
            f"変更なし {result['unchanged']}件、削除 {result['removed']}件。"
            f"公開側に送る鍵付きハッシュ {result['hashes']}件。")
