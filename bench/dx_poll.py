"""One poll of 305 printers (Kanazawa: 229 printers + 76 copiers) simulated by snmpsim.

    .venv/bin/python bench/dx_poll.py [--devices 305] [--silent 0.10] [--timeout 2] [--retries 1]

One snmpsim process (tests/dx/snmpsim_agent.py, the recordings of tests/dx/snmprec: six makers)
listens on one UDP port per device on 127.0.0.1. Three measurements, each the median of three
polls: (1) the collector alone (``snmp.poll``) with every device answering; (2) the same with
``--silent`` of the devices pointed at ports nobody listens on (each costs (retries + 1) ×
timeout); (3) ``services.device_poll_all`` with the database (SQLite, a scratch file): the
poll plus recording 305 readings. The simulator is one single-threaded Python process sharing
the machine's cores with the poller, so a real network of real printers is not slower than this.
Nothing asserts (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import socket  # noqa: E402

from tests.dx.conftest import start_agent  # noqa: E402


def distinct_udp_ports(n: int) -> list[int]:
    """n different free ports (the sockets are held open until all are chosen)."""
    held = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            held.append(s)
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()

COMMUNITIES = [("xerox", "fujifilm"), ("kyocera", "kyocera"), ("konica", "konicaminolta"),
               ("epson", "epson"), ("ricoh", "ricoh"), ("xerox-later", "fujifilm")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=305)
    parser.add_argument("--silent", type=float, default=0.10)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dx-bench-"))
    silent_n = round(args.devices * args.silent)
    chosen = distinct_udp_ports(args.devices + silent_n)
    ports, unused = chosen[:args.devices], chosen[args.devices:]
    started = time.monotonic()
    agent = start_agent(ROOT / "tests" / "dx" / "snmprec", scratch / "cache", ports)
    print(f"snmpsim on {len(ports)} ports: ready in {time.monotonic() - started:.1f} s", flush=True)
    try:
        from madoguchi.dx import snmp

        targets = [snmp.Target(i, "127.0.0.1", port, maker=COMMUNITIES[i % 6][1],
                               community=COMMUNITIES[i % 6][0]) for i, port in enumerate(ports)]
        with_silent = [snmp.Target(t.key, t.host, unused[i], maker=t.maker, community=t.community)
                       if i < silent_n else t for i, t in enumerate(targets)]
        options = {"timeout": args.timeout, "retries": args.retries, "concurrency": args.concurrency}
        for label, batch in (("all answering", targets), (f"{silent_n} not answering", with_silent)):
            walls, oks = [], []
            for _ in range(3):
                t0 = time.monotonic()
                results = snmp.poll(batch, **options)
                walls.append(time.monotonic() - t0)
                oks.append(sum(r.ok for r in results))
            print(f"collector, {len(batch)} devices, {label}: median {statistics.median(walls):.2f} s "
                  f"(runs {', '.join(f'{w:.2f}' for w in walls)}), read {oks}", flush=True)

        os.environ.update(MADOGUCHI_SQLITE_PATH=str(scratch / "db.sqlite3"), MADOGUCHI_DATABASE_URL="",
                          DJANGO_SETTINGS_MODULE="madoguchi.settings.base")
        os.environ.setdefault("MADOGUCHI_SECRET_KEY", "bench-only")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        from madoguchi.core.actors import SYSTEM
        from madoguchi.dx import services
        from madoguchi.dx.models import Device

        Device.objects.bulk_create([Device(host=t.host, port=t.port, maker=t.maker,
                                           community=t.community) for t in with_silent])
        walls = []
        for _ in range(3):
            t0 = time.monotonic()
            summary = services.device_poll_all(actor=SYSTEM, **options)
            walls.append(time.monotonic() - t0)
        print(f"device_poll_all (SQLite), {args.devices} devices, {silent_n} not answering: median "
              f"{statistics.median(walls):.2f} s (runs {', '.join(f'{w:.2f}' for w in walls)}); last: "
              f"read {summary.read}, failed {summary.failed}, reset {summary.reset}", flush=True)
    finally:
        agent.terminate()
        agent.wait(timeout=10)


if __name__ == "__main__":
    main()
