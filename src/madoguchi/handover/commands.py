"""``madoguchi keys create | rotate | list [--office CODE]`` (called from madoguchi.cli)."""

from __future__ import annotations

import argparse

from madoguchi.core.actors import SYSTEM
from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import to_jst

from . import selectors, services

STATE_LABELS = {"current": "有効（配布中）", "grace": "更新済み・復号のみ", "expired": "期限切れ",
                "copy": "公開側の写し"}


def _fmt(at) -> str:
    return to_jst(at).strftime("%Y-%m-%d %H:%M") if at else "-"


def run(args: argparse.Namespace) -> int:
    try:
        if args.keys_command == "create":
            key = services.office_key_create(actor=SYSTEM, office_code=args.office)
            print(f"鍵を作成しました / created: office={key.office_code} kid={key.kid}")
        elif args.keys_command == "rotate":
            key = services.office_key_rotate(actor=SYSTEM, office_code=args.office)
            print(f"鍵を更新しました / rotated: office={key.office_code} kid={key.kid} "
                  f"(古い鍵は {selectors.grace().days} 日間復号に使えます / old keys decrypt for "
                  f"{selectors.grace().days} days)")
        else:
            keys = selectors.key_list(args.office)
            if not keys:
                print("鍵はありません / no keys (madoguchi keys create --office CODE)")
            print(f"{'office':<12} {'kid':<8}  {'created (JST)':<16}  {'decrypts until':<16}  "
                  f"{'public key':<18} state")
            for key in keys:
                print(f"{key.office_code:<12} {key.kid:<8}  {_fmt(key.created_at):<16}  "
                      f"{_fmt(selectors.decrypts_until(key)):<16}  {key.public_key[:16]}…  "
                      f"{STATE_LABELS[selectors.key_state(key)]}")
    except ServiceError as exc:
        print(f"{exc.message} ({exc.code})")
        return 1
    return 0
