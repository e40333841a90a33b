"""The 混雑状況 board: the seed's columns, the wait estimate, the calling list, a bounded query count."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from madoguchi.core.actors import SYSTEM
from madoguchi.queueing import selectors, services
from madoguchi.queueing.estimates import estimate_wait_minutes
from madoguchi.queueing.models import Category

from .factories import call_next, clock_fixture, counter_id  # noqa: F401 (clock_fixture provides clock)

pytestmark = pytest.mark.usefixtures("clock")

# The seed's table (002_2cd102f05bb3908a.txt), as the demo office loads it.
SEED_ROWS = [
    ("転入・転出・世帯変更等の異動届出", [1001, 1500]),
    ("ファストレーン(インターネット事前申請)", [1501, 1700]),
    ("婚姻・出生等の戸籍届出・特別永住者関係", [1701, 1900]),
    ("住居表示付番申請・学区外申請", [1901, 1999]),
    ("住民票・印鑑証明・戸籍等の証明書発行", [2001, 2999]),
    ("印鑑登録・仮ナンバー(自動車臨時運行許可)", [3001, 3500]),
]
# After the seed's table: the sections a one-stop case sends visitors on to (issue 9 §E).
ONE_STOP_ROWS = [
    ("国民健康保険・国民年金・後期高齢者医療", [4001, 4500]),
    ("児童手当・こども医療費助成・保育・ひとり親", [5001, 5500]),
    ("介護保険", [6001, 6300]),
    ("障害者手帳・障害福祉サービス", [6501, 6800]),
    ("市税（住民税・軽自動車税）", [7001, 7500]),
    ("小・中学校の転入学・就学", [8001, 8300]),
]
SEED_COLUMNS = ["手続き内容(発券番号範囲)", "最終呼出番号", "次回呼出予定番号", "待ち人数", "待ち時間",
                "保留人数"]


@pytest.fixture
def issue(office, kiosk):
    return lambda code="moving": services.ticket_issue(actor=kiosk, office_code="demo",
                                                       category_code=code)


@pytest.fixture
def c(office):
    return lambda number: counter_id(office, number)


def row(office, code: str) -> dict:
    return next(r for r in selectors.board_snapshot(office)["rows"] if r["category"] == code)


def board_queries(office) -> int:
    with CaptureQueriesContext(connection) as captured:
        selectors.board_snapshot(office)
    return len(captured)


def test_rows_are_the_seeds_table(office):
    board = selectors.board_snapshot(office)
    assert [(r["name"], r["range"]) for r in board["rows"]] == SEED_ROWS + ONE_STOP_ROWS
    assert all((r["last_called"], r["next_number"], r["waiting"], r["wait_minutes"], r["on_hold"])
               == (None, None, 0, 0, 0) for r in board["rows"])
    assert board["calling"] == []


@pytest.mark.usefixtures("formula_estimate")  # the queue's own formula (no estimator)
def test_public_page_shows_the_seeds_columns_in_order(client, office, issue):
    issue("moving")
    html = client.get("/o/demo/board/").content.decode()
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)
    assert headers == SEED_COLUMNS
    moving = re.search(r'<tr data-category="moving"[^>]*>(.*?)</tr>', html, re.S).group(1)
    visible = re.sub(r"<[^>]+>", "", moving)  # the text a reader sees, whatever the markup
    assert "転入・転出・世帯変更等の異動届出 (1001～1500)" in visible
    assert re.search(r'data-col="next_number"[^>]*>1001<', moving)
    assert re.search(r'data-col="waiting"[^>]*>1人<', moving)
    assert re.search(r'data-col="wait_minutes"[^>]*>3分<', moving)  # 1 × 12 min ÷ 4 counters


# What the wait estimate (forecasting.selectors.office_waits) reads when the queue changed: the
# queue, the counters, their events, the office's calibration (nine queries at most), the share of
# holds and the last hour's fast-lane tickets (two) and the recent services of each of the demo
# office's twelve categories.
ESTIMATE_QUERIES = 9 + 2 + 12


def test_query_count_is_bounded_and_does_not_grow_with_tickets(office, issue, c, clock):
    # The office calendar (開庁日・受付時間) is read once per process and per change of it; the
    # wait estimate once per change of the queue (then one query: is it still the same queue?).
    cold = board_queries(office)
    empty = board_queries(office)
    assert empty <= 5 and cold <= empty + 4 + ESTIMATE_QUERIES
    for i in range(40):
        issue(["moving", "certificates", "fastlane", "seal"][i % 4])
        clock.advance(minutes=1)
    for number in (1, 2, 4, 6, 7, 8):
        call_next(SYSTEM, c(number))
        clock.advance(minutes=3)
    for number in (1, 6):
        call_next(SYSTEM, c(number))  # finishes one each
    services.ticket_hold(actor=SYSTEM, counter_id=c(2))
    assert board_queries(office) <= empty + ESTIMATE_QUERIES  # the queue changed: estimated once
    assert board_queries(office) == empty  # every later refresh of the same queue


def test_api_board_query_count_is_bounded(client, office, issue, c, django_assert_max_num_queries):
    for _ in range(30):
        issue("certificates")
    call_next(SYSTEM, c(6))
    with django_assert_max_num_queries(5 + ESTIMATE_QUERIES):
        assert client.get("/api/v1/offices/demo/board").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/offices/demo/board").status_code == 200


def test_counts_last_called_and_next_number(office, issue, c, clock):
    tickets = [issue("moving") for _ in range(4)]
    call_next(SYSTEM, c(1))  # 1001
    call_next(SYSTEM, c(2))  # 1002
    services.ticket_hold(actor=SYSTEM, counter_id=c(2))
    r = row(office, "moving")
    assert (r["last_called"], r["next_number"], r["waiting"], r["on_hold"]) == (1002, 1003, 2, 1)
    services.ticket_recall(actor=SYSTEM, counter_id=c(1))  # a recall is not a new call
    assert row(office, "moving")["last_called"] == 1002
    services.ticket_call(actor=SYSTEM, counter_id=c(3), ticket_id=tickets[3].public_id)
    r = row(office, "moving")
    assert (r["last_called"], r["next_number"], r["waiting"], r["on_hold"]) == (1004, 1003, 1, 1)
    services.ticket_resume(actor=SYSTEM, ticket_id=tickets[1].public_id)
    r = row(office, "moving")  # 1002 was issued before 1003: back at the head of the queue
    assert (r["next_number"], r["waiting"], r["on_hold"]) == (1002, 2, 0)


@pytest.mark.usefixtures("formula_estimate")  # the queue's own formula (no estimator)
def test_wait_minutes_from_the_categorys_prior_and_open_counters(office, issue, c):
    for _ in range(3):
        issue("moving")
    # 3 people × 12 min (the prior, nobody served yet) ÷ 4 open counters (1–4 serve moving).
    assert row(office, "moving")["wait_minutes"] == 9
    for number in (2, 3, 4):
        services.counter_set_open(actor=SYSTEM, counter_id=c(number), is_open=False)
    assert row(office, "moving")["wait_minutes"] == 36
    services.counter_set_open(actor=SYSTEM, counter_id=c(1), is_open=False)
    # No counter open: still "at least" one clerk's worth, never blank or infinite.
    assert row(office, "moving")["wait_minutes"] == 36
    services.counter_set_open(actor=SYSTEM, counter_id=c(4), is_open=True)
    assert row(office, "moving")["wait_minutes"] == 36


@pytest.mark.usefixtures("formula_estimate")  # the queue's own formula (no estimator)
def test_wait_minutes_learn_from_recent_service_times(office, issue, c, clock):
    # Like the seed's certificates row: 5 people waiting, 25 minutes at one counter.
    services.counter_set_open(actor=SYSTEM, counter_id=c(7), is_open=False)
    for _ in range(9):
        issue("certificates")
    assert row(office, "certificates")["wait_minutes"] == 9 * 5  # prior 5 min, one counter
    for _ in range(4):  # three visitors served in 8 minutes each
        call_next(SYSTEM, c(6))
        clock.advance(minutes=8)
    r = row(office, "certificates")
    assert (r["last_called"], r["next_number"], r["waiting"]) == (2004, 2005, 5)
    assert r["wait_minutes"] == 5 * 8
    services.counter_set_open(actor=SYSTEM, counter_id=c(7), is_open=True)
    assert row(office, "certificates")["wait_minutes"] == 20  # 5 × 8 ÷ 2 counters
    # An hour and a half later those service times no longer describe the day: prior again.
    clock.advance(minutes=91)
    assert row(office, "certificates")["wait_minutes"] == 13  # ceil(5 × 5 ÷ 2)


@pytest.mark.usefixtures("formula_estimate")  # the queue's own formula (no estimator)
def test_no_shows_are_not_service_times(office, issue, c, clock):
    for _ in range(5):
        issue("seal")
    for _ in range(3):
        call_next(SYSTEM, c(8))
        clock.advance(minutes=30)
        services.ticket_no_show(actor=SYSTEM, counter_id=c(8))
    # Two waiting × prior 8 min ÷ 2 counters (7 and 8): the half-hour no-shows do not count.
    assert row(office, "seal")["wait_minutes"] == 8


def test_estimate_function():
    assert estimate_wait_minutes(people_ahead=0, mean_service_minutes=12, open_counters=3) == 0
    assert estimate_wait_minutes(people_ahead=5, mean_service_minutes=5, open_counters=1) == 25
    assert estimate_wait_minutes(people_ahead=5, mean_service_minutes=5, open_counters=2) == 13
    assert estimate_wait_minutes(people_ahead=1, mean_service_minutes=0.2, open_counters=4) == 1
    assert estimate_wait_minutes(people_ahead=3, mean_service_minutes=10, open_counters=0) == 30


def test_calling_list_latest_first(office, issue, c, clock):
    issue("moving")
    issue("moving")
    issue("certificates")
    call_next(SYSTEM, c(1))
    clock.advance(minutes=1)
    call_next(SYSTEM, c(2))
    clock.advance(minutes=1)
    call_next(SYSTEM, c(6))
    calling = selectors.board_snapshot(office)["calling"]
    assert calling == [{"number": 2001, "counter": "6番窓口"}, {"number": 1002, "counter": "2番窓口"},
                       {"number": 1001, "counter": "1番窓口"}]
    clock.advance(minutes=1)
    services.ticket_recall(actor=SYSTEM, counter_id=c(1))  # called again: top of the list
    services.ticket_hold(actor=SYSTEM, counter_id=c(2))  # set aside: no longer being called
    services.ticket_finish(actor=SYSTEM, counter_id=c(6))
    assert selectors.board_snapshot(office)["calling"] == [{"number": 1001, "counter": "1番窓口"}]


def test_yesterdays_tickets_are_not_on_todays_board(office, issue, c, clock):
    issue("moving")
    issue("moving")
    call_next(SYSTEM, c(1))
    clock.advance(days=1)
    board = selectors.board_snapshot(office)
    moving = board["rows"][0]
    assert (moving["waiting"], moving["last_called"], moving["next_number"]) == (0, None, None)
    assert board["calling"] == []


def test_a_category_that_stopped_issuing_stays_while_people_wait(office, issue, c):
    issue("address")
    issue("address")
    Category.objects.filter(code="address").update(is_active=False)  # 受付終了
    r = row(office, "address")
    assert (r["waiting"], r["next_number"]) == (2, 1901)
    call_next(SYSTEM, c(8))
    call_next(SYSTEM, c(3))
    assert row(office, "address")["waiting"] == 0
    services.ticket_finish(actor=SYSTEM, counter_id=c(8))
    services.ticket_finish(actor=SYSTEM, counter_id=c(3))
    # Nobody left in that queue: the row goes away.
    assert "address" not in [r["category"] for r in selectors.board_snapshot(office)["rows"]]


def test_instant_services_do_not_promise_zero_minutes(office, issue, c):
    for _ in range(4):
        issue("certificates")
    for _ in range(4):  # 2001–2003 "served" in no time
        call_next(SYSTEM, c(6))
    issue("certificates")
    r = row(office, "certificates")
    assert r["waiting"] == 1
    assert r["wait_minutes"] >= 1
