"""Demo cases for `madoguchi demo`: one-stop cases attached to the first visitors waiting at
1番窓口 (転入・転出), so the person trying the demo sees a case open beside the ticket when
they press 「次を呼出」 there. Called from cli.py after the queue's demo morning (the queue
app knows nothing of cases)."""

from __future__ import annotations

import datetime as dt
import logging

from madoguchi.core.actors import Actor
from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import business_date
from madoguchi.queueing import selectors as queue_selectors
from madoguchi.queueing import services as queue_services
from madoguchi.queueing.demo import HUMAN_COUNTER
from madoguchi.queueing.models import Counter, Office

from . import selectors, services
from .models import Case

log = logging.getLogger(__name__)
ACTOR = Actor(kind="system", label="デモデータ")


def demo_answers(today: dt.date) -> list[tuple[str, dict, dict]]:
    """(life event, answers, statuses to set) for each demo case. The first: the issue's family
    (a 3-year-old and a 70-year-old) moving in three days ago, interviewed at the kiosk; some
    answers left 「わからない」 so the case shows procedures to check."""
    moved = (today - dt.timedelta(days=3)).isoformat()
    family = {
        "move_date": moved,
        "household": [{"relationship": "head", "birth_date": "1985-04-02"},
                      {"relationship": "spouse", "birth_date": "1987-09-15"},
                      {"relationship": "child", "birth_date": "2023-05-05"},
                      {"relationship": "parent", "birth_date": "1956-01-10"}],
        "insurance": "kokuho", "pension_type": "unknown", "mynumber_card": True, "seal_registered": False,
        "single_parent_allowance": False, "nursery": True, "pregnant": False, "care_certified": "unknown",
        "facility_move": False, "disability_certificate": False, "jiritsu_shien": False,
        "owns_dog": True, "owns_moped": False, "owns_car": True, "drivers_license": True,
        "water_contract": True,
    }
    single = {
        "move_date": moved, "household": [{"relationship": "head", "birth_date": "2001-07-21"}],
        "insurance": "shaho", "pension_type": "dai2", "mynumber_card": True, "seal_registered": False,
        "single_parent_allowance": False, "nursery": False, "pregnant": False, "care_certified": False,
        "facility_move": False, "disability_certificate": False, "jiritsu_shien": False, "owns_dog": False,
        "owns_moped": True, "owns_car": False, "drivers_license": False, "water_contract": "unknown",
    }
    return [("tennyu", family, {}), ("tennyu", single, {})]


def seed_cases(office: Office, *, held: bool = False) -> list[Case]:
    """Two demo cases on the next visitors of 1番窓口 (転入・転出); idempotent (tickets that
    already carry a case keep it). A catalogue without 転入 gives no demo case (logged).

    ``held`` (``madoguchi demo --simulate``): the simulated clerks of 2–4番窓口 would call
    those visitors within seconds, so they are set aside (保留) at 1番窓口 instead, where
    the person trying the demo calls them from the 保留中 list."""
    counter = Counter.objects.filter(office=office, number=HUMAN_COUNTER).first()
    if counter is None:
        return []
    queue = queue_selectors.counter_queue(counter)
    if any(selectors.case_for_ticket(t.public_id) for t in [*queue["waiting"][:2], *queue["held"]]):
        return []
    first_two = queue["waiting"][:2]
    opened = []
    for ticket, (life_event, answers, _statuses) in zip(first_two, demo_answers(business_date()), strict=False):
        try:
            opened.append(services.case_open(actor=ACTOR, office=office, life_event=life_event, answers=answers,
                                             source="kiosk", ticket_id=ticket.public_id))
        except ServiceError as exc:
            log.warning("demo case not opened: %s %s", exc.code, exc.message)
            continue
        if held and queue["current"] is None:
            queue_services.ticket_call(actor=ACTOR, counter_id=counter.pk, ticket_id=ticket.public_id)
            queue_services.ticket_hold(actor=ACTOR, counter_id=counter.pk)
    return opened
