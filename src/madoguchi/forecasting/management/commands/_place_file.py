"""What the place import commands share: find the place and the file, import, and say in
Japanese why nothing was stored (the underscore keeps Django from listing it as a command)."""

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError

from madoguchi.core.errors import ServiceError
from madoguchi.forecasting.models import Place


def import_for_place(place: str, file: str, importer: Callable[[Place, Path], int]) -> int:
    target = Place.objects.filter(code=place).first()
    if target is None:
        raise CommandError(f"観光地コード {place} はありません。先に madoguchi manage place_save で登録してください。")
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"ファイル {file} がありません。")
    try:
        return importer(target, path)
    except ServiceError as exc:
        raise CommandError(f"{exc.message} 何も取り込んでいません。") from None
