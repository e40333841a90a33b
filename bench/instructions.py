"""Instructions per ticket lifecycle, per board snapshot and per empty request, counted by
callgrind: steady on a machine that other work keeps busy, where times and rates drift.

Usage::

    .venv/bin/python bench/instructions.py                  # 30 of each
    PYTHONPATH=<other tree>/src .venv/bin/python bench/instructions.py --n 30

Needs ``valgrind`` (Debian package) on the PATH. The script runs itself under
``valgrind --tool=callgrind --instr-atstart=no`` on a scratch PostgreSQL
database with the demo office, in one process (Django's test client, the real
middleware chain and views, no uvicorn): after a warm-up it switches counting
on (``callgrind_control -i on``) for ``--n`` lifecycles (issue, call-next,
finish at counter 1, kiosk and staff tokens as in ``bench/lifecycles.py``), then
for ``--n`` board snapshots published (``queueing.live.publish_board``: the
snapshot, the broker and the board hooks) and for ``3 × --n`` ``GET /healthz``.
Boards are counted on their own (the publisher thread is kept out of the
lifecycles): a server makes at most ten per second per worker process, whatever
the rate of lifecycles. PostgreSQL's own work is not counted (another process).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    PYTHON,
    ROOT,
    machine,
    prepare_demo_database,
    print_json,
    reachable,
    scratch_database,
    server_env,
)

DB_NAME = "madoguchi_bench_instructions"
# As bench/lifecycles.py with more than one worker: the board goes through Redis.
REDIS_URL = os.environ.get("MADOGUCHI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PHASES = ("lifecycle", "board", "healthz")


def _child(n: int) -> None:
    """Runs under callgrind: the measured phases, each dumped on its own."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "madoguchi.settings.base"
    from django.db import connections
    from django.test import Client

    import madoguchi.asgi  # noqa: F401  (set-up as a server process does it)
    from madoguchi.queueing import live
    from madoguchi.queueing.models import Office

    live._boards.mark = lambda key: None  # boards are measured on their own, below
    client = Client(HTTP_HOST="127.0.0.1")
    counter = json.loads(client.get("/api/v1/offices/demo/counters").content)[0]["id"]
    kiosk = {"HTTP_AUTHORIZATION": "Bearer demo-kiosk"}
    staff = {"HTTP_AUTHORIZATION": "Bearer demo-staff"}

    def lifecycle() -> None:
        for status, response in (
            (201, client.post("/api/v1/offices/demo/tickets", {"category": "moving"},
                              content_type="application/json", **kiosk)),
            (200, client.generic("POST", f"/api/v1/counters/{counter}/call-next", **staff)),
            (200, client.generic("POST", f"/api/v1/counters/{counter}/finish", **staff)),
        ):
            assert response.status_code == status, response.content

    office = Office.objects.get(code="demo").pk

    def board() -> None:
        live.publish_board(office)

    def healthz() -> None:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200

    def control(*args: str) -> None:
        subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True, capture_output=True)

    for phase, work in zip(PHASES, (lifecycle, board, healthz), strict=True):
        for _ in range(5):
            work()  # warm caches and connections first
        control("-z")
        control("-i", "on")
        for _ in range(n):
            work()
        control("-i", "off")
        control("-d", phase)
    connections.close_all()


def _totals(directory: Path) -> dict[str, int]:
    out = {}
    for path in directory.glob("callgrind.out*"):
        text = path.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: dump (\w+)", text, re.M)
        total = re.search(r"^totals: (\d+)", text, re.M)
        if trigger and total:
            out[trigger.group(1)] = int(total.group(1))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=30, help="lifecycles, boards and /healthz triples")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.n)
        return 0
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    print_json("machine", machine())
    with scratch_database(DB_NAME) as url, tempfile.TemporaryDirectory() as tmp:
        env = server_env(url, **({"MADOGUCHI_REDIS_URL": REDIS_URL} if reachable(REDIS_URL) else {}))
        prepare_demo_database(env)
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                        f"--callgrind-out-file={tmp}/callgrind.out",
                        PYTHON, os.path.abspath(__file__), "--child", "--n", str(args.n)],
                       env=env, cwd=ROOT, check=True, capture_output=True)
        totals = _totals(Path(tmp))
    import madoguchi

    print_json("instructions (millions) per unit", {
        "madoguchi": str(Path(madoguchi.__file__).parent), "n": args.n, "redis": "MADOGUCHI_REDIS_URL" in env,
        "per_lifecycle": round(totals["lifecycle"] / args.n / 1e6, 2),
        "per_board": round(totals["board"] / args.n / 1e6, 2),
        "per_empty_request": round(totals["healthz"] / (3 * args.n) / 1e6, 3),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
