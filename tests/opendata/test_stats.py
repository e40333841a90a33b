"""Open data: a whole day of counter work through the real services, read back over HTTP."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from madoguchi.core.errors import ServiceError
from madoguchi.core.timeutil import JST, business_date
from madoguchi.opendata.models import PublishedStats
from madoguchi.opendata.selectors import COLUMNS, stats_compute
from madoguchi.opendata.services import stats_publish
from madoguchi.queueing import services

DAY = dt.date(2025, 4, 1)
HEADER = "date,hour,category,issued,served,no_show,wait_mean_min,wait_p90_min"


class Clock:
    """Moves the time every service sees (``now()`` in services and in timeutil)."""

    def __init__(self, monkeypatch):
        self.current = None
        monkeypatch.setattr("madoguchi.queueing.services.now", self.now)
        monkeypatch.setattr("madoguchi.core.timeutil.now", self.now)

    def now(self):
        assert self.current is not None, "set the clock first"
        return self.current

    def at(self, hhmmss: str) -> "Clock":
        h, m, *s = (int(part) for part in hhmmss.split(":"))
        self.current = dt.datetime(DAY.year, DAY.month, DAY.day, h, m, s[0] if s else 0, tzinfo=JST)
        return self


@pytest.fixture
def seeded_day(office, kiosk, staff, monkeypatch):
    """A business day at the demo office, 09:00–13:30, with known waits.

    Counters: 1, 2 serve moving; 5 family-register; 6 certificates; 7 certificates then seal.
    """
    clock = Clock(monkeypatch)
    counter = {n: office.counters.get(number=n).pk for n in (1, 2, 5, 6, 7)}

    def issue(time, category):
        clock.at(time)
        return services.ticket_issue(actor=kiosk, office_code="demo", category_code=category)

    def do(time, action, n, **kwargs):
        clock.at(time)
        return getattr(services, action)(actor=staff, counter_id=counter[n], **kwargs)

    # 09:00 — moving A, B; certificates C.
    a = issue("09:00", "moving")
    b = issue("09:05", "moving")
    c = issue("09:10", "certificates")
    assert do("09:12", "ticket_call_next", 1).pk == a.pk          # A waited 12 min
    do("09:20", "ticket_finish", 1)                                 # A served (moving, 9h)
    assert do("09:30", "ticket_call_next", 6).pk == c.pk          # C waited 20 min (certificates)
    do("09:40", "ticket_transfer", 6, category_code="family-register")
    assert do("09:45", "ticket_call_next", 1).pk == b.pk          # B waited 40 min
    do("09:50", "ticket_recall", 1)                                 # a recall is not a new wait
    # 10:00 — B does not come; H is held and called again; C is served after the transfer.
    h = issue("10:00", "moving")
    do("10:05", "ticket_no_show", 1)                                # B no-show (moving, 10h)
    assert do("10:10", "ticket_call_next", 5).pk == c.pk          # C's second call: no new sample
    assert do("10:20", "ticket_call_next", 2).pk == h.pk          # H waited 20 min
    do("10:25", "ticket_hold", 2)
    do("10:30", "ticket_finish", 5)                                 # C served in family-register
    clock.at("10:35")
    services.ticket_resume(actor=staff, ticket_id=h.public_id)
    assert do("10:40", "ticket_call_next", 2).pk == h.pk          # after the hold: no new sample
    do("10:50", "ticket_finish", 2)                                 # H served (moving, 10h)
    # 11:00 — five certificates at once, waits 1, 2, 3, 4 and 30 minutes.
    for _ in range(5):
        issue("11:00", "certificates")
    shown = None
    for time in ("11:01", "11:02", "11:03", "11:04", "11:30"):     # also finishes the one shown
        shown = do(time, "ticket_call_next", 6, finish_current=shown and shown.public_id)
    do("11:40", "ticket_finish", 6)
    # 12:00 — lunch: nothing happens.
    # 13:00 — seal E waits 7.5 min, E2 15 min 3 s; moving F still waiting at closing; address G cancelled.
    issue("13:00", "seal")
    issue("13:01", "seal")
    do("13:07:30", "ticket_call_next", 7)
    do("13:15", "ticket_finish", 7)
    do("13:16:03", "ticket_call_next", 7)
    do("13:20", "ticket_finish", 7)
    issue("13:20", "moving")
    g = issue("13:25", "address")
    clock.at("13:30")
    services.ticket_cancel(actor=staff, ticket_id=g.public_id)
    monkeypatch.undo()  # the HTTP requests below run at the real time of day
    return office


def row(hour, category, issued=0, served=0, no_show=0, mean=None, p90=None):
    return {"date": DAY.isoformat(), "hour": hour, "category": category, "issued": issued,
            "served": served, "no_show": no_show, "wait_mean_min": mean, "wait_p90_min": p90}


# Categories in display order that had any event that day (fastlane had none).
CATEGORIES = ["moving", "family-register", "address", "certificates", "seal"]
EXPECTED_NONZERO = {
    (9, "moving"): row(9, "moving", issued=2, served=1, mean=26.0, p90=40.0),
    (9, "certificates"): row(9, "certificates", issued=1, mean=20.0, p90=20.0),
    (10, "moving"): row(10, "moving", issued=1, served=1, no_show=1, mean=20.0, p90=20.0),
    (10, "family-register"): row(10, "family-register", served=1),
    (11, "certificates"): row(11, "certificates", issued=5, served=5, mean=8.0, p90=30.0),
    (13, "moving"): row(13, "moving", issued=1),
    (13, "address"): row(13, "address", issued=1),
    (13, "seal"): row(13, "seal", issued=2, served=2, mean=11.3, p90=15.1),
}
EXPECTED = [EXPECTED_NONZERO.get((hour, code), row(hour, code))
            for hour in range(9, 14) for code in CATEGORIES]


def csv_text(value):
    return "" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))


def test_csv_has_bom_header_and_the_days_figures(client, seeded_day):
    response = client.get(f"/api/v1/offices/demo/stats.csv?date={DAY}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="madoguchi-stats-demo-2025-04-01.csv"'
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == 25  # hours 9..13 (lunch included as zeros) x 5 categories
    assert parsed == [{key: csv_text(value) for key, value in expected.items()} for expected in EXPECTED]
    # Spot checks a reader of the file would make.
    by_key = {(r["hour"], r["category"]): r for r in parsed}
    assert by_key[("11", "certificates")]["wait_p90_min"] == "30.0"  # nearest rank, not interpolated
    assert by_key[("12", "moving")] == {**by_key[("12", "moving")], "issued": "0", "wait_mean_min": ""}


def test_json_has_the_same_rows(client, seeded_day):
    response = client.get(f"/api/v1/offices/demo/stats.json?date={DAY}")

    assert response.status_code == 200
    data = response.json()
    assert data["office"] == "demo" and data["date"] == "2025-04-01"
    assert data["columns"] == list(COLUMNS)
    assert data["generated_at"].endswith("+09:00")
    assert data["rows"] == EXPECTED
    assert all(list(r) == list(COLUMNS) for r in data["rows"])
    assert response["Access-Control-Allow-Origin"] == "*"


def test_transfer_counts_served_in_the_category_it_ended_in(seeded_day):
    rows = {(r["hour"], r["category"]): r for r in stats_compute(seeded_day, DAY)}
    assert sum(r["served"] for r in rows.values() if r["category"] == "certificates") == 5
    assert rows[(10, "family-register")]["served"] == 1
    assert rows[(10, "family-register")]["wait_mean_min"] is None  # second call is not a wait sample


def test_query_count_does_not_grow_with_tickets(seeded_day):
    with CaptureQueriesContext(connection) as queries:
        stats_compute(seeded_day, DAY)
    assert len(queries) == 2


def test_day_without_events_is_empty_and_today_is_the_default(client, office):
    response = client.get("/api/v1/offices/demo/stats.csv")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig") == HEADER + "\r\n"
    assert f"demo-{business_date().isoformat()}.csv" in response["Content-Disposition"]
    data = client.get("/api/v1/offices/demo/stats.json").json()
    assert data["date"] == business_date().isoformat() and data["rows"] == []


@pytest.mark.parametrize("value", ["2025-4-1", "20250401", "2025-02-30", "yesterday", "2025-04-01T00:00"])
def test_malformed_date_is_422_in_japanese(client, office, value):
    for suffix in ("csv", "json"):
        response = client.get(f"/api/v1/offices/demo/stats.{suffix}", {"date": value})
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "invalid_date"
        assert "YYYY-MM-DD" in body["message"] and "日付" in body["message"]
        assert body["detail"] == {"date": value}


def test_future_date_is_422(client, office):
    tomorrow = business_date() + dt.timedelta(days=1)
    response = client.get(f"/api/v1/offices/demo/stats.json?date={tomorrow}")
    assert response.status_code == 422
    assert response.json()["code"] == "date_in_future"


def test_unknown_office_is_404(client, office):
    for suffix in ("csv", "json"):
        response = client.get(f"/api/v1/offices/nowhere/stats.{suffix}?date={DAY}")
        assert response.status_code == 404
        assert response.json()["code"] == "office_not_found"


def test_internal_zone_does_not_serve_open_data(client, seeded_day, settings):
    settings.ROLE = "internal"
    for suffix in ("csv", "json"):
        response = client.get(f"/api/v1/offices/demo/stats.{suffix}?date={DAY}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_published_here"


def test_public_zone_serves_what_was_published(client, seeded_day, settings):
    published_at = dt.datetime(2025, 4, 1, 18, 0, tzinfo=JST)
    stats_publish(office_code="demo", date=DAY, rows=stats_compute(seeded_day, DAY),
                  computed_at=published_at)
    # The public side has no queue tables: it must not compute, only read what was pushed.
    stats_publish(office_code="branch", date="2025-04-01", rows=[row(9, "moving", issued=3)])
    settings.ROLE = "public"

    data = client.get(f"/api/v1/offices/demo/stats.json?date={DAY}").json()
    assert data["rows"] == EXPECTED
    assert data["generated_at"] == "2025-04-01T18:00:00+09:00"
    text = client.get(f"/api/v1/offices/demo/stats.csv?date={DAY}").content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(text)))) == 25

    # An office known only from its publications (no office master on this side).
    branch = client.get(f"/api/v1/offices/branch/stats.csv?date={DAY}")
    assert branch.status_code == 200
    assert branch.content.decode("utf-8-sig").splitlines()[1] == "2025-04-01,9,moving,3,0,0,,"
    # Known office, nothing published for that day yet: no rows, no generation time.
    empty = client.get("/api/v1/offices/demo/stats.json?date=2025-03-31").json()
    assert empty["rows"] == [] and empty["generated_at"] is None
    assert client.get(f"/api/v1/offices/nowhere/stats.json?date={DAY}").status_code == 404


def test_public_zone_does_not_compute_from_queue_tables(client, seeded_day, settings):
    settings.ROLE = "public"
    data = client.get(f"/api/v1/offices/demo/stats.json?date={DAY}").json()
    assert data["rows"] == [] and data["generated_at"] is None


def test_publish_replaces_the_days_rows(office):
    stats_publish(office_code="demo", date=DAY, rows=[row(9, "moving", issued=1)])
    stats_publish(office_code="demo", date=DAY, rows=[row(9, "moving", issued=2)])
    published = PublishedStats.objects.get(office_code="demo", date=DAY)
    assert published.rows == [row(9, "moving", issued=2)]


@pytest.mark.parametrize("bad", [
    {**row(9, "moving"), "ticket_number": 1001},      # anything beyond the eight columns
    {k: v for k, v in row(9, "moving").items() if k != "no_show"},
    row(9, "moving") | {"date": "2025-04-02"},
    row(24, "moving"),
    row(9, "moving", issued=-1),
    row(9, "moving", mean="12"),
    row(9, "moving") | {"hour": True},
])
def test_publish_accepts_only_the_open_data_shape(db, bad):
    with pytest.raises(ServiceError) as raised:
        stats_publish(office_code="demo", date=DAY, rows=[bad])
    assert raised.value.status == 422 and raised.value.code == "invalid_stats"
    assert not PublishedStats.objects.exists()


def test_a_ticket_finished_after_midnight_counts_in_hour_23(client, office, kiosk, staff, monkeypatch):
    clock = Clock(monkeypatch)
    counter_id = office.counters.get(number=1).pk
    clock.at("23:40")
    services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    clock.at("23:50")
    services.ticket_call_next(actor=staff, counter_id=counter_id)
    clock.current = dt.datetime(2025, 4, 2, 0, 10, tzinfo=JST)
    services.ticket_finish(actor=staff, counter_id=counter_id)
    monkeypatch.undo()

    rows = client.get(f"/api/v1/offices/demo/stats.json?date={DAY}").json()["rows"]
    assert rows == [row(23, "moving", issued=1, served=1, mean=10.0, p90=10.0)]
    next_day = client.get("/api/v1/offices/demo/stats.json?date=2025-04-02").json()["rows"]
    assert next_day == []
