"""The demo office and the visitor simulator behind ``madoguchi demo --simulate``."""

import logging
import time

import pytest

from madoguchi.queueing.demo import DEMO_OFFICE, Simulator, load_demo_data, seed_morning
from madoguchi.queueing.models import Category, Counter, Office, Ticket, TicketState


@pytest.mark.django_db(transaction=True)
def test_demo_data_is_the_seed_table_and_loading_twice_changes_nothing():
    load_demo_data()
    load_demo_data()
    office = Office.objects.get(code=DEMO_OFFICE)
    ranges = list(Category.objects.filter(office=office).values_list("name", "range_start", "range_end"))
    assert ranges == [
        ("転入・転出・世帯変更等の異動届出", 1001, 1500),
        ("ファストレーン(インターネット事前申請)", 1501, 1700),
        ("婚姻・出生等の戸籍届出・特別永住者関係", 1701, 1900),
        ("住居表示付番申請・学区外申請", 1901, 1999),
        ("住民票・印鑑証明・戸籍等の証明書発行", 2001, 2999),
        ("印鑑登録・仮ナンバー(自動車臨時運行許可)", 3001, 3500),
    ]
    assert Counter.objects.filter(office=office).count() == 8


@pytest.mark.django_db(transaction=True)
def test_the_simulator_keeps_visitors_arriving_and_clerks_calling(caplog):
    office = load_demo_data()
    seed_morning(office)
    before = Ticket.objects.count()
    simulator = Simulator(DEMO_OFFICE, tick=0.01, seed=3)
    with caplog.at_level(logging.ERROR, logger="madoguchi.queueing.demo"):
        simulator.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and Ticket.objects.count() < before + 5:
            time.sleep(0.1)
        simulator.stopped.set()
        simulator.join(timeout=10)
    assert Ticket.objects.count() >= before + 5
    # Every counter was given someone to serve (the morning seed leaves people waiting).
    assert Ticket.objects.filter(state=TicketState.CALLED).values("counter").distinct().count() >= 6
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


@pytest.mark.django_db
def test_the_demo_morning_gives_floor_control_a_no_show_and_a_memo(client):
    """The supervisor screen has something to act on (issue 8 §3): a no-show to reinstate,
    listed on the lobby display too, and a staff memo."""
    from django.contrib.auth import get_user_model

    from madoguchi.queueing.demo import DEMO_MEMO
    from madoguchi.queueing.models import TicketMemo

    office = load_demo_data()
    seed_morning(office)
    gone = Ticket.objects.get(office=office, state=TicketState.NO_SHOW)
    assert TicketMemo.objects.filter(ticket__office=office, text=DEMO_MEMO).count() == 1
    assert f">{gone.number}</li>" in client.get("/o/demo/display/").content.decode()
    client.force_login(get_user_model().objects.get(username="admin"))
    html = client.get("/o/demo/supervisor/").content.decode()
    assert f'data-no-show="{gone.number}"' in html and DEMO_MEMO in html
