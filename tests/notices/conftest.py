"""Fixtures for turn notices: a local push-service stand-in and a browser's subscription keys."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from madoguchi.notices import vapid, worker


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float


@dataclass
class PushService:
    """A push service on 127.0.0.1: records each request, answers from a script (default 201)."""

    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=dict)
    default_status: int = 201
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def endpoint(self, name: str = "sub1") -> str:
        return f"{self.base_url}/push/{name}"

    def answer(self, path: str) -> int:
        queue = self.script.get(path)
        return queue.pop(0) if queue else self.default_status

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
        return list(self.received)


def _handler(service: PushService):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.perf_counter())
            status = service.answer(self.path)
            with service.arrived:
                service.received.append(item)
                service.arrived.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


def start_push_service() -> tuple[PushService, ThreadingHTTPServer]:
    service = PushService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    server.daemon_threads = True
    service.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, name="push-service-stand-in", daemon=True).start()
    return service, server


@pytest.fixture
def push_service():
    service, server = start_push_service()
    yield service
    server.shutdown()
    server.server_close()


@dataclass
class BrowserKeys:
    """What a browser keeps for one push subscription (RFC 8291 §2)."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                          serialization.PublicFormat.UncompressedPoint)

    def subscription(self, endpoint: str) -> dict:
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(self.public_bytes), "auth": b64url(self.auth_secret)}}


@pytest.fixture
def browser_keys() -> BrowserKeys:
    return BrowserKeys(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


@pytest.fixture(autouse=True)
def _notice_settings(settings):
    settings.NOTICES_PUSH_HOSTS = ["127.0.0.1"]
    settings.NOTICES_PUSH_ALLOW_HTTP = True
    settings.NOTICES_WORKER = "off"  # tests drain the outbox themselves unless they say otherwise
    settings.NOTICES_RETRY_SECONDS = 0
    settings.VAPID_PRIVATE_KEY = ""
    vapid.forget()
    yield
    worker.stop_thread()
    vapid.forget()


def json_body(response) -> dict:
    return json.loads(response.content)
