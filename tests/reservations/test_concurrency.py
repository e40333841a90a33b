"""Never overbooked, whatever the concurrency (issue 11).

``test_threads_book_one_slot`` runs on the suite's database (SQLite in the SQLite pass,
PostgreSQL in the PostgreSQL pass): 50 threads with their own connections call the booking
service for one slot of capacity 3 at the same instant (a barrier).
``test_fifty_clients_against_live_servers_*`` is the issue's test: 50 HTTP clients, each with
its own solved ALTCHA, book the same slot at once through two server processes sharing one
database — SQLite (one file) and PostgreSQL — and get exactly three 201, the rest 409
``slot_full``, no 5xx.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import threading

import httpx
import pytest
from django.db import connection

from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import JST
from madoguchi.reservations import altcha
from madoguchi.reservations.models import Reservation, SlotCount
from madoguchi.reservations.services import CITIZEN, reservation_book

from ..live_server import demo_server, server_env
from .conftest import AT, TUESDAY, jst

CLIENTS = 50


@pytest.mark.django_db(transaction=True)
def test_threads_book_one_slot(availability):
    rtype, start = availability.type, jst(TUESDAY, 10)
    barrier = threading.Barrier(CLIENTS, timeout=60)
    lock = threading.Lock()
    outcomes: collections.Counter = collections.Counter()
    unexpected: list[BaseException] = []

    def client():
        try:
            barrier.wait()
            reservation_book(actor=CITIZEN, office="demo", type_code=rtype.code, start=start, at=AT)
            result = "booked"
        except ServiceError as exc:
            result = exc.code
        except BaseException as exc:  # noqa: BLE001 - anything else reaching a caller is a failure
            with lock:
                unexpected.append(exc)
            result = "error"
        finally:
            connection.close()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not unexpected, unexpected[:3]
    assert outcomes == {"booked": 3, "slot_full": CLIENTS - 3}
    assert Reservation.objects.filter(type=rtype, start=start).count() == 3
    assert SlotCount.objects.get(type=rtype, start=start).booked == 3


def _burst(urls: list[str]) -> tuple[collections.Counter, list[str], str]:
    """50 clients, each with a solved challenge, POST the same general slot at once."""
    with httpx.Client(base_url=urls[0], timeout=30) as c:
        slots = c.get("/api/v1/offices/demo/slots", params={"type": "general", "days": 14}).json()
        start = next(s["start"] for s in slots if s["free"] == 3)
        payloads = [altcha.solve(c.get("/api/v1/altcha/challenge").json()) for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS, timeout=60)
    lock = threading.Lock()
    statuses: collections.Counter = collections.Counter()
    codes: list[str] = []

    def client(i: int):
        with httpx.Client(base_url=urls[i % len(urls)], timeout=60) as c:
            barrier.wait()
            response = c.post("/api/v1/offices/demo/reservations",
                              json={"type": "general", "start": start, "altcha": payloads[i]})
            key = (response.status_code, response.json().get("code") if response.status_code != 201 else "")
            with lock:
                statuses[key] += 1
                if response.status_code == 201:
                    codes.append(response.json()["code"])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return statuses, codes, start


def _check(urls, statuses, codes, start):
    assert statuses == {(201, ""): 3, (409, "slot_full"): CLIENTS - 3}, statuses
    with httpx.Client(base_url=urls[-1], timeout=30) as c:
        day = dt.datetime.fromisoformat(start).astimezone(JST).date()
        slots = c.get("/api/v1/offices/demo/slots",
                      params={"type": "general", "from": day.isoformat(), "days": 1}).json()
        assert next(s["free"] for s in slots if s["start"] == start) == 0
        for code in codes:
            shown = c.get(f"/api/v1/reservations/{code}").json()
            assert (shown["start"], shown["status"]) == (start, "booked")


def _servers(tmp_path, env, db=None):
    stack = contextlib.ExitStack()
    # The first migrates and loads the demo; the second finds both in place.
    a = stack.enter_context(demo_server(tmp_path / "a", env=env, db=db, name="a"))
    b = stack.enter_context(demo_server(tmp_path / "b", env=env, db=db, name="b"))
    return stack, [a.url, b.url]


@pytest.mark.sqlite_only  # the PostgreSQL pass runs the PostgreSQL twin below
def test_fifty_clients_against_live_servers_sqlite(tmp_path):
    env = server_env(MADOGUCHI_ALTCHA_MAX_NUMBER="500")
    stack, urls = _servers(tmp_path, env, db=tmp_path / "shared.sqlite3")
    with stack:
        _check(urls, *_burst(urls))


@pytest.mark.postgres
def test_fifty_clients_against_live_servers_postgresql(tmp_path, shared_postgres):
    env = server_env(MADOGUCHI_ALTCHA_MAX_NUMBER="500", MADOGUCHI_DATABASE_URL=shared_postgres)
    stack, urls = _servers(tmp_path, env)
    with stack:
        _check(urls, *_burst(urls))


@pytest.mark.django_db(transaction=True)
def test_overlapping_multi_slot_bookings_at_once(onestop):
    """Two-slot bookings from 9:00, 9:30 and 10:00 (capacity 1) race: every slot's count equals
    the bookings covering it, never above capacity, and no booking holds half its slots."""
    starts = [jst(TUESDAY, 9), jst(TUESDAY, 9, 30), jst(TUESDAY, 10)]
    n = 30
    barrier = threading.Barrier(n, timeout=60)
    lock = threading.Lock()
    outcomes: collections.Counter = collections.Counter()

    def client(i: int):
        try:
            barrier.wait()
            reservation_book(actor=CITIZEN, office="demo", type_code=onestop.code, start=starts[i % 3], at=AT)
            result = "booked"
        except ServiceError as exc:
            result = exc.code
        except BaseException as exc:  # noqa: BLE001
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert set(outcomes) <= {"booked", "slot_full"}, outcomes
    booked = list(Reservation.objects.filter(type=onestop))
    assert outcomes["booked"] == len(booked) >= 1
    covering = collections.Counter()
    for r in booked:
        assert r.slots == 2 and r.end - r.start == dt.timedelta(hours=1)
        covering[r.start] += 1
        covering[r.start + dt.timedelta(minutes=30)] += 1
    counts = dict(SlotCount.objects.filter(type=onestop, booked__gt=0).values_list("start", "booked"))
    assert counts == dict(covering)
    assert max(counts.values()) == 1
