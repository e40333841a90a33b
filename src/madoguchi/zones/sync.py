"""Internal side: build the anonymous state of an office and hand it to the public side.

``on_board_published`` runs each time a fresh board snapshot is published (the
queue's ``hooks.BOARD_PUBLISHED``, off the request, in the live publisher's
thread). Depending on the role:

* ``all``      — one process is both sides: nothing to send (pages read the
                 queue itself; the notices subscribe to the same hook).
* ``internal`` — the office is marked for the ``ZoneSender`` thread, which
                 POSTs a signed payload to ``MADOGUCHI_PUBLIC_URL``; it also
                 sends every office every ``ZONE_HEARTBEAT_SECONDS`` so the
                 public side can tell "quiet" from "cut off".
* ``public``   — nothing: the public side has no queue of its own.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request

from django.conf import settings
from django.db import close_old_connections, transaction

from madoguchi.core.timeutil import business_date, now, to_jst
from madoguchi.handover.selectors import served_keys
from madoguchi.queueing.models import Category, Office
from madoguchi.queueing.selectors import office_ticket_statuses

from .signing import SequenceClock, signed_headers

log = logging.getLogger(__name__)

SYNC_PATH = "/zone/v1/sync"


def office_payload(office: Office, board: dict, *, with_stats: bool = False,
                   card_version: str | None = None, forecast_version: str | None = None) -> dict:
    categories = Category.objects.filter(office=office, is_active=True).order_by("display_order", "range_start")
    payload = {
        "office": {"code": office.code, "name": office.name, "name_en": office.name_en,
                   "display_order": office.display_order},
        "board": board,
        "categories": [{"code": c.code, "name": c.name, "name_en": c.name_en, "names": c.names,
                        "notify_ahead": c.notify_ahead} for c in categories],
        "tickets": office_ticket_statuses(office),
        # The public halves of the office's hand-over keys: the public side serves them to
        # citizens' browsers (GET /api/v1/handover/keys); private keys never leave.
        "handover_keys": served_keys(office.code),
        "sent_at": to_jst(now()).isoformat(timespec="milliseconds"),
    }
    if with_stats:
        from madoguchi.opendata.selectors import stats_compute
        from madoguchi.queueing.calendar import PUBLIC_CALENDAR_DAYS, calendar_days

        # Slow-changing too: the public side answers GET …/calendar from this copy.
        payload["calendar"] = calendar_days(office, business_date(), PUBLIC_CALENDAR_DAYS)

        today = business_date()
        payload["stats"] = {"date": today.isoformat(), "rows": stats_compute(office, today)}
        # Reservations (reservations/zone.py): the schedule, slot changes, the card list's keyed
        # hashes (only when their version is not the one the public side has) and staff cancellations.
        from madoguchi.reservations.zone import outgoing

        payload["reservations"] = outgoing(office, known_card_version=card_version)
        # 混雑予想 (forecasting/zone.py): the hours only when the nightly refit changed them.
        from madoguchi.forecasting.zone import outgoing as forecast_outgoing

        payload["forecast"] = forecast_outgoing(office.code, known_version=forecast_version)
    return payload


def on_board_published(event) -> None:
    """Queue hook (``hooks.BOARD_PUBLISHED``, subscribed in ``ZonesConfig.ready``): the office's
    anonymous state may have changed. The internal side marks it for the sender thread; with
    ROLE ``all`` there is no public side (the notices subscribe to the same hook themselves)."""
    if settings.ROLE == "internal":
        sender = get_sender()
        if sender is not None:
            sender.mark(event.office_id, event.extra.get("board"))


class ZoneSender:
    """Pushes offices to the public side from one daemon thread, never from a request."""

    STATS_EVERY = 60.0  # seconds between open-data aggregates per office
    CARD_LIST_EVERY = 600.0  # seconds between full card-hash lists (else only when changed)

    def __init__(self, public_url: str, secret: str, *, heartbeat: float, sender: str = "internal"):
        self.url = public_url.rstrip("/") + SYNC_PATH
        self.secret = secret
        self.heartbeat = heartbeat
        self.sender = sender
        self.sequence = SequenceClock()
        self._dirty: dict[int, dict | None] = {}
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._last_stats: dict[int, float] = {}
        # The card hashes the public side has, per office: (version, when the whole list went).
        self._card_versions: dict[int, tuple[str, float]] = {}
        self._forced: dict[int, bool] = {}  # offices whose reservation part must go with the next push
        # The forecast the public side has, per office: (computed_at, when its hours went).
        self._forecast_versions: dict[int, tuple[str | None, float]] = {}
        self.sent = 0
        self.failures = 0

    def start(self) -> None:
        with self._cv:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="madoguchi-zone-sender",
                                                daemon=True)
                self._thread.start()

    def mark(self, office_id: int, board: dict | None = None) -> None:
        with self._cv:
            self._dirty[office_id] = board
            self._cv.notify()
        self.start()

    def push_soon(self, office_id: int) -> None:
        """Send the office's slow-changing part (schedule, slot changes, card hashes) now, not at
        the next minute: a supervisor closed a slot, a card list was imported."""
        with self._cv:
            self._forced[office_id] = True
        self.mark(office_id)

    def _loop(self) -> None:
        next_heartbeat = time.monotonic()
        backoff = 1.0
        while True:
            with self._cv:
                timeout = max(0.0, next_heartbeat - time.monotonic())
                if not self._dirty and timeout > 0:
                    self._cv.wait(timeout)
                work, self._dirty = self._dirty, {}
            if time.monotonic() >= next_heartbeat:
                close_old_connections()
                for pk in Office.objects.values_list("pk", flat=True):
                    work.setdefault(pk, None)
                next_heartbeat = time.monotonic() + self.heartbeat
            failed = False
            for office_id, board in work.items():
                try:
                    self.push_office(office_id, board)
                except Exception as exc:  # the public side may be down: keep trying
                    failed = True
                    self.failures += 1
                    log.warning("zone push of office %s to %s failed: %s", office_id, self.url, exc)
                    with self._cv:
                        self._dirty.setdefault(office_id, None)
            if failed:
                time.sleep(backoff)
                backoff = min(backoff * 2, self.heartbeat)
            else:
                backoff = 1.0

    def push_office(self, office_id: int, board: dict | None = None) -> None:
        from madoguchi.queueing.selectors import board_snapshot

        close_old_connections()
        with self._cv:
            forced = self._forced.pop(office_id, False)
        office = Office.objects.get(pk=office_id)
        started = time.monotonic()
        stats_due = forced or started - self._last_stats.get(office_id, -1e9) >= self.STATS_EVERY
        known = self._card_versions.get(office_id)
        # The whole card list again now and then: the public side's copy may have been rebuilt.
        card_version = known[0] if known and started - known[1] < self.CARD_LIST_EVERY else None
        sent_forecast = self._forecast_versions.get(office_id)
        forecast_version = (sent_forecast[0] if sent_forecast and started - sent_forecast[1] < self.CARD_LIST_EVERY
                            else None)
        try:
            payload = office_payload(office, board or board_snapshot(office), with_stats=stats_due,
                                     card_version=card_version, forecast_version=forecast_version)
            self.post(payload)
        except Exception:
            if forced:
                with self._cv:
                    self._forced[office_id] = True
            raise
        if stats_due:
            self._last_stats[office_id] = started
            version = payload["reservations"]["card_hashes_version"]
            if "card_hashes" in payload["reservations"] or known is None:
                self._card_versions[office_id] = (version, started)
            if "series" in payload["forecast"]:
                self._forecast_versions[office_id] = (payload["forecast"]["version"], started)
        self.sent += 1

    def post(self, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = signed_headers(self.secret, body, sequence=self.sequence.next(), sender=self.sender)
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (operator's URL)
            if response.status != 200:
                raise RuntimeError(f"public side answered {response.status}")


_sender: ZoneSender | None = None
_sender_lock = threading.Lock()


def on_schedule_changed(office) -> None:
    """Reservations hook (``hooks.SCHEDULE``): the internal side sends the change at once."""
    sender = get_sender()
    if sender is not None:
        sender.push_soon(office.pk)


def on_schedule_row_saved(sender, instance, **kwargs) -> None:
    """A reservation type, schedule, slot change or card hash was saved or deleted (the admin,
    the demo): the internal side sends the office's reservation part after the commit."""
    if settings.ROLE != "internal":
        return
    office_id = instance.office_id
    zone_sender = get_sender()
    if zone_sender is not None:
        transaction.on_commit(lambda: zone_sender.push_soon(office_id))


def get_sender() -> ZoneSender | None:
    """The internal side's sender, or None when no public side is configured."""
    global _sender
    if settings.ROLE != "internal" or not settings.PUBLIC_URL or not settings.ZONE_SECRET:
        return None
    with _sender_lock:
        if _sender is None:
            _sender = ZoneSender(settings.PUBLIC_URL, settings.ZONE_SECRET,
                                 heartbeat=settings.ZONE_HEARTBEAT_SECONDS)
    return _sender
