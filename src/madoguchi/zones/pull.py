"""Bookings cross inward by a pull: the internal side asks the public side for the bookings
changed since its cursor (``POST /zone/v1/reservations``), so the internal network accepts no
inbound connection (DESIGN.md habit 12).

Both directions are signed with the zone secret (signing.py). The request is signed as a push
is (sender ``<name>-pull``, its own replay sequence); the answer is signed by the public side
with the request's sequence, so an answer cannot be replayed against a later request, and an
answer not signed with the shared key is never applied.

The cursor is the last change pulled (``changed_at``, code). Each round starts a little before
it (``ZONE_PULL_LOOKBACK_SECONDS``, two minutes): a booking whose transaction stamped its time before the previous round but
committed after it is still fetched; applying a booking twice changes nothing
(reservations/zone.py ``pulled_apply``). While the internal side is down the public side keeps
booking; when it is back, the first round fetches everything since the cursor, page by page.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import urllib.request

from django.conf import settings
from django.db import close_old_connections, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from madoguchi.core.timeutil import now

from .models import PullCursor, ZoneReceipt
from .receiver import _refuse, verified
from .signing import Refused, SequenceClock, signed_headers, verify

log = logging.getLogger(__name__)

PULL_PATH = "/zone/v1/reservations"
CURSOR = "reservations"


# ------------------------------------------------------------------ public side: the answer


@csrf_exempt
@require_POST
def reservations_feed(request):
    """``POST /zone/v1/reservations`` — one page of bookings changed since the cursor given."""
    from madoguchi.reservations.zone import changes_since

    checked = verified(request, what="pull")
    if isinstance(checked, JsonResponse):
        return checked
    sender, sequence = checked
    try:
        query = json.loads(request.body or b"{}")
        since = dt.datetime.fromisoformat(query["since"]) if query.get("since") else None
        after_code = str(query.get("after_code") or "")
        offices = [str(c) for c in query.get("offices") or []]
        limit = max(1, min(int(query.get("limit") or 500), 1000))
    except (ValueError, TypeError, KeyError):
        return _refuse(400, "bad_payload", "送信データの形式が正しくありません。")
    try:
        _accept_sequence(f"{sender}#pull", sequence)
    except Refused:
        return _refuse(409, "replayed", "同じ連携データは二度受け付けません。")
    page = changes_since(offices=offices or None, since=since, after_code=after_code, limit=limit)
    answer = json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()
    response = HttpResponse(answer, content_type="application/json")
    for name, value in signed_headers(settings.ZONE_SECRET, answer, sequence=sequence, sender="public").items():
        if name != "Content-Type":
            response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def _accept_sequence(sender: str, sequence: int) -> None:
    with transaction.atomic():
        receipt, _ = ZoneReceipt.objects.get_or_create(sender=sender,
                                                       defaults={"last_sequence": 0, "received_at": now()})
        receipt = ZoneReceipt.objects.select_for_update().get(pk=receipt.pk)
        if sequence <= receipt.last_sequence:
            raise Refused("replayed", f"sequence {sequence} <= {receipt.last_sequence}")
        ZoneReceipt.objects.filter(pk=receipt.pk).update(last_sequence=sequence, received_at=now())


# ------------------------------------------------------------------ internal side: the puller


class ReservationPuller:
    """Pulls bookings from the public side every ``interval`` seconds, from one daemon thread."""

    def __init__(self, public_url: str, secret: str, *, interval: float, sender: str = "internal"):
        self.url = public_url.rstrip("/") + PULL_PATH
        self.secret = secret
        self.interval = interval
        self.sender = f"{sender}-pull"
        self.sequence = SequenceClock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self.rounds = 0
        self.failures = 0

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="madoguchi-zone-puller", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        backoff = self.interval
        while True:
            try:
                close_old_connections()
                self.pull_round()
                backoff = self.interval
            except Exception as exc:  # the public side may be down: try again, less often
                self.failures += 1
                log.warning("zone pull from %s failed: %s", self.url, exc)
                backoff = min(max(backoff * 2, 1.0), 60.0)
            self._wake.wait(backoff)
            self._wake.clear()

    def pull_round(self) -> dict:
        """Fetch and apply every page changed since the cursor; returns the totals."""
        from madoguchi.reservations.zone import pulled_apply

        since, code = load_cursor()
        start = (since - dt.timedelta(seconds=settings.ZONE_PULL_LOOKBACK_SECONDS)) if since else None
        query = {"since": start.isoformat() if start else None, "after_code": "" if since else code}
        totals = {"added": 0, "cancelled": 0, "skipped": 0, "pages": 0}
        while True:
            page = self.fetch(query)
            applied = pulled_apply(rows=page["reservations"])
            for key in ("added", "cancelled", "skipped"):
                totals[key] += applied[key]
            totals["pages"] += 1
            if page["reservations"]:
                last = page["reservations"][-1]
                last_at = dt.datetime.fromisoformat(last["changed_at"])
                if since is None or (last_at, last["code"]) > (since, code):
                    since, code = last_at, last["code"]
                    save_cursor(since, code)
            if not page["more"]:
                break
            query = dict(page["next"])
        self.rounds += 1
        return totals

    def fetch(self, query: dict) -> dict:
        body = json.dumps(query, separators=(",", ":")).encode()
        sequence = self.sequence.next()
        headers = signed_headers(self.secret, body, sequence=sequence, sender=self.sender)
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (operator's URL)
            answer = response.read()
            got_sender, got_sequence = verify(self.secret, response.headers, answer,
                                              max_skew=settings.ZONE_MAX_SKEW_SECONDS)
        if got_sender != "public" or got_sequence != sequence:
            raise Refused("bad_answer", "the answer is not the public side's answer to this request")
        return json.loads(answer)


def load_cursor() -> tuple[dt.datetime | None, str]:
    row = PullCursor.objects.filter(name=CURSOR).first()
    return (row.since, row.code) if row else (None, "")


def save_cursor(at: dt.datetime, code: str) -> None:
    PullCursor.objects.update_or_create(name=CURSOR, defaults={"since": at, "code": code, "updated_at": now()})


_puller: ReservationPuller | None = None
_puller_lock = threading.Lock()


def get_puller() -> ReservationPuller | None:
    """The internal side's puller, or None when no public side is configured."""
    global _puller
    if settings.ROLE != "internal" or not settings.PUBLIC_URL or not settings.ZONE_SECRET:
        return None
    with _puller_lock:
        if _puller is None:
            _puller = ReservationPuller(settings.PUBLIC_URL, settings.ZONE_SECRET,
                                        interval=settings.ZONE_PULL_SECONDS)
    return _puller
