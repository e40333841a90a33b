"""``python clock_server.py demo …``: the demo server with a clock the test moves.

Before Django loads, ``django.utils.timezone.now`` is replaced by the real time plus the
offset (seconds) written in the file named by ``MADOGUCHI_TEST_CLOCK_FILE``: every business
date, issue time and booking window of the server follows it, as ``tests/queueing/factories.
Clock`` does in-process. Test-only: the product has no clock setting.
"""

import datetime as dt
import os
import sys

from django.utils import timezone

_real_now = timezone.now
_path = os.environ["MADOGUCHI_TEST_CLOCK_FILE"]


def _offset() -> float:
    try:
        with open(_path) as f:
            return float(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def _now() -> dt.datetime:
    return _real_now() + dt.timedelta(seconds=_offset())


timezone.now = _now

if __name__ == "__main__":
    from madoguchi.cli import main

    sys.exit(main(sys.argv[1:]))
