"""``madoguchi manage notices_worker``: drain the notices outbox in its own process."""

import logging
import signal

from django.core.management.base import BaseCommand

from madoguchi.notices.vapid import vapid_public_key
from madoguchi.notices.worker import NoticeWorker

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("順番のお知らせ（Web Push・メール）を送信します。Web サーバーのスレッドではなく別プロセスで"
            "動かすときは、Web 側に MADOGUCHI_NOTICES_WORKER=off を設定してください。")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="送信待ちをすべて処理したら終了する / drain once and exit")
        parser.add_argument("--poll", type=float, default=1.0,
                            help="送信待ちを確認する間隔（秒） / seconds between polls")

    def handle(self, *args, once=False, poll=1.0, **options):
        worker = NoticeWorker(poll_seconds=poll)
        if once:
            n = worker.run_once()
            self.stdout.write(f"notices sent or attempted: {n}")
            return
        self.stdout.write(f"notices worker running (VAPID public key {vapid_public_key()}); Ctrl+C to stop")
        signal.signal(signal.SIGTERM, lambda *_: worker.stop())
        try:
            worker.run_forever()
        except KeyboardInterrupt:
            pass
        self.stdout.write(f"notices worker stopped after {worker.processed} notice(s)")
