"""One snmpsim agent on 127.0.0.1 for the whole dx test module(s): v2c by community, v3 by context.

snmpsim picks the recording by the v2c community name or the v3 context name: the community
``xerox`` answers from ``snmprec/xerox.snmprec``. "The same device later" is the same address
asked with another community (``xerox-later``, ``xerox-reset``, ``xerox-replaced``).
"""

import importlib.util
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.services_available import missing

HERE = Path(__file__).parent
V3_USER, V3_AUTH, V3_PRIV = "dxoffice", "authpass-123", "privpass-456"


@dataclass(frozen=True)
class Agent:
    host: str
    port: int
    v3_user: str = V3_USER
    v3_auth_key: str = V3_AUTH
    v3_priv_key: str = V3_PRIV


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_agent(data_dir: Path, cache_dir: Path, ports: list[int]) -> subprocess.Popen:
    """Start snmpsim (tests/dx/snmpsim_agent.py) and wait until it answers on the first port."""
    if importlib.util.find_spec("snmpsim") is None:
        missing("snmpsim is not installed (pip install -e '.[test]')")
    cache_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(HERE / "snmpsim_agent.py"), f"--data-dir={data_dir}",
               f"--cache-dir={cache_dir}", f"--v3-user={V3_USER}", f"--v3-auth-key={V3_AUTH}",
               "--v3-auth-proto=SHA", f"--v3-priv-key={V3_PRIV}", "--v3-priv-proto=AES",
               "--logging-method=null",
               *[f"--agent-udpv4-endpoint=127.0.0.1:{p}" for p in ports]]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    from madoguchi.dx import snmp

    probe = snmp.Target("probe", "127.0.0.1", ports[0], community=sorted(data_dir.glob("*.snmprec"))[0].stem)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"snmpsim exited: {process.stderr.read().decode(errors='replace')[-2000:]}")
        if snmp.poll([probe], timeout=0.5, retries=0)[0].ok:
            return process
    process.kill()
    raise RuntimeError("snmpsim did not answer within 60 s")


@pytest.fixture(scope="session")
def snmp_agent(tmp_path_factory):
    port = free_udp_port()
    process = start_agent(HERE / "snmprec", tmp_path_factory.mktemp("snmpsim-cache"), [port])
    yield Agent("127.0.0.1", port)
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
