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
        # the sections a one-stop case sends visitors on to (issue 9 §E)
        ("国民健康保険・国民年金・後期高齢者医療", 4001, 4500),
        ("児童手当・こども医療費助成・保育・ひとり親", 5001, 5500),
        ("介護保険", 6001, 6300),
        ("障害者手帳・障害福祉サービス", 6501, 6800),
        ("市税（住民税・軽自動車税）", 7001, 7500),
        ("小・中学校の転入学・就学", 8001, 8300),
    ]
    assert Counter.objects.filter(office=office).count() == 12
    # Each section has its own queue at its own counter, in six languages on the citizen pages.
    insurance = Category.objects.get(office=office, code="insurance")
    assert (insurance.section.name, set(insurance.names)) == ("保険年金課", {"zh-hans", "ko", "vi", "pt-br"})
    assert list(Counter.objects.get(office=office, number=11).categories.values_list("code", flat=True)) == [
        "care", "welfare"]


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


def test_the_demo_fails_clearly_before_printing_when_its_port_is_taken(tmp_path):
    """Fault 1.9: the demo printed every address and then died on a taken port."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "MADOGUCHI_DATABASE_URL": ""}
        done = subprocess.run([sys.executable, "-m", "madoguchi", "demo", "--port", str(port),
                               "--db", str(tmp_path / "demo.sqlite3")],
                              capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2
    assert done.stdout == ""  # no banner, no dead links
    assert f"ポート {port} (127.0.0.1) を使えません" in done.stderr
    assert f"Port {port} on 127.0.0.1 is not available" in done.stderr
    assert "--port" in done.stderr
    assert not (tmp_path / "demo.sqlite3").exists()  # failed before doing anything


def test_the_banner_says_how_to_open_a_ticket_page_and_leaves_counter_1_to_you(db, capsys):
    from madoguchi.cli import _print_demo_banner
    from madoguchi.queueing.demo import sample_ticket_id

    office = load_demo_data()
    seed_morning(office)
    sample = sample_ticket_id(office)
    assert Ticket.objects.get(public_id=sample).state == TicketState.WAITING
    _print_demo_banner("127.0.0.1", 8000, True, sample_ticket=sample)
    out = capsys.readouterr().out
    assert f"http://127.0.0.1:8000/t/{sample}/" in out
    assert "番号札の QR コードを読み取るか、印刷されたアドレスを開いてください" in out
    assert "1番窓口はあなたの操作用に空けています" in out
    assert "counter 1 is left for you" in out


@pytest.mark.django_db(transaction=True)
def test_the_simulator_never_operates_the_counter_left_to_the_human():
    from madoguchi.queueing.models import CounterEvent, TicketEvent

    office = load_demo_data()
    seed_morning(office)
    human = Counter.objects.get(office=office, number=1)
    # The newcomer's first 「次を呼出」 calls a visitor: nobody is left at their counter already.
    assert not Ticket.objects.filter(counter=human, state=TicketState.CALLED).exists()
    before = TicketEvent.objects.filter(counter=human).count()
    simulator = Simulator(DEMO_OFFICE, tick=0.01, seed=5)
    simulator.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and TicketEvent.objects.filter(actor="シミュレーター").count() < 40:
        time.sleep(0.1)
    simulator.stopped.set()
    simulator.join(timeout=10)
    assert TicketEvent.objects.filter(actor="シミュレーター").count() >= 40
    assert TicketEvent.objects.filter(counter=human).count() == before
    assert not CounterEvent.objects.filter(counter=human, actor="シミュレーター").exists()
