"""The demo's simulated history (forecasting/demo_history.py → queueing.services.history_append): a
moving-season peak, nothing of it in today's queue, seeded, and tickets whose events tell the
story the services would have written."""

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from madoguchi.core.errors import Conflict, Forbidden
from madoguchi.core.timeutil import business_date
from madoguchi.forecasting.demo_history import seed_history, simulated_days
from madoguchi.queueing import services
from madoguchi.queueing.demo import load_center_data
from madoguchi.queueing.models import CounterEvent, Ticket, TicketEvent, TicketState

from ..live_server import demo_server, server_env, wait_until

pytestmark = pytest.mark.django_db
SPRING = dt.date(2026, 6, 1)  # history of 1 Feb – 31 May: before, in and after the moving season


@pytest.fixture
def center(office):
    return load_center_data()


def per_open_day(office, month: int) -> float:
    days = set(Ticket.objects.filter(office=office, business_date__month=month)
               .values_list("business_date", flat=True))
    return Ticket.objects.filter(office=office, business_date__month=month).count() / len(days)


def test_the_moving_season_stands_out_month_by_month(center):
    result = seed_history(center, days=120, today=SPRING)
    assert result.days > 70 and result.tickets == Ticket.objects.filter(office=center).count()
    feb, mar, apr, may = (per_open_day(center, m) for m in (2, 3, 4, 5))
    assert mar > 1.25 * feb and mar > 1.25 * may
    assert apr > 1.15 * feb and apr > 1.15 * may
    # Late March is the peak of the peak, and its waits are the longest of the spring.
    waits = defaultdict(list)
    for issued, called in Ticket.objects.filter(office=center, first_called_at__isnull=False).values_list(
            "issued_at", "first_called_at"):
        waits[issued.month].append((called - issued).total_seconds() / 60)
    mean = {m: sum(w) / len(w) for m, w in waits.items()}
    assert mean[3] > 1.5 * mean[2] and 1 < mean[2] < 20  # minutes: a real office's, not zero


def test_the_office_is_closed_on_its_closed_days(center):
    seed_history(center, days=120, today=SPRING)
    dates = set(Ticket.objects.filter(office=center).values_list("business_date", flat=True))
    assert dt.date(2026, 3, 20) not in dates  # 春分の日
    assert dt.date(2026, 5, 4) not in dates and dt.date(2026, 5, 6) not in dates  # GW, 振替休日
    assert all(d.weekday() < 5 for d in dates)
    # 受付終了: no 転入 ticket after 16:30 at the center.
    latest = max(t.astimezone(dt.timezone(dt.timedelta(hours=9))).time() for t in
                 Ticket.objects.filter(office=center, issued_category__code="moving").values_list("issued_at", flat=True))
    assert latest <= dt.time(16, 30)


def test_no_ticket_of_the_history_is_in_todays_queue(center):
    seed_history(center, days=10)  # the ten days up to yesterday
    assert Ticket.objects.filter(office=center).exclude(business_date__lt=business_date()).count() == 0
    assert not Ticket.objects.filter(office=center, state__in=[TicketState.WAITING, TicketState.CALLED,
                                                              TicketState.HELD]).exists()
    board = Client().get("/api/v1/offices/center/board").json()
    assert all(r["waiting"] == 0 and r["on_hold"] == 0 and r["last_called"] is None for r in board["rows"])
    assert Client().get("/api/v1/offices/center/counters").status_code == 200


def snapshot(office, since=dt.date.min):
    tickets = sorted(Ticket.objects.filter(office=office, business_date__gte=since).values_list(
        "business_date", "number", "category__code", "issued_category__code", "state", "issued_at",
        "first_called_at", "called_at", "finished_at", "counter__number", "service_seconds", "recall_count"))
    events = list(TicketEvent.objects.filter(office=office, business_date__gte=since).order_by("id").values_list(
        "ticket__number", "kind", "at", "category__code", "counter__number", "from_state", "to_state", "detail"))
    return tickets, events


def test_seeded_the_same_history_twice_and_another_with_another_seed(center):
    runs = []
    for seed in (5, 5, 6):
        with transaction.atomic():
            seed_history(center, days=14, today=SPRING, seed=seed)
            runs.append(snapshot(center))
            transaction.set_rollback(True)
    assert runs[0] == runs[1] and runs[0][0] and runs[0] != runs[2]
    # A demo restarted a week later adds the missing days as a fresh run would have made them.
    seed_history(center, days=14, today=SPRING - dt.timedelta(days=7), seed=5)
    assert seed_history(center, days=14, today=SPRING - dt.timedelta(days=7), seed=5).days == 0
    added = seed_history(center, days=14, today=SPRING, seed=5)
    assert added.days == 5 and snapshot(center, since=SPRING - dt.timedelta(days=14)) == runs[0]


def test_every_ticket_is_consistent_with_its_events(center):
    seed_history(center, days=30, today=SPRING)
    events = defaultdict(list)
    for ticket_id, kind, at, from_state, to_state, counter_id, category_id, detail in (
            TicketEvent.objects.filter(office=center).order_by("id").values_list(
                "ticket_id", "kind", "at", "from_state", "to_state", "counter_id", "category_id", "detail")):
        events[ticket_id].append((kind, at, from_state, to_state, counter_id, category_id, detail))
    kinds = Counter(e[0] for rows in events.values() for e in rows)
    for kind in ("issued", "called", "recalled", "held", "resumed", "transferred", "done", "no_show"):
        assert kinds[kind], kind
    tickets = list(Ticket.objects.filter(office=center))
    assert len(tickets) == len(events)
    for t in tickets:
        rows = events[t.pk]
        assert rows[0][0] == "issued" and rows[0][1] == t.issued_at and rows[0][5] == t.issued_category_id
        assert [r[1] for r in rows] == sorted(r[1] for r in rows)  # in time order
        state = ""
        for kind, _at, from_state, to_state, *_ in rows:  # each event starts where the last ended
            assert from_state == state, (t.pk, kind)
            state = to_state
        assert state == t.state and rows[-1][5] == t.category_id
        assert t.state in (TicketState.DONE, TicketState.NO_SHOW, TicketState.CANCELLED)
        calls = [r for r in rows if r[0] in ("called", "recalled")]
        if calls:  # as the counter screen left it: the last (re)call and the recalls since the call
            assert t.called_at == calls[-1][1]
            since_call = [r[0] for r in rows[max(i for i, r in enumerate(rows) if r[0] == "called"):]]
            assert t.recall_count == since_call.count("recalled")
        if t.state == TicketState.DONE:
            assert t.issued_at <= t.first_called_at <= t.called_at <= t.finished_at
            assert t.service_seconds == int((t.finished_at - t.called_at).total_seconds())
            assert rows[-1][4] == t.counter_id is not None
            first_call = next(r for r in rows if r[0] == "called")
            assert first_call[1] == t.first_called_at
        if t.category_id != t.issued_category_id:
            moved = next(r for r in rows if r[0] == "transferred")
            assert moved[6] == {"from_category": t.issued_category_id}
    # Counters open before the first call of the day and close after the last service.
    day = Ticket.objects.filter(office=center).latest("business_date").business_date
    counter_days = CounterEvent.objects.filter(office=center, business_date=day).order_by("at", "id")
    assert counter_days.first().kind == "opened" and counter_days.last().kind == "paused"


def test_the_open_data_of_a_past_day_is_the_historys(center, settings):
    seed_history(center, days=10)
    day = Ticket.objects.filter(office=center).latest("business_date").business_date
    rows = Client().get(f"/api/v1/offices/center/stats.json?date={day}").json()["rows"]
    issued = sum(r["issued"] for r in rows)
    assert issued == Ticket.objects.filter(office=center, business_date=day).count() > 20
    assert any(r["wait_mean_min"] for r in rows)


def test_only_past_days_without_tickets_and_only_by_an_administrator(center, staff):
    from madoguchi.forecasting.demo_history import ACTOR

    days = simulated_days(center, SPRING - dt.timedelta(days=3), SPRING - dt.timedelta(days=1))
    with pytest.raises(Forbidden):
        services.history_append(actor=staff, office_code="center", days=days)
    today = business_date()
    future = simulated_days(center, today, today + dt.timedelta(days=7))
    with pytest.raises(Conflict):
        services.history_append(actor=ACTOR, office_code="center", days=future)
    services.history_append(actor=ACTOR, office_code="center", days=days)
    with pytest.raises(Conflict) as refused:
        services.history_append(actor=ACTOR, office_code="center", days=days[-1:])
    assert refused.value.code == "history_day_taken"


def test_the_command_a_city_can_try(office, capsys):
    call_command("demo_history", "--office", "demo", "--days", "7", "--seed", "3")
    out = capsys.readouterr().out
    assert out.startswith("demo: ") and "整理券" in out
    assert Ticket.objects.filter(office=office, business_date__lt=business_date()).count() > 100
    call_command("demo_history", "--office", "demo", "--days", "7", "--refit")
    out = capsys.readouterr().out
    assert "追加する日はありません" in out and "demo: 混雑予想を計算しました" in out
    call_command("demo_history", "--office", "demo", "--days", "7", "--refit")
    assert "混雑予想" not in capsys.readouterr().out  # today's forecast is there


def test_the_refit_at_demo_start_runs_once_a_day(center):
    from madoguchi.forecasting.demo_history import refit_stale
    from madoguchi.forecasting.models import HourForecast

    seed_history(center, days=60)
    assert refit_stale([center]) == ["center"]
    stored = HourForecast.objects.filter(office_code="center").count()
    assert stored == 56 * 24 * 4  # three categories and the total, eight weeks
    assert refit_stale([center]) == []  # a second start the same day keeps today's forecast


@pytest.mark.sqlite_only  # a demo server of its own, on SQLite in either pass
def test_the_demo_starts_with_history_and_a_forecast(tmp_path):
    """``madoguchi demo`` on a new database: the history line, today's queue without it, and
    the forecast refitted in the background."""
    import httpx

    with demo_server(tmp_path, env=server_env(MADOGUCHI_DEMO_HISTORY_DAYS="21")) as server:
        log = server.log_path.read_text(encoding="utf-8")
        assert "過去21日分の模擬履歴を生成しました（整理券 " in log
        board = httpx.get(f"{server.url}/api/v1/offices/center/board").json()
        assert all(r["waiting"] == 0 and r["last_called"] is None for r in board["rows"])
        # The demo office is refitted last: meanwhile its 混雑予想 page says it is being computed
        # (and reloads itself), never that there is none.
        early = httpx.get(f"{server.url}/o/demo/forecast/").text
        assert "まだありません" not in early
        if "混雑予想を計算しています。" in early:  # (else its forecast was stored already)
            assert '<meta http-equiv="refresh" content="30">' in early

        def forecast():
            body = httpx.get(f"{server.url}/api/v1/offices/center/forecast").json()
            return body["computed_at"] and body["hours"]

        assert len(wait_until(forecast, timeout=180, interval=1)) == 56 * 24 * 4
        wait_until(lambda: "混雑予想を計算しました（" in server.log_path.read_text(encoding="utf-8"), timeout=30)
        late = httpx.get(f"{server.url}/o/demo/forecast/").text
        assert "計算しています" not in late and "まだありません" not in late and 'http-equiv="refresh"' not in late
