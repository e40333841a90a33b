"""The engine's P50/P80 on every screen (issue 12 item 1): the board shows the P50 of a ticket
issued now, the ticket page 「約15分（遅くとも25分）」, the kiosk card and the turn notices the same
numbers; the queue reaches the engine only through ``queueing.estimates`` (registered by the
forecasting app), computed once per change of the office, and the formula answers when nothing
is registered or the engine fails."""

import ast
import re
from pathlib import Path

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.forecasting.selectors import office_waits
from madoguchi.notices.messages import render
from madoguchi.queueing import estimates, selectors, services
from madoguchi.queueing.models import Ticket, TicketState

from ..queueing.factories import call_next, clock_fixture, counter_id  # noqa: F401 (clock_fixture)

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def issue(office, kiosk):
    return lambda code: services.ticket_issue(actor=kiosk, office_code="demo", category_code=code)


def status_of(ticket) -> dict:
    return selectors.ticket_status(Ticket.objects.select_related("category", "office", "counter")
                                   .get(pk=ticket.pk))


def busy_certificates(office, issue, clock, n=8):
    """Certificates (counters 6 and 7) with ``n`` waiting and both clerks busy."""
    tickets = [issue("certificates") for _ in range(n + 2)]
    clock.advance(minutes=1)
    for number in (6, 7):
        call_next(SYSTEM, counter_id(office, number))
    return [t for t in tickets if Ticket.objects.get(pk=t.pk).state == TicketState.WAITING]


def test_the_engine_is_registered_and_the_queue_does_not_import_it():
    assert estimates.registered() is office_waits
    queueing = Path(estimates.__file__).parent
    for path in queueing.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any("forecasting" in name for name in names), path


def test_board_page_kiosk_and_notices_show_the_engines_numbers(client, office, issue, clock):
    waiting = busy_certificates(office, issue, clock)
    engine = office_waits(office.pk, clock())
    last = waiting[-1]
    mine = engine.tickets[last.pk]
    assert mine.p80 > mine.p50 >= 7 * 0.25  # seven people ahead, two busy counters

    status = status_of(last)
    assert (status["waiting_ahead"], status["wait_minutes"], status["wait_minutes_p80"]) == (7, mine.p50, mine.p80)
    html = client.get(f"/t/{last.public_id}/?fragment=state").content.decode()
    assert f"待ち時間の目安 約{mine.p50}分（遅くとも{mine.p80}分）" in html

    row = next(r for r in selectors.board_snapshot(office)["rows"] if r["category"] == "certificates")
    new = engine.new_ticket[last.category_id]
    assert (row["wait_minutes"], row["wait_minutes_p80"]) == (new.p50, new.p80)
    assert new.p50 >= mine.p50  # a ticket issued now comes after the last one
    board = client.get("/o/demo/board/").content.decode()
    cell = re.search(r'<tr data-category="certificates".*?data-col="wait_minutes"[^>]*>(\d+)分<', board, re.S)
    assert int(cell.group(1)) == new.p50

    statuses = {s["public_id"]: s for s in selectors.office_ticket_statuses(office)}
    assert (statuses[last.public_id]["wait_minutes"], statuses[last.public_id]["wait_minutes_p80"]) == (
        mine.p50, mine.p80)
    near = render("near", {**statuses[last.public_id], "waiting_ahead": 5}, lang="ja", url="")
    assert near["body"] == f"あと5人・約{mine.p50}分で順番です（{last.number}番）"

    # The kiosk's card of a ticket issued now says what the board said.
    client.get("/o/demo/kiosk/?device=demo-kiosk")
    card = client.post("/o/demo/kiosk/issue/", {"category": "certificates"}).content.decode()
    assert f"待ち時間の目安 約{new.p50}分（遅くとも{new.p80}分）" in card

    english = client.get(f"/t/{last.public_id}/?fragment=state&lang=en").content.decode()
    assert f"about {mine.p50} min ({mine.p80} min at the latest)" in english


def test_estimated_once_per_change_not_per_viewer(client, office, issue, clock):
    waiting = busy_certificates(office, issue, clock)
    calls = []

    def counting(office_id, at):
        calls.append(office_id)
        return office_waits(office_id, at)

    estimates.register_estimator(counting)
    try:
        for _ in range(5):
            selectors.board_snapshot(office)
            client.get(f"/t/{waiting[-1].public_id}/?fragment=state")
            selectors.office_ticket_statuses(office)
        assert calls == [office.pk]
        call_next(SYSTEM, counter_id(office, 6))  # a change: estimated again, once
        for _ in range(3):
            selectors.board_snapshot(office)
        assert calls == [office.pk] * 2
        clock.advance(seconds=estimates.REFRESH.total_seconds())  # time moves the waits too
        selectors.board_snapshot(office)
        assert calls == [office.pk] * 3
    finally:
        estimates.register_estimator(office_waits)


def test_two_server_processes_show_the_same_waits_for_the_same_state(office, issue, clock):
    """Each process keeps its own estimate; two processes (here: the cache emptied in between)
    asked a few seconds apart within the same minute give the same numbers, so a phone served by
    one and the lobby display by another never disagree (tests/live/test_two_processes.py
    checks it with two real servers)."""
    waiting = busy_certificates(office, issue, clock)
    clock.advance(seconds=120 - clock().timestamp() % 60 + 5)  # 5 s into a minute, no event in it
    first = estimates.office_waits(office.pk)
    assert first.at.second == 0 and first.at < clock()
    for _ in range(4):
        clock.advance(seconds=12)  # still the same minute (17 … 53 s)
        estimates.clear_cache()  # another process, with nothing computed yet
        again = estimates.office_waits(office.pk)
        assert again.at == first.at
        assert again.tickets == first.tickets and again.new_ticket == first.new_ticket
    clock.advance(seconds=12)  # the next minute: a new moment
    assert estimates.office_waits(office.pk).at > first.at
    assert waiting[-1].pk in first.tickets


def test_the_waits_fall_as_the_queue_moves(office, issue, clock):
    waiting = busy_certificates(office, issue, clock)
    last = waiting[-1]
    seen = [status_of(last)]
    for number in (6, 7, 6, 7):
        clock.advance(minutes=4)
        call_next(SYSTEM, counter_id(office, number))
        seen.append(status_of(last))
    aheads = [s["waiting_ahead"] for s in seen]
    assert aheads == [7, 6, 5, 4, 3]
    assert [s["wait_minutes"] for s in seen] == sorted((s["wait_minutes"] for s in seen), reverse=True)
    assert seen[-1]["wait_minutes"] < seen[0]["wait_minutes"]
    assert seen[-1]["wait_minutes_p80"] < seen[0]["wait_minutes_p80"]


def test_a_failing_engine_leaves_the_formula(office, issue, clock, caplog):
    waiting = busy_certificates(office, issue, clock)

    def broken(office_id, at):
        raise RuntimeError("no history table")

    estimates.register_estimator(broken)
    try:
        status = status_of(waiting[-1])
    finally:
        estimates.register_estimator(office_waits)
    # 7 ahead × 5 min (the prior) ÷ 2 open counters: the formula, its P80 the same number.
    assert (status["wait_minutes"], status["wait_minutes_p80"]) == (18, 18)
    assert "wait estimator failed" in caplog.text


@pytest.mark.usefixtures("formula_estimate")
def test_without_the_engine_the_page_shows_the_formula_alone(client, office, issue, clock):
    waiting = busy_certificates(office, issue, clock)
    html = client.get(f"/t/{waiting[-1].public_id}/?fragment=state").content.decode()
    assert "待ち時間の目安 約18分<" in html and "遅くとも" not in html


def test_with_little_history_the_prior_decides(office, issue, clock):
    """No service measured yet: the runs draw around the category's 標準処理時間 (5 min for
    certificates), a queueing formula simulated (docs/estimates.md, 'Little history')."""
    services.counter_set_open(actor=SYSTEM, counter_id=counter_id(office, 7), is_open=False)
    for _ in range(9):
        issue("certificates")
    row = next(r for r in selectors.board_snapshot(office)["rows"] if r["category"] == "certificates")
    # Nine ahead, one counter (7 paused for about an hour): 9 × 5 = 45 with the prior's spread.
    assert 35 <= row["wait_minutes"] <= 50 and row["wait_minutes_p80"] > row["wait_minutes"]
