"""Run snmpsim's command responder (``python tests/dx/snmpsim_agent.py --data-dir=… …``).

snmpsim refuses to run as root unless it drops to another user, and a CI container runs as
root; the unprivileged user then cannot read a Python installed under /root. The test agent
binds only 127.0.0.1 on a high port, so when run as root it stays root: the privilege switch
is replaced by a no-op before snmpsim's main runs. Everything else is snmpsim's own code.
"""

import os
import sys


def main() -> int:
    from snmpsim import daemon
    from snmpsim.commands import responder

    if hasattr(os, "geteuid") and os.geteuid() == 0:
        class _StayAsIs:
            def __init__(self, *args, **kwargs):
                pass

            def __enter__(self):
                return self

            def __exit__(self, *args):
                return False

        daemon.PrivilegesOf = _StayAsIs
    sys.argv[0] = "snmpsim-command-responder"
    return responder.main()


if __name__ == "__main__":
    sys.exit(main())
