"""The demo shows a case at 1番窓口, and `madoguchi purge` / `madoguchi cases purge` purge."""

import datetime as dt

import pytest

from madoguchi.cases import selectors, services
from madoguchi.cases.demo import seed_cases
from madoguchi.cases.models import Case, CaseForm
from madoguchi.cli import main
from madoguchi.core.actors import SYSTEM
from madoguchi.core.timeutil import now
from madoguchi.queueing.demo import HUMAN_COUNTER, seed_morning
from madoguchi.queueing.models import Counter

from .conftest import FAMILY


@pytest.fixture
def sample_catalogue(monkeypatch):
    """The demo runs on the sample catalogue (not the small one of these tests)."""
    from madoguchi.procedures import catalogue

    monkeypatch.delenv("MADOGUCHI_CATALOGUE_DIR", raising=False)
    catalogue.reset_active()
    yield
    catalogue.reset_active()


def test_the_demo_morning_has_a_case_for_the_next_visitor_at_counter_1(office, staff, sample_catalogue):
    seed_morning(office)
    opened = seed_cases(office)
    assert len(opened) == 2
    assert seed_cases(office) == [] and Case.objects.count() == 2  # `madoguchi demo` twice
    counter = Counter.objects.get(office=office, number=HUMAN_COUNTER)
    from madoguchi.queueing import services as queue

    called = queue.ticket_call_next(actor=staff, counter_id=counter.pk)
    case = selectors.case_for_ticket(called.public_id)
    assert case == opened[0] and case.source == "kiosk"
    codes = set(case.procedures.values_list("code", flat=True))
    # The family with a 3-year-old and a 70-year-old: こども課 and 介護保険課 among the rest.
    categories = set(case.procedures.values_list("category", flat=True))
    assert {"children", "care", "insurance"} <= categories and len(codes) >= 8
    assert case.procedures.filter(determination="to_check").exists()  # some answers were わからない


@pytest.mark.parametrize("argv", [["purge"], ["cases", "purge"]])
def test_purge_from_the_command_line(office, staff, settings, capsys, argv):
    settings.CASE_RETENTION_DAYS = 30
    old = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
    kept = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
    services.case_close(actor=SYSTEM, case_code=old.code)
    services.case_close(actor=SYSTEM, case_code=kept.code)
    Case.objects.filter(pk=old.pk).update(closed_at=now() - dt.timedelta(days=31))
    assert main(argv) == 0
    assert list(Case.objects.values_list("code", flat=True)) == [kept.code]
    assert "1 件を削除しました" in capsys.readouterr().out
    assert main([*argv, "--days", "0"]) == 0
    assert not Case.objects.exists()


def test_purge_deletes_the_form_data_past_its_own_retention(office, staff, settings, capsys):
    settings.FORM_RETENTION_DAYS = 30
    case = services.case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY)
    services.case_attach_form(actor=staff, case_code=case.code, form_data={"kind": "tennyu"})
    services.case_attach_form(actor=staff, case_code=case.code, form_data={"kind": "tenkyo"})
    CaseForm.objects.filter(case=case, version=1).update(at=now() - dt.timedelta(days=31))
    assert main(["purge"]) == 0
    assert "届出内容: 保存から 30 日を過ぎた 1 版を削除しました" in capsys.readouterr().out
    assert list(CaseForm.objects.values_list("version", flat=True)) == [2]
    assert Case.objects.filter(pk=case.pk).exists()  # the open case stays
    assert main(["cases", "purge", "--form-days", "0"]) == 0
    assert not CaseForm.objects.exists()


def test_with_the_simulator_the_demo_cases_wait_held_at_counter_1(office, staff, sample_catalogue):
    """`madoguchi demo --simulate`: the simulated clerks must not take the demo cases' visitors."""
    from madoguchi.queueing import services as queue
    from madoguchi.queueing.models import TicketState

    seed_morning(office)
    opened = seed_cases(office, held=True)
    assert len(opened) == 2 and seed_cases(office, held=True) == []
    tickets = [t for c in opened for t in selectors.case_tickets(c)]
    assert [t.state for t in tickets] == [TicketState.HELD, TicketState.HELD]
    # The simulator's clerks call only waiting visitors: drain the queue at 2番窓口.
    two = Counter.objects.get(office=office, number=2)
    queue.ticket_finish(actor=staff, counter_id=two.pk)  # whoever the demo morning called there
    while queue.ticket_call_next(actor=staff, counter_id=two.pk) is not None:
        queue.ticket_finish(actor=staff, counter_id=two.pk)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.state == TicketState.HELD
    counter = Counter.objects.get(office=office, number=HUMAN_COUNTER)
    called = queue.ticket_call(actor=staff, counter_id=counter.pk, ticket_id=tickets[0].public_id)
    assert selectors.case_for_ticket(called.public_id) == opened[0]
