"""``madoguchi dx import-devices FILE`` and ``madoguchi dx poll``.

Run the poll daily: cron or a systemd timer, see docs/dx.ja.md.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    dx = sub.add_parser("dx", help="DX推進: プリンタ・複合機の台帳とカウンタ (import-devices | poll)")
    dx_sub = dx.add_subparsers(dest="dx_command", required=True)
    imp = dx_sub.add_parser("import-devices", help="台帳（xlsx または CSV: IPアドレス, URL, MEMO, 課所, メーカー …）を取り込む")
    imp.add_argument("file")
    poll = dx_sub.add_parser("poll", help="全台のカウンタを SNMP で一度読み取り、集計を表示 (read, failed, reset)")
    poll.add_argument("--timeout", type=float, default=2.0, help="1回の問い合わせの待ち秒数 (default 2)")
    poll.add_argument("--retries", type=int, default=1, help="再試行の回数 (default 1)")
    poll.add_argument("--concurrency", type=int, default=64, help="同時に問い合わせる台数 (default 64)")
    dx.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from madoguchi.cli import _setup

    _setup()
    from django.conf import settings

    if settings.ROLE == "public":  # the devices and their counters live on the internal network
        print("dx は内部系（MADOGUCHI_ROLE=internal または all）でだけ使えます。 "
              "(dx runs on the internal side only)", file=sys.stderr)
        return 2
    from madoguchi.core.actors import SYSTEM

    from . import services
    from .importer import ImportError_

    if args.dx_command == "import-devices":
        try:
            summary = services.devices_import(actor=SYSTEM, path=args.file)
        except (ImportError_, OSError) as exc:
            print(f"取り込めません / cannot import {args.file}: {exc}", file=sys.stderr)
            return 1
        print(f"台帳: 追加 {summary.created} 台、更新 {summary.updated} 台 "
              f"(devices: {summary.created} created, {summary.updated} updated)", flush=True)
        return 0
    summary = services.device_poll_all(actor=SYSTEM, timeout=args.timeout, retries=args.retries,
                                       concurrency=args.concurrency)
    for device, error in summary.failures:
        print(f"  応答なし / no answer: {device}: {error}", flush=True)
    print(f"読取 {summary.read} 台、失敗 {summary.failed} 台、リセット {summary.reset} 台、交換 {summary.replaced} 台 "
          f"(read: {summary.read}, failed: {summary.failed}, reset: {summary.reset}, "
          f"replaced: {summary.replaced})", flush=True)
    if summary.failed and not summary.read:
        # Every device silent is not a printer switched off: the network, the community name or
        # the SNMP keys are wrong. Exit non-zero so that cron mails it and systemd marks it failed.
        print("どの機器からも読み取れませんでした。ネットワーク・コミュニティ名・SNMPv3 の設定を確認してください。 "
              "(no device answered: check the network and the SNMP settings)", file=sys.stderr, flush=True)
        return 1
    return 0
