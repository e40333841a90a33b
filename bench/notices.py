"""Turn notices: throughput of the outbox worker, and latency from 「呼出」 to the push leaving.

Usage::

    .venv/bin/python bench/notices.py                         # scratch PostgreSQL database
    .venv/bin/python bench/notices.py --sqlite                # scratch SQLite file instead
    .venv/bin/python bench/notices.py --notices 2000 --calls 200

Everything runs in this one process, as in ``madoguchi serve`` with the
default ``MADOGUCHI_NOTICES_WORKER=thread``: Django on a scratch database, a
push-service stand-in on 127.0.0.1 (HTTP/1.1 keep-alive, answers 201) in a
child process (a push service is another machine; it still shares the two
cores), and the real worker sending real Web Push requests (aes128gcm
encryption per subscription, VAPID header, pywebpush over a requests session).

1. **throughput** — ``--notices`` tickets each with a push subscription; one
   ``notice_evaluate`` call enqueues a ``called`` notice for every one; then
   N worker threads (``--workers``) drain the outbox. notices/s = sent /
   wall time of the drain (claim, encrypt, POST, record).
2. **latency, notice_evaluate** — ``--calls`` times: t0 just before
   ``notice_evaluate`` with one ticket's ``called`` status; t1 when the
   stand-in has read the whole push request. The in-process worker thread is
   woken after commit, as in production.
3. **latency, 呼出** — the whole chain in ``MADOGUCHI_ROLE=all``: t0 just
   before ``ticket_call_next`` (the clerk's button); the board publisher
   thread computes the board and the ticket statuses, the zone hook calls
   ``notice_evaluate``, the worker thread pushes; t1 as above.

One clock: ``time.monotonic`` (CLOCK_MONOTONIC, shared by the two processes). Benchmarks measure and
print; nothing asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import secrets
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _serve(conn) -> None:
    """The stand-in's own process (a push service is another machine): report each arrival."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            conn.send((self.path, time.monotonic()))  # CLOCK_MONOTONIC: one clock for the machine
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    conn.send(server.server_address[1])
    server.serve_forever()


class StandIn:
    """A push service in a separate process that reports when each request was fully read."""

    def __init__(self):
        self.arrivals: dict[str, list[float]] = {}
        self.count = 0
        self.cv = threading.Condition()
        ours, theirs = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        self.base = f"http://127.0.0.1:{ours.recv()}"
        self._conn = ours
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                path, at = self._conn.recv()
            except (EOFError, OSError):
                return
            with self.cv:
                self.arrivals.setdefault(path, []).append(at)
                self.count += 1
                self.cv.notify_all()

    def wait_count(self, n: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.cv:
            while self.count < n and time.monotonic() < deadline:
                self.cv.wait(deadline - time.monotonic())
            return self.count >= n

    def wait_path(self, path: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.cv:
            while not self.arrivals.get(path) and time.monotonic() < deadline:
                self.cv.wait(deadline - time.monotonic())
            hits = self.arrivals.get(path)
            return hits[0] if hits else None


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(values: list[float]) -> dict:
    return {"n": len(values), "median_ms": round(statistics.median(values) * 1000, 1),
            "p99_ms": round(pct(values, 99) * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


def setup_django(database_url: str | None, sqlite_path: str) -> None:
    os.environ.update({"MADOGUCHI_DEMO": "1", "MADOGUCHI_SECRET_KEY": "bench-notices-only",
                       "MADOGUCHI_ROLE": "all", "MADOGUCHI_PUSH_HOSTS": "127.0.0.1",
                       "MADOGUCHI_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "madoguchi.settings.base"})
    if database_url:
        os.environ["MADOGUCHI_DATABASE_URL"] = database_url
    else:
        os.environ["MADOGUCHI_SQLITE_PATH"] = sqlite_path
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.NOTICES_PUSH_ALLOW_HTTP = True
    call_command("migrate", verbosity=0)


def subscription(endpoint: str) -> dict:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from madoguchi.notices.vapid import b64url

    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"endpoint": endpoint, "p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def called(public_id: str, number: int) -> dict:
    return {"public_id": public_id, "office": "demo", "number": number, "category": "moving",
            "category_name": "転入", "state": "called", "waiting_ahead": 0, "wait_minutes": 0,
            "counter": "4番窓口", "notify_ahead": 5}


def bench_throughput(stand_in: StandIn, n: int, workers: int) -> dict:
    from django.conf import settings

    from madoguchi.notices.models import NoticeDelivery, PushSubscription
    from madoguchi.notices.services import notice_evaluate
    from madoguchi.notices.worker import NoticeWorker

    settings.NOTICES_WORKER = "off"
    NoticeDelivery.objects.all().delete()
    PushSubscription.objects.all().delete()
    ids = [secrets.token_urlsafe(16) for _ in range(n)]
    PushSubscription.objects.bulk_create([
        PushSubscription(ticket_id=pid, lang="ja", **subscription(f"{stand_in.base}/push/t{workers}-{i}"))
        for i, pid in enumerate(ids)])
    t_enqueue = time.monotonic()
    enqueued = notice_evaluate(statuses=[called(pid, 1000 + i) for i, pid in enumerate(ids)])
    t_enqueue = time.monotonic() - t_enqueue
    start_count = stand_in.count
    threads = [threading.Thread(target=NoticeWorker().run_once) for _ in range(workers)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    sent = NoticeDelivery.objects.filter(status="sent").count()
    return {"workers": workers, "enqueued": enqueued, "enqueue_s": round(t_enqueue, 3),
            "received": stand_in.count - start_count, "sent": sent, "drain_s": round(elapsed, 3),
            "notices_per_s": round(sent / elapsed, 1)}


def bench_evaluate_latency(stand_in: StandIn, calls: int) -> dict:
    from django.conf import settings

    from madoguchi.notices.models import PushSubscription
    from madoguchi.notices.services import notice_evaluate

    settings.NOTICES_WORKER = "thread"
    latencies = []
    for i in range(calls):
        pid = secrets.token_urlsafe(16)
        path = f"/push/eval-{i}"
        PushSubscription.objects.create(ticket_id=pid, lang="ja", **subscription(stand_in.base + path))
        time.sleep(0.02)
        t0 = time.monotonic()
        notice_evaluate(statuses=[called(pid, 2000 + i)])
        t1 = stand_in.wait_path(path, 10)
        if t1 is not None:
            latencies.append(t1 - t0)
    return ms(latencies)


def bench_call_latency(stand_in: StandIn, calls: int) -> dict:
    """A real ticket_call_next in ROLE all: publisher thread → zone hook → notices → worker thread."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from madoguchi.core.actors import actor_for_token, actor_for_user
    from madoguchi.core.errors import ServiceError
    from madoguchi.notices.models import PushSubscription
    from madoguchi.queueing import services as queue
    from madoguchi.queueing.demo import load_demo_data

    settings.NOTICES_WORKER = "thread"
    settings.LIVE_INLINE = False
    office = load_demo_data()
    kiosk = actor_for_token("demo-kiosk")
    staff = actor_for_user(get_user_model().objects.get(username="staff"))
    counter = office.counters.get(number=1)
    try:  # whoever is still being called at counter 1 is done
        queue.ticket_finish(actor=staff, counter_id=counter.pk)
    except ServiceError:
        pass
    while queue.ticket_call_next(actor=staff, counter_id=counter.pk) is not None:  # an empty queue
        queue.ticket_finish(actor=staff, counter_id=counter.pk)
    counter_categories = set(counter.categories.values_list("code", flat=True))
    category = "moving" if "moving" in counter_categories else sorted(counter_categories)[0]
    tickets = [queue.ticket_issue(actor=kiosk, office_code="demo", category_code=category) for _ in range(calls)]
    for t in tickets:  # only the call is measured: the "near" notice counts as already sent
        PushSubscription.objects.create(ticket_id=t.public_id, lang="ja", near_notified=True,
                                        **subscription(f"{stand_in.base}/push/call-{t.public_id}"))
    time.sleep(1.0)
    latencies = []
    for _ in tickets:
        t0 = time.monotonic()
        ticket = queue.ticket_call_next(actor=staff, counter_id=counter.pk)
        t1 = stand_in.wait_path(f"/push/call-{ticket.public_id}", 10)
        if t1 is not None:
            latencies.append(t1 - t0)
        queue.ticket_finish(actor=staff, counter_id=counter.pk)
        time.sleep(0.05)
    out = ms(latencies) if latencies else {"n": 0}
    out["waiting_at_start"] = calls
    return out


def scratch_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="a scratch SQLite file instead of PostgreSQL")
    parser.add_argument("--notices", type=int, default=2000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-notices-")
    database_url = None if args.sqlite else scratch_postgres("bench_notices")
    setup_django(database_url, os.path.join(tmp, "bench.sqlite3"))
    from django.db import connection
    from django.urls import reverse

    reverse("ticket-page", args=["warm-up"])  # import the URLconf before anything is timed
    stand_in = StandIn()
    result = {
        "machine": {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                    "nproc": os.cpu_count(), "python": platform.python_version(),
                    "database": connection.vendor},
        "throughput": [bench_throughput(stand_in, args.notices, int(w)) for w in args.workers.split(",")],
        "latency_notice_evaluate_to_push": bench_evaluate_latency(stand_in, args.calls),
    }
    try:
        result["latency_call_to_push"] = bench_call_latency(stand_in, args.calls)
    except Exception as exc:  # the zone wiring may be absent on an older checkout
        result["latency_call_to_push"] = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
