"""Test data for the queue: small offices, staff actors, tokens and a settable clock.

The clock replaces ``django.utils.timezone.now``: ``madoguchi.core.timeutil``
reads it on every call, so issue times, call times and the Asia/Tokyo
business date all follow it. The database is always real.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from madoguchi.core.actors import Actor, actor_for_user
from madoguchi.core.models import ApiToken, Role, StaffMembership, TokenKind
from madoguchi.core.timeutil import JST
from madoguchi.queueing.models import Category, Counter, CounterCategory, Office

# A Tuesday morning at the counters (JST).
MORNING = dt.datetime(2025, 4, 1, 9, 0, tzinfo=JST)

_seq = itertools.count(1)


class Clock:
    """A stopped clock that tests move by hand."""

    def __init__(self, at: dt.datetime):
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at.astimezone(dt.UTC)

    def set(self, at: dt.datetime) -> None:
        self.at = at

    def advance(self, **delta) -> None:
        self.at = self.at + dt.timedelta(**delta)


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch):
    c = Clock(MORNING)
    monkeypatch.setattr(timezone, "now", c)
    return c


def make_office(code: str, *, categories, counters) -> Office:
    """``categories``: [(code, start, end, fast_lane, prior_minutes)];
    ``counters``: {number: [category codes in serving order]}."""
    office = Office.objects.create(code=code, name=f"{code} 庁舎")
    cats = {}
    for order, (cat_code, start, end, fast, minutes) in enumerate(categories):
        cats[cat_code] = Category.objects.create(
            office=office, code=cat_code, name=f"{cat_code}の手続き", range_start=start,
            range_end=end, display_order=order, is_fast_lane=fast, prior_service_minutes=minutes)
    for number, codes in counters.items():
        counter = Counter.objects.create(office=office, number=number)
        for position, cat_code in enumerate(codes):
            CounterCategory.objects.create(counter=counter, category=cats[cat_code], position=position)
    return office


def make_staff(office: Office, *, role: str = Role.COUNTER_STAFF, username: str | None = None):
    user = get_user_model().objects.create_user(username=username or f"clerk{next(_seq)}",
                                                password="pw")
    StaffMembership.objects.create(user=user, office=office, role=role)
    return user


def staff_actor(office: Office, **kwargs) -> Actor:
    return actor_for_user(make_staff(office, **kwargs))


def make_token(office: Office, kind: str = TokenKind.KIOSK, *, user=None, demo: bool = False) -> str:
    token = ApiToken(name=f"{kind} {next(_seq)}", kind=kind, office=office, user=user, is_demo=demo)
    raw = token.set_key()
    token.save()
    return raw


def counter_id(office: Office, number: int) -> int:
    return Counter.objects.get(office=office, number=number).pk


def category(office: Office, code: str) -> Category:
    return Category.objects.get(office=office, code=code)


def add_category(office: Office, code: str, start: int, end: int, *, counters=(), fast=False,
                 minutes: int = 5) -> Category:
    """A category added to an existing office (e.g. a tiny range to exhaust)."""
    cat = Category.objects.create(office=office, code=code, name=f"{code}の手続き",
                                  range_start=start, range_end=end, display_order=99,
                                  is_fast_lane=fast, prior_service_minutes=minutes)
    for number in counters:
        CounterCategory.objects.create(counter=Counter.objects.get(office=office, number=number),
                                       category=cat, position=9)
    return cat


__all__ = ["MORNING", "Clock", "TokenKind", "add_category", "call_next", "category", "clock_fixture", "counter_id",
           "make_office", "make_staff", "make_token", "staff_actor"]


def call_next(actor: Actor, counter_pk: int):
    """次を呼出 as the counter screen does it: naming the ticket it shows as being called."""
    from madoguchi.queueing import services
    from madoguchi.queueing.models import Ticket, TicketState

    current = Ticket.objects.filter(counter_id=counter_pk, state=TicketState.CALLED).first()
    return services.ticket_call_next(actor=actor, counter_id=counter_pk,
                                     finish_current=current.public_id if current else None)
