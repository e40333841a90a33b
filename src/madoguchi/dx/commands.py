"""``madoguchi dx import-devices FILE``, ``madoguchi dx poll`` and ``madoguchi dx kpis [--refresh]``.

Run the poll daily: cron or a systemd timer, see docs/dx.ja.md.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    dx = sub.add_parser("dx", help="DX推進: プリンタ・複合機の台帳とカウンタ、KPI (import-devices | poll | kpis)")
    dx_sub = dx.add_subparsers(dest="dx_command", required=True)
    imp = dx_sub.add_parser("import-devices", help="台帳（xlsx または CSV: IPアドレス, URL, MEMO, 課所, メーカー …）を取り込む")
    imp.add_argument("file")
    poll = dx_sub.add_parser("poll", help="全台のカウンタを SNMP で一度読み取り、集計を表示 (read, failed, reset)")
    poll.add_argument("--timeout", type=float, default=2.0, help="1回の問い合わせの待ち秒数 (default 2)")
    poll.add_argument("--retries", type=int, default=1, help="再試行の回数 (default 1)")
    poll.add_argument("--concurrency", type=int, default=64, help="同時に問い合わせる台数 (default 64)")
    kpis = dx_sub.add_parser("kpis", help="KPI: システムが計算する KPI（紙の使用量・窓口の対応時間など）を更新して一覧を表示")
    kpis.add_argument("--refresh", action="store_true", help="計算し直して、変わった値を実績として記録する")
    kpis.add_argument("--fy", type=int, action="append",
                      help="年度（西暦、4月始まり）。複数指定可。省略すると今年度（--refresh では前年度と今年度）")
    kpis.add_argument("--load-seed", action="store_true",
                      help="資料（金沢市デジタル戦略のKPI）の KPI・目標値・実績を読み込む")
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

    if args.dx_command == "kpis":
        return _kpis(args, SYSTEM)
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


def _kpis(args: argparse.Namespace, actor) -> int:
    from . import fiscal, kpi_seed, kpi_selectors, kpi_services

    if args.load_seed:
        loaded = kpi_seed.load_seed(actor=actor)
        print(f"資料の KPI {len(loaded)} 件を読み込みました (loaded {len(loaded)} KPIs)", flush=True)
    this_year = fiscal.current_fiscal_year()
    years = args.fy or ([this_year - 1, this_year] if args.refresh else [this_year])
    if args.refresh:
        s = kpi_services.kpis_refresh(actor=actor, fiscal_years=years)
        print(f"更新: 記録 {s.written} 件、変化なし {s.unchanged} 件、データなし {s.nothing} 件 "
              f"(written: {s.written}, unchanged: {s.unchanged}, no data: {s.nothing})", flush=True)
    for fy in years:
        print(f"{fy}年度（{fiscal.label(fy)}）", flush=True)
        for row in kpi_selectors.table(fy):
            print(f"  {row.kpi.code:20} {row.kpi.name}: 目標 {row.target_text} / {row.achievement}", flush=True)
    return 0
