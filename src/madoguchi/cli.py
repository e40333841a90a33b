"""Command line: ``madoguchi demo | serve | manage …`` (also ``python -m madoguchi``)."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path


def _setup(settings_module: str = "madoguchi.settings.base") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


def _limits_line() -> str:
    """The throttling a visitor of the demo may run into (docs/operations.ja.md「アクセスの制限」)."""
    from django.conf import settings

    issue = settings.THROTTLE["issue"]["device"] if settings.THROTTLE_ENABLED else "制限なし"
    return (f"  制限: パスワードを {settings.LOGIN_FAILURE_LIMIT} 回続けて間違えると "
            f"{settings.LOGIN_LOCKOUT_MINUTES} 分ログイン不可 / 発券は 1 台あたり {issue} "
            "(MADOGUCHI_LOGIN_* / MADOGUCHI_THROTTLE_*)")


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port`` (in Japanese and English), or None.

    Checked before anything is printed or migrated: a demo that prints every address and
    then dies because the port is taken leaves a newcomer with a page of dead links.
    """
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if os.name != "nt":
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            return (f"ポート {port} ({host}) を使えません。ほかのプログラム（別の madoguchi demo など）が"
                    f"使っている可能性があります。終了させるか、--port で別の番号を指定してください"
                    f"（例: madoguchi demo --port {port + 1}）。\n"
                    f"Port {port} on {host} is not available ({exc.strerror or exc}). Another program "
                    f"(perhaps another madoguchi demo) may be using it: stop it, or choose another "
                    f"port with --port (e.g. madoguchi demo --port {port + 1}).")
    return None


def _print_demo_banner(host: str, port: int, simulate: bool, sample_ticket: str | None = None,
                       cases: list[str] | None = None, form_case: str | None = None,
                       booking=None) -> None:
    from madoguchi.queueing.demo import HUMAN_COUNTER

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    lines = [
        "",
        "Madoguchi デモを起動しました (demo mode — do not use with real data)",
        "",
        "画面 / Screens:",
        f"  トップ              {base}/",
        f"  発券機 (kiosk)       {base}/o/demo/kiosk/?device=demo-kiosk",
        f"  窓口 (counter)       {base}/o/demo/counter/        (ログイン: staff / staff)",
        f"  ロビー表示 (display) {base}/o/demo/display/",
        f"  混雑状況 (public)    {base}/o/demo/board/",
        f"  混雑予想 (public)    {base}/o/demo/forecast/        (JSON: /api/v1/offices/demo/forecast)",
        f"  フロア管理 (super.)  {base}/o/demo/supervisor/     (ログイン: admin / admin)",
        f"  管理画面 (admin)     {base}/admin/                  (ログイン: admin / admin)",
        f"  API (OpenAPI)        {base}/api/v1/docs",
        f"  観光地の混雑予想     {base}/places/demo-garden/     (JSON: /api/v1/places/demo-garden/forecast)",
        f"  引継ぎQRの公開鍵     {base}/api/v1/handover/keys    (madoguchi keys list)",
        "",
        "手続きナビ / Procedure navigator (which procedures a move, a birth … needs):",
        f"  スマートフォン (phone) {base}/o/demo/navi/",
        f"  届出の事前入力 (form)  {base}/o/demo/form/          (引越し: 転入・転出・転居)",
        f"  発券機 (kiosk)         {base}/o/demo/kiosk/navi/?device=demo-kiosk",
        f"  聞き取り (interview)   {base}/o/demo/interview/      (ログイン: staff / staff)",
        "  スマートフォンの回答はサーバーに送られず、結果画面の引継ぎQRで窓口に渡ります。",
        "  The phone's answers never reach the server: the result page seals them into a QR code.",
        "",
        "来庁案件（ワンストップ）/ One-stop cases:",
        (f"  {HUMAN_COUNTER}番窓口の「保留中」の番号を「呼出」すると、番号の下に来庁案件が開きます"
         if simulate else f"  {HUMAN_COUNTER}番窓口で「次を呼出」すると、番号の下に来庁案件が開きます")
        + (f"（{'、'.join(cases)}）。" if cases else "。"),
        (f"  Call a held (保留中) visitor at counter {HUMAN_COUNTER}" if simulate
         else f"  Call the next visitor at counter {HUMAN_COUNTER}")
        + ": their one-stop case opens below the number; 「次の窓口へ」 sends them on keeping their place.",
        "  引継ぎQR・案件番号は窓口画面の「QR・案件番号を読み取り」欄へ（キー C）。",
        f"  対応中の案件 (super.) {base}/o/demo/cases/         (ログイン: admin / admin)",
        "",
        *(_forms_banner(base, form_case) if form_case else []),
        *_reservations_banner(base, booking),
        *_dx_banner(base),
        "整理券の画面 / A ticket page (what a citizen's phone shows):",
        "  発券機でボタンを押すと番号札が出ます。番号札の QR コードを読み取るか、印刷されたアドレスを開いてください。",
        "  Take a ticket at the kiosk, then scan its QR code or open the address printed on it.",
        *([f"  見本 / sample         {base}/t/{sample_ticket}/"] if sample_ticket else []),
        "",
        "市民センター（開庁時間あり: 平日 8:45～17:30、祝日・年末年始は閉庁、3月に休日開庁1日）/",
        "Community center with real hours (weekdays 8:45-17:30; 転入 until 16:30, 証明書 until 17:15):",
        f"  発券機 (kiosk)       {base}/o/center/kiosk/?device=center-kiosk",
        f"  窓口 (counter)       {base}/o/center/counter/      (ログイン: staff / staff)",
        f"  ロビー表示 (display) {base}/o/center/display/",
        f"  混雑状況 (public)    {base}/o/center/board/",
        f"  混雑予想 (public)    {base}/o/center/forecast/      (休日開庁・閉庁日つき)",
        f"  開庁日 (calendar)    {base}/api/v1/offices/center/calendar?days=31",
        "  (本庁舎 demo は終日受付、市民センター center は時間外・受付終了後に発券しません)",
        "",
        "デモ用ログイン / Demo log-ins:",
        "  窓口職員 staff / staff      管理者 admin / admin",
        "  API トークン: Authorization: Bearer demo-kiosk (発券機) / demo-staff (窓口職員)",
        _limits_line(),
        "",
        *([f"来庁者と職員の動きをシミュレーションしています (--simulate)。{HUMAN_COUNTER}番窓口はあなたの操作用に空けています。",
           f"Simulating visitors and clerks (--simulate); counter {HUMAN_COUNTER} is left for you: "
           f"{base}/o/demo/counter/"] if simulate
          else ["画面を動かし続けるには --simulate を付けて起動してください"]),
        "終了: Ctrl+C",
        "",
    ]
    print("\n".join(lines), flush=True)


def _forms_banner(base: str, _code: str) -> list[str]:
    from madoguchi.forms import selectors as form_selectors
    from madoguchi.forms.demo import DEMO_NAME

    forms = form_selectors.forms_installed()
    return [
        "書かない窓口: 記入済みの帳票 / Pre-filled forms (case DEMO-1: 転入, 4 people, 髙・﨑・𠮷):",
        f"  窓口画面の「QR・案件番号を読み取り」欄に {DEMO_NAME} と入力すると、印刷ボタンが並びます。",
        f"  Type {DEMO_NAME} into the counter screen's scan field (key C): its print buttons appear.",
        "  E で届出内容の確認・訂正。案件のない来庁者は E で聞き取り（スマートフォンのない方）。",
        "  Key E: the case's form data to check and correct; with no case, 聞き取り (opens a case).",
        f"  案件 {DEMO_NAME} (case page)   {base}/o/demo/cases/{DEMO_NAME}/   (ログイン: staff / staff)",
        *[f"  {base}/api/v1/cases/{DEMO_NAME}/forms/{f['code']}.pdf  {f['name']}" for f in forms],
        f"  {base}/api/v1/forms  様式の一覧 (API, Bearer demo-staff)",
        "",
    ]


def _reservations_banner(base: str, booking) -> list[str]:
    from madoguchi.core.timeutil import JST
    from madoguchi.reservations.demo import DEMO_CARD

    start = booking.start.astimezone(JST) if booking else None
    return [
        "来庁予約 / Reservations (転入・転出ワンストップ, マイナンバーカード受取, 一般相談):",
        *([f"  予約 DEMO-R1 ({start:%H:%M}～, 一般相談): 発券機で DEMO-R1 と入力するとファストレーンの番号札が出ます。",
           "  Booking DEMO-R1 is for the current half hour: type DEMO-R1 at the kiosk for a fast-lane ticket."]
          if start else []),
        f"  カード受取の見本 / sample card notice: 交付通知書番号 {DEMO_CARD[0]}, 生年月日 {DEMO_CARD[1]}",
        f"  予約 (スマートフォン) {base}/o/demo/reserve/",
        f"  予約の種類 (API)     {base}/api/v1/offices/demo/reservation-types",
        f"  空き枠 (API)         {base}/api/v1/offices/demo/slots?type=general&days=7",
        "",
    ]


def _dx_banner(base: str) -> list[str]:
    return [
        "DX推進 / DX office (KPI・紙使用量, 庁内側のみ / internal side only):",
        f"  DX推進のトップ     {base}/dx/                    (ログイン: dx / dx)",
        f"  KPI（成果指標）     {base}/dx/kpis/   資料の表: {base}/dx/kpis/?fy=2021",
        f"  KPI (API)          {base}/api/v1/dx/kpis?fy=2021",
        f"  紙の使用量         {base}/dx/paper/              (課所×月, 2019年度比, CSV/Excel)",
        "  API トークン: Authorization: Bearer demo-dx",
        "",
    ]


def cmd_demo(args: argparse.Namespace) -> int:
    problem = port_problem(args.host, args.port)
    if problem:
        print(problem, file=sys.stderr, flush=True)
        return 2
    os.environ["MADOGUCHI_DEMO"] = "1"
    os.environ.setdefault("MADOGUCHI_DEBUG", "0")
    db = Path(args.db).resolve()
    if not os.environ.get("MADOGUCHI_DATABASE_URL"):  # unset or empty: SQLite at --db, as settings read it
        os.environ["MADOGUCHI_SQLITE_PATH"] = str(db)
    hosts = os.environ.get("MADOGUCHI_ALLOWED_HOSTS", "")
    os.environ["MADOGUCHI_ALLOWED_HOSTS"] = ",".join(
        h for h in [hosts, "127.0.0.1", "localhost", args.host, "[::1]"] if h)
    _setup()
    problem = catalogue_problem()
    if problem:
        print(problem, file=sys.stderr, flush=True)
        return 2
    from django.core.management import call_command

    from madoguchi.queueing.demo import (
        DEMO_OFFICE,
        Simulator,
        load_center_data,
        load_demo_data,
        sample_ticket_id,
        seed_morning,
    )

    call_command("migrate", interactive=False, verbosity=0)
    office = load_demo_data()
    center = load_center_data()
    from madoguchi.handover.demo import ensure_demo_keys

    ensure_demo_keys()  # the hand-over QR needs an office key (GET /api/v1/handover/keys)
    seed_morning(office)
    from madoguchi.cases.demo import seed_cases

    demo_cases = seed_cases(office, held=args.simulate)  # one-stop cases for counter 1's next visitors
    from madoguchi.forms.demo import seed_form_case
    from madoguchi.forms.render import warm_up

    form_case = seed_form_case(office)  # 「DEMO-1」: a household with its form data, forms to print
    from madoguchi.reservations.demo import seed_reservations

    demo_booking = seed_reservations(office)  # the three booking types and DEMO-R1 (this half hour)
    from madoguchi.dx.demo import seed_dx

    seed_dx(office)  # the DX office: log-in dx / dx, token demo-dx, devices and KPIs
    from madoguchi.forecasting.demo import seed_demo_place

    seed_demo_place()  # 観光地: a garden with a year of simulated hourly counts, its forecast fitted
    threading.Thread(target=warm_up, name="font-warm-up", daemon=True).start()  # the first print is fast
    if args.history_days > 0:  # a simulated year before today: estimates and 混雑予想 learn from it
        _demo_history([office, center], days=args.history_days)
    from madoguchi.dx.demo import refresh_kpis

    refresh_kpis()  # the KPIs computed from the queue's history (窓口の対応時間, 待ち時間 …)
    if args.simulate:
        Simulator(DEMO_OFFICE, tick=args.tick).start()
    _print_demo_banner(args.host, args.port, args.simulate, sample_ticket=sample_ticket_id(office),
                       cases=[c.display_code for c in demo_cases],
                       form_case=form_case.code if form_case else None, booking=demo_booking)
    return _run_uvicorn(args.host, args.port, workers=1)


def _demo_history(offices, *, days: int) -> threading.Thread | None:
    """The demo office's simulated past (first start only; a later start adds the missing days)
    before the banner, so the wait estimate learns from it at once; then, in a process of its own
    while the screens are up, the other offices' past and the 混雑予想 refit of every office
    without today's forecast (pure Python, ~20 s of a core for the demo office's year: in this
    process it would slow the server for as long)."""
    import atexit
    import subprocess
    import time

    from madoguchi.forecasting import refits
    from madoguchi.forecasting.demo_history import history_line, seed_history, stale_offices

    first, rest = offices[0], offices[1:]
    line = history_line([seed_history(first, days=days)], days=days)
    if line:
        print(line, flush=True)
    stale = [office.code for office in stale_offices(offices)]
    if not stale:
        return None
    refits.started(stale)  # the 混雑予想 page says 「計算しています」 meanwhile, not 「まだありません」

    def background():
        started = time.perf_counter()
        codes = []
        try:
            for office in (*rest, first):  # the rest's history, then every stale forecast
                process = subprocess.Popen(
                    [sys.executable, "-m", "madoguchi", "manage", "demo_history", "--office", office.code,
                     "--days", str(days), "--refit"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                atexit.register(lambda p=process: p.poll() is None and p.terminate())
                out, err = process.communicate()
                if process.returncode != 0:
                    print(f"模擬履歴・混雑予想の計算に失敗しました（{office.code}）: {err.strip()[-500:]}",
                          file=sys.stderr, flush=True)
                    return
                if "混雑予想を計算しました" in out:
                    codes.append(office.code)
            if codes:
                print(f"混雑予想を計算しました（{', '.join(codes)}: 8週間分, {time.perf_counter() - started:.1f}秒）"
                      " / congestion forecast refitted", flush=True)
        finally:  # after the line: a page that still said 「計算しています」 was read before it
            refits.finished(stale)

    thread = threading.Thread(target=background, name="demo-history", daemon=True)
    thread.start()
    return thread


def _run_uvicorn(host: str, port: int, workers: int) -> int:
    import uvicorn

    uvicorn.run("madoguchi.asgi:application", host=host, port=port, workers=workers,
                log_level=os.environ.get("MADOGUCHI_UVICORN_LOG_LEVEL", "warning"),
                timeout_graceful_shutdown=2, proxy_headers=True)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _setup()
    problem = catalogue_problem()
    if problem:
        print(problem, file=sys.stderr, flush=True)
        return 2
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=1)
    print(f"Madoguchi serving on http://{args.host}:{args.port}/ (role: "
          f"{os.environ.get('MADOGUCHI_ROLE', 'all')})", flush=True)
    return _run_uvicorn(args.host, args.port, workers=args.workers)


def catalogue_problem() -> str | None:
    """Why the server must not start: the procedure catalogue in service is broken, or a form
    template is (or None)."""
    from madoguchi.procedures import catalogue

    try:
        catalogue.active()
    except catalogue.CatalogueError as exc:
        return (exc.report() + "\n手続きカタログに誤りがあるため起動しません。直してから "
                "madoguchi catalogue check で確認してください。\n"
                "Not starting: the procedure catalogue is broken (see above).")
    from madoguchi.forms import layout

    try:
        layout.installed()
    except layout.TemplateError as exc:
        return (f"{exc}\n帳票の様式（MADOGUCHI_FORM_TEMPLATES_DIR）に誤りがあるため起動しません。\n"
                "Not starting: a form template is broken (see above).")
    return None


def cmd_catalogue(args: argparse.Namespace) -> int:
    import secrets

    # The check serves nothing and signs nothing: a throwaway key lets it run on any machine.
    os.environ.setdefault("MADOGUCHI_SECRET_KEY", secrets.token_urlsafe(48))
    _setup()
    from madoguchi.procedures import checker

    report = checker.check(args.dir)
    print("\n".join(report.lines()), flush=True)
    return 0 if report.ok else 1


def cmd_keys(args: argparse.Namespace) -> int:
    _setup()
    from madoguchi.handover.commands import run

    return run(args)


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete what is past its retention period: closed one-stop cases (来庁案件) closed more
    than MADOGUCHI_CASE_RETENTION_DAYS days ago (or --days), the form data (届出内容: names,
    addresses, birth dates) stored more than MADOGUCHI_FORM_RETENTION_DAYS days ago (or
    --form-days), also of open cases, and bookings' e-mail addresses, card hashes and link tokens
    MADOGUCHI_RESERVATION_RETENTION_DAYS after the visit. Run it daily (cron, systemd timer)."""
    _setup()
    from madoguchi.cases.services import (
        case_form_purge,
        case_purge,
        form_retention_days,
        retention_days,
    )
    from madoguchi.core.actors import SYSTEM

    days = retention_days() if args.days is None else args.days
    deleted = case_purge(actor=SYSTEM, days=days)
    print(f"来庁案件: 終了から {days} 日を過ぎた {deleted} 件を削除しました。 "
          f"(one-stop cases closed more than {days} days ago: {deleted} deleted)", flush=True)
    form_days = form_retention_days() if args.form_days is None else args.form_days
    forms = case_form_purge(actor=SYSTEM, days=form_days)
    print(f"届出内容: 保存から {form_days} 日を過ぎた {forms} 版を削除しました。 "
          f"(form data stored more than {form_days} days ago: {forms} versions deleted)", flush=True)
    from madoguchi.reservations.services import reservation_purge
    from madoguchi.reservations.services import retention_days as reservation_days

    booking_days = reservation_days()
    cleared = reservation_purge(actor=SYSTEM, days=booking_days)
    print(f"来庁予約: 来庁日から {booking_days} 日を過ぎた {cleared} 件の連絡先などを消去しました。 "
          f"(bookings more than {booking_days} days past: e-mail, card hash and link token of {cleared} "
          "cleared)", flush=True)
    from madoguchi.reservations.staff_services import card_notices_purge

    cards = card_notices_purge(actor=SYSTEM, days=booking_days)
    print(f"カード交付通知: 交付から {booking_days} 日を過ぎた {cards} 件を削除しました。 "
          f"(card notices handed over more than {booking_days} days ago: {cards} deleted)", flush=True)
    return 0


def cmd_estimate(args: argparse.Namespace) -> int:
    if args.estimate_command == "simulate":
        from pathlib import Path

        from madoguchi.forecasting import simulate

        scenario = simulate.SCENARIOS[args.scenario]
        if args.days:
            scenario.days = args.days
        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        rows = simulate.simulate(scenario, seed=args.seed)
        simulate.write_events(rows, out / "EVENTS.csv")
        simulate.write_office(out / "OFFICE.json")
        print(f"{len(rows)} events ({args.scenario}, seed {args.seed}) -> {out / 'EVENTS.csv'}, "
              f"{out / 'OFFICE.json'}")
        return 0
    from madoguchi.forecasting.estimate_backtest import run_cli

    return run_cli(args.office, args.events, args.out, runs=args.runs, seed=args.seed)


def cmd_manage(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["madoguchi manage", *argv])
    return 0


def cmd_forecast_backtest(args: argparse.Namespace) -> int:
    """Hourly forecasts of held-out days from COUNTS.csv (docs/forecast.md); no database needed."""
    import datetime as dt

    from madoguchi.forecasting.backtest import CountsError, backtest, print_scores, read_counts
    from madoguchi.forecasting.place_csv import PlaceCsvError, read_event_days

    try:
        events = []
        if args.events:
            with open(args.events, "rb") as handle:
                events = [day for day, _name in read_event_days(handle.read())]
        train_until = dt.date.fromisoformat(args.train_until)
        thresholds = (tuple(float(t) for t in args.thresholds.split(","))
                      if args.thresholds else None)
        with open(args.counts, encoding="utf-8", newline="") as handle:
            counts = read_counts(handle)
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            scores = backtest(counts, train_until=train_until, days=args.days,
                              country=args.country, tz=args.tz, thresholds=thresholds,
                              event_days=events, out=out)
    except (CountsError, ValueError, OSError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    except PlaceCsvError as exc:  # EVENTS.csv
        print(f"エラー / error: EVENTS.csv: {exc.message}", file=sys.stderr)
        return 2
    print_scores(scores)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="Madoguchi 窓口システム")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="デモを起動 (SQLite, demo data, demo log-ins)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--db", default="madoguchi-demo.sqlite3", help="SQLite file (default: ./madoguchi-demo.sqlite3)")
    demo.add_argument("--simulate", action="store_true", help="来庁者と職員の動きをシミュレーション")
    demo.add_argument("--history-days", type=int, default=int(os.environ.get("MADOGUCHI_DEMO_HISTORY_DAYS", 365)),
                      help="初回起動時に生成する模擬履歴の日数 (default 365, 0 = なし; MADOGUCHI_DEMO_HISTORY_DAYS)")
    demo.add_argument("--tick", type=float, default=2.0, help=argparse.SUPPRESS)
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="本番用に起動 (settings from MADOGUCHI_* variables)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--migrate", action="store_true", help="起動前にマイグレーションを適用")
    serve.set_defaults(func=cmd_serve)

    cat = sub.add_parser("catalogue", help="手続きカタログ (procedure catalogue)")
    cat_sub = cat.add_subparsers(dest="action", required=True)
    check = cat_sub.add_parser("check", help="検査: 全ファイルの検証・テストの実行・網羅の確認 (exit 1 on failure)")
    check.add_argument("dir", nargs="?", default=None,
                       help="カタログのディレクトリ (default: MADOGUCHI_CATALOGUE_DIR or the sample)")
    check.set_defaults(func=cmd_catalogue)

    keys = sub.add_parser("keys", help="引継ぎQRの庁舎鍵: create | rotate | list [--office CODE]")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    for name, text in (("create", "庁舎の最初の鍵を作成"),
                       ("rotate", "鍵を更新（古い鍵は MADOGUCHI_HANDOVER_KEY_GRACE_DAYS 日だけ復号可）")):
        keys_sub.add_parser(name, help=text).add_argument(
            "--office", required=True, help="庁舎・拠点コード (e.g. demo)")
    keys_sub.add_parser("list", help="鍵の一覧（秘密鍵は表示しません）").add_argument("--office")
    keys.set_defaults(func=cmd_keys)

    # `madoguchi purge` (everything past its retention period) and `madoguchi cases purge`.
    cases = sub.add_parser("cases", help="来庁案件 (one-stop cases): purge")
    cases_sub = cases.add_subparsers(dest="cases_command", required=True)
    for parent in (sub, cases_sub):
        purge = parent.add_parser("purge", help="保存期間を過ぎた終了済みの来庁案件 (MADOGUCHI_CASE_RETENTION_DAYS) と届出内容 (MADOGUCHI_FORM_RETENTION_DAYS) を削除")
        purge.add_argument("--days", type=int, default=None,
                           help="保存日数 (default: MADOGUCHI_CASE_RETENTION_DAYS, 90)")
        purge.add_argument("--form-days", type=int, default=None,
                           help="届出内容の保存日数 (default: MADOGUCHI_FORM_RETENTION_DAYS, 30)")
        purge.set_defaults(func=cmd_purge)

    est = sub.add_parser("estimate", help="待ち時間の予測 (wait estimates): backtest | simulate")
    est_sub = est.add_subparsers(dest="estimate_command", required=True)
    bt = est_sub.add_parser("backtest", help="イベントログを再生し、発券時点の予測を評価 "
                            "(replay EVENTS.csv, predict each wait at its issue, score against the baselines)")
    bt.add_argument("--office", required=True, help="OFFICE.json (categories, counters)")
    bt.add_argument("--events", required=True, help="EVENTS.csv (at,ticket,kind,category,counter)")
    bt.add_argument("--out", required=True, help="PRED.csv (ticket,issued_at,p50_minutes,p80_minutes)")
    bt.add_argument("--runs", type=int, default=120, help="Monte-Carlo runs per prediction (default 120)")
    bt.add_argument("--seed", type=int, default=0)
    sim = est_sub.add_parser("simulate", help="市役所の窓口のシミュレーション (simulated city-hall days "
                             "-> EVENTS.csv, OFFICE.json)")
    sim.add_argument("--scenario", default="ordinary", choices=["ordinary", "march-peak"])
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--days", type=int, default=None, help="business days (default: the scenario's)")
    sim.add_argument("--out-dir", default=".", help="where EVENTS.csv and OFFICE.json go")
    est.set_defaults(func=cmd_estimate)

    forecast = sub.add_parser("forecast", help="混雑予想 (congestion forecast): backtest")
    forecast_sub = forecast.add_subparsers(dest="forecast_command", required=True)
    fb = forecast_sub.add_parser("backtest", help="時間別の来庁者数から予測し、実績があれば MASE を表示")
    fb.add_argument("--counts", required=True, help="COUNTS.csv: series,hour,count")
    fb.add_argument("--train-until", required=True, help="学習の最終日 YYYY-MM-DD")
    fb.add_argument("--days", type=int, required=True, help="予測する日数")
    fb.add_argument("--country", default="JP", help="祝日の国 (ISO 3166, default JP)")
    fb.add_argument("--tz", default=None, help="時間帯 (e.g. Pacific/Auckland; JP: Asia/Tokyo)")
    fb.add_argument("--thresholds", default=None,
                    help="5 段階の境界 4 つ (a,b,c,d; default: 繁忙時の 20/40/60/80%%)")
    fb.add_argument("--events", default=None,
                    help="EVENTS.csv: date,name — 行事の日 (every series; docs/forecast.md)")
    fb.add_argument("--out", required=True, help="PRED.csv: series,hour,predicted,level")
    fb.set_defaults(func=cmd_forecast_backtest)

    from madoguchi.dx.commands import add_parser as add_dx_parser

    add_dx_parser(sub)  # madoguchi dx import-devices FILE | madoguchi dx poll

    sub.add_parser("manage", help="Django の管理コマンド (e.g. madoguchi manage createsuperuser)",
                   add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "manage":
            return cmd_manage(argv[1:])
        args = build_parser().parse_args(argv)
        return args.func(args)
    except ImproperlyConfigured as exc:
        print(f"設定エラー / configuration error: {exc}", file=sys.stderr)
        return 2
