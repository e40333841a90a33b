"""The office calendar through /api/v1: the public calendar, and issuing refused outside hours."""

import datetime as dt

import pytest
from django.test import Client

from madoguchi.core.models import Role
from madoguchi.core.timeutil import JST
from madoguchi.queueing import calendar
from madoguchi.queueing.models import Category, Office, OfficeHours, SpecialOpening, Ticket

from .factories import clock_fixture, make_office, make_staff, make_token  # noqa: F401
from .test_api import API, assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def center():
    office = make_office("center", categories=[("moving", 1, 500, False, 10),
                                               ("certificates", 501, 999, False, 5)],
                         counters={1: ["moving"], 2: ["certificates"]})
    office.hours_enforced = True
    office.save()
    for weekday in range(5):
        OfficeHours.objects.create(office=office, weekday=weekday, opens=dt.time(8, 45),
                                   closes=dt.time(17, 30))
    SpecialOpening.objects.create(office=office, date=dt.date(2027, 3, 28), opens=dt.time(9, 0),
                                  closes=dt.time(12, 0), note="休日開庁")
    for code, until in (("moving", dt.time(16, 30)), ("certificates", dt.time(17, 15))):
        category = Category.objects.get(office=office, code=code)
        category.reception_until = until
        category.save()
    return office


@pytest.fixture
def kiosk_auth(center):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(center)}"}


def issue(client, auth, category="moving"):
    return client.post(f"{API}/offices/center/tickets", {"category": category},
                       content_type="application/json", **auth)


def test_calendar_over_a_holiday_weekend(client, center):
    response = client.get(f"{API}/offices/center/calendar?from=2026-11-20&days=5")
    assert response.status_code == 200
    assert response.json() == [
        {"date": "2026-11-20", "open": True, "hours": [["08:45", "17:30"]], "note": None},
        {"date": "2026-11-21", "open": False, "hours": [], "note": None},
        {"date": "2026-11-22", "open": False, "hours": [], "note": None},
        {"date": "2026-11-23", "open": False, "hours": [], "note": "祝日（勤労感謝の日）"},
        {"date": "2026-11-24", "open": True, "hours": [["08:45", "17:30"]], "note": None},
    ]


def test_calendar_shows_year_end_and_a_special_opening(client, center):
    year_end = client.get(f"{API}/offices/center/calendar?from=2026-12-29&days=6").json()
    assert {d["note"] for d in year_end} == {"年末年始"} and not any(d["open"] for d in year_end)
    sunday = client.get(f"{API}/offices/center/calendar?from=2027-03-28&days=1").json()
    assert sunday == [{"date": "2027-03-28", "open": True, "hours": [["09:00", "12:00"]], "note": "休日開庁"}]


def test_calendar_defaults_to_a_week_from_today(client, center, clock):
    clock.set(dt.datetime(2026, 11, 24, 23, 30, tzinfo=JST))
    days = client.get(f"{API}/offices/center/calendar").json()
    assert [d["date"] for d in days] == [f"2026-11-{n}" for n in range(24, 31)]


@pytest.mark.parametrize("query", ["from=2026-13-01", "from=tomorrow", "days=0", "days=93", "days=x",
                                   "from=2026-11-20&days=-1", "from=9999-12-31&days=2", "from=0001-01-01",
                                   "from=1999-12-31"])
def test_calendar_bad_input_is_422_json(client, center, query):
    body = assert_error(client.get(f"{API}/offices/center/calendar?{query}"), 422, "invalid_request")
    assert body["detail"]


def test_calendar_of_an_unknown_office_is_404(client, center):
    assert_error(client.get(f"{API}/offices/nowhere/calendar"), 404, "office_not_found")


def test_calendar_allows_up_to_92_days(client, center):
    assert len(client.get(f"{API}/offices/center/calendar?from=2026-11-01&days=92").json()) == 92
    last = client.get(f"{API}/offices/center/calendar?from=2999-12-31&days=92").json()
    assert [d["date"] for d in last][:2] == ["2999-12-31", "3000-01-01"] and len(last) == 92


def test_issuing_after_the_cut_off_is_409_reception_closed(client, center, kiosk_auth, clock):
    clock.set(dt.datetime(2026, 11, 20, 16, 29, 59, tzinfo=JST))
    assert issue(client, kiosk_auth).status_code == 201
    clock.set(dt.datetime(2026, 11, 20, 16, 30, tzinfo=JST))
    body = assert_error(issue(client, kiosk_auth), 409, "reception_closed")
    assert body["message"] == "「movingの手続き」の本日の受付は16:30で終了しました。次の受付は11月24日（火）8:45からです。"
    assert body["detail"] == {"next_opening": "2026-11-24T08:45:00+09:00", "reception_until": "16:30"}
    # 証明書 still issues until 17:15.
    assert issue(client, kiosk_auth, "certificates").status_code == 201
    assert Ticket.objects.filter(office=center).count() == 2


def test_issuing_when_the_office_is_closed_is_409_office_closed(client, center, kiosk_auth, clock):
    clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=JST))  # 勤労感謝の日
    body = assert_error(issue(client, kiosk_auth, "certificates"), 409, "office_closed")
    assert body["message"] == "本日は閉庁日です。次の受付は11月24日（火）8:45からです。"
    clock.set(dt.datetime(2026, 11, 24, 8, 0, tzinfo=JST))
    body = assert_error(issue(client, kiosk_auth, "certificates"), 409, "office_closed")
    assert body["message"] == "ただいま受付時間外です。次の受付は11月24日（火）8:45からです。"
    clock.set(dt.datetime(2026, 11, 24, 17, 30, tzinfo=JST))
    body = assert_error(issue(client, kiosk_auth, "certificates"), 409, "office_closed")
    assert body["message"] == "本日の受付は終了しました。次の受付は11月25日（水）8:45からです。"
    assert not Ticket.objects.filter(office=center).exists()


def test_staff_issuing_is_refused_the_same_way(client, center, clock):
    from madoguchi.core.models import TokenKind

    user = make_staff(center, role=Role.COUNTER_STAFF)
    staff = {"HTTP_AUTHORIZATION": f"Bearer {make_token(center, TokenKind.STAFF, user=user)}"}
    clock.set(dt.datetime(2026, 11, 24, 16, 45, tzinfo=JST))
    assert_error(issue(client, staff), 409, "reception_closed")
    clock.set(dt.datetime(2027, 3, 28, 9, 30, tzinfo=JST))  # 休日開庁
    assert issue(client, staff).status_code == 201


def test_an_edit_in_the_admin_applies_to_the_next_ticket(client, center, kiosk_auth, clock):
    """The rows are cached per process: a change must reach issuing without a restart."""
    clock.set(dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST))
    assert issue(client, kiosk_auth).status_code == 201
    admin = make_staff(center, role=Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    staff_client = Client()
    staff_client.force_login(admin)
    response = staff_client.post(f"/admin/queueing/category/{Category.objects.get(office=center, code='moving').pk}/change/", {
        **_category_form(Category.objects.get(office=center, code="moving")), "reception_until": "09:30"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_error(issue(client, kiosk_auth), 409, "reception_closed")
    assert calendar.reception(Category.objects.select_related("office").get(office=center, code="moving"),
                              clock.at).cutoff == dt.time(9, 30)
    assert Office.objects.get(pk=center.pk).hours_enforced


def _category_form(category) -> dict:
    return {"office": category.office_id, "section": "", "code": category.code, "name": category.name,
            "name_en": "", "names": "{}", "range_start": category.range_start,
            "range_end": category.range_end, "display_order": category.display_order,
            "prior_service_minutes": category.prior_service_minutes, "is_active": "on",
            "notify_ahead": category.notify_ahead, "reception_until": ""}


def _inline(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def _office_form(weekly: list[dict], specials: list[dict] = ()) -> dict:
    return {"code": "branch", "name": "支所", "name_en": "", "display_order": 2, "hours_enforced": "on",
            "closed_on_holidays": "on", "closed_year_end": "on", **_inline("sections", []),
            **_inline("weekly_hours", weekly), **_inline("closures", [{"date": "2026-11-26", "note": "庁舎設備点検"}]),
            **_inline("special_openings", list(specials))}


def test_the_admin_edits_the_calendar_and_refuses_overlapping_ranges(client, center):
    admin = make_staff(center, role=Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get("/admin/queueing/office/add/").content.decode()
    for label in ("開庁時間の外は発券しない", "祝日は閉庁", "年末年始（12月29日～1月3日）は閉庁",
                  "曜日ごとの受付時間", "臨時閉庁日", "休日開庁・特別開庁"):
        assert label in page, label
    # Two ranges on Monday that overlap (both new in one form): refused, nothing saved.
    overlapping = _office_form([{"weekday": 0, "opens": "08:45", "closes": "12:30"},
                                {"weekday": 0, "opens": "12:00", "closes": "17:30"}])
    response = client.post("/admin/queueing/office/add/", overlapping)
    assert response.status_code == 200 and "時間帯が重なっています" in response.content.decode()
    reversed_range = _office_form([{"weekday": 1, "opens": "17:30", "closes": "08:45"}])
    response = client.post("/admin/queueing/office/add/", reversed_range)
    assert "開始時刻は終了時刻より前にしてください" in response.content.decode()
    assert not Office.objects.filter(code="branch").exists()
    # A morning and an afternoon, a closure and a 休日開庁: saved and in the calendar at once.
    good = _office_form([{"weekday": 0, "opens": "08:45", "closes": "12:00"},
                         {"weekday": 0, "opens": "13:00", "closes": "17:30"}],
                        [{"date": "2026-11-29", "opens": "09:00", "closes": "12:00", "note": "休日開庁"}])
    assert client.post("/admin/queueing/office/add/", good).status_code == 302
    days = Client().get(f"{API}/offices/branch/calendar?from=2026-11-23&days=7").json()
    assert days[0] == {"date": "2026-11-23", "open": False, "hours": [], "note": "祝日（勤労感謝の日）"}
    assert days[3] == {"date": "2026-11-26", "open": False, "hours": [], "note": "庁舎設備点検"}
    assert days[6] == {"date": "2026-11-29", "open": True, "hours": [["09:00", "12:00"]], "note": "休日開庁"}
    monday = Client().get(f"{API}/offices/branch/calendar?from=2026-11-30&days=1").json()[0]
    assert monday["hours"] == [["08:45", "12:00"], ["13:00", "17:30"]]


def test_a_retry_after_the_cut_off_answers_the_ticket_already_issued(client, center, kiosk_auth, clock):
    """A kiosk that retries a tap made at 16:29:59 gets its ticket, not 「受付終了」."""
    clock.set(dt.datetime(2026, 11, 20, 16, 29, 59, tzinfo=JST))
    first = client.post(f"{API}/offices/center/tickets", {"category": "moving"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="tap-1", **kiosk_auth)
    assert first.status_code == 201
    clock.set(dt.datetime(2026, 11, 20, 16, 30, 2, tzinfo=JST))
    again = client.post(f"{API}/offices/center/tickets", {"category": "moving"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="tap-1", **kiosk_auth)
    assert again.status_code in (200, 201) and again.json()["id"] == first.json()["id"]
    fresh_tap = client.post(f"{API}/offices/center/tickets", {"category": "moving"},
                            content_type="application/json", HTTP_IDEMPOTENCY_KEY="tap-2", **kiosk_auth)
    assert_error(fresh_tap, 409, "reception_closed")
    assert Ticket.objects.filter(office=center).count() == 1
