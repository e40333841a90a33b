"""The KPIs the system computes itself: paper use from the printers' readings (2019年度比, month for
month), and from the queue's event log the time at the counters, the mean wait and the shares
of booked and prepared visits, each counted in the fiscal year of its business date (April)."""

import datetime as dt
from decimal import Decimal

import pytest

from madoguchi.cases.services import case_open
from madoguchi.core.actors import SYSTEM
from madoguchi.core.timeutil import JST
from madoguchi.dx import kpi_seed, kpi_selectors, kpi_services, services
from madoguchi.dx.kpi_models import KpiActual
from madoguchi.dx.models import Device
from madoguchi.queueing import selectors as queue_selectors
from madoguchi.queueing import services as queue_services
from madoguchi.reservations.models import Availability, ReservationKind, ReservationType
from madoguchi.reservations.services import CITIZEN, reservation_book, reservation_check_in

from ..queueing.factories import clock_fixture  # noqa: F401 (the "clock" fixture)

MARCH_31, APRIL_1 = dt.date(2025, 3, 31), dt.date(2025, 4, 1)  # a Monday and a Tuesday


def jst(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=JST)


def actual(code: str, fy: int) -> KpiActual | None:
    return kpi_selectors.newest_actual(kpi_selectors.kpi_by_code(code), fy)


# ------------------------------------------------------------------ paper (2019年度比)


def read(device: Device, when: str, total: int) -> None:
    services.reading_record(actor=SYSTEM, device=device, total=total, source="manual",
                            read_at=dt.datetime.fromisoformat(when).replace(tzinfo=JST))


def test_paper_use_against_2019_compares_the_same_months_only(office):
    kpi_seed.load_seed(actor=SYSTEM)
    paper = kpi_selectors.kpi_by_code("paper_use")
    kpi_services.kpi_target_set(actor=SYSTEM, kpi=paper, fiscal_year=2024, value=Decimal(30))
    old = Device.objects.create(host="10.11.1.214", section_name="企画調整課")
    new = Device.objects.create(host="10.11.1.215", section_name="企画調整課")
    # 2019: June 1,000 and July 1,000 pages (the poll of the 1st at 06:15 counts for the month before)
    for when, total in (("2019-06-01 06:15", 0), ("2019-07-01 06:15", 1000), ("2019-08-01 06:15", 2000)):
        read(old, when, total)
    # 2024: June 700, July 600 and August 700, which 2019 has no number for: not compared
    for when, total in (("2024-06-01 06:15", 10_000), ("2024-07-01 06:15", 10_700),
                        ("2024-08-01 06:15", 11_300), ("2024-09-01 06:15", 12_000)):
        read(new, when, total)
    summary = kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[2024], today=dt.date(2025, 5, 1))
    assert summary.written == 1
    row = actual("paper_use", 2024)
    # (2,000 − 1,300) / 2,000 = 35 % less, against a target of 30 % less: 達成
    assert (row.value, row.numerator, row.denominator, row.as_of) == (
        Decimal("35"), Decimal(1300), Decimal(2000), dt.date(2025, 3, 31))
    assert row.note.startswith("700枚減（6月～7月") and row.source == "computed"
    (table_row,) = [r for r in kpi_selectors.table(2024) if r.kpi.code == "paper_use"]
    assert table_row.status == "achieved" and table_row.achievement == "達成 (35%減)"
    # 2019 itself is the baseline: nothing to compare
    kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[2019], today=dt.date(2025, 5, 1))
    assert actual("paper_use", 2019) is None


# ------------------------------------------------------------------ the queue's event log


@pytest.fixture
def two_days(office, kiosk, staff, clock):
    """One visit on 31 March 2025 (waits 2 min, served 5 min) and one on 1 April (4 and 10)."""
    counter = office.counters.get(number=1).pk

    def visit(day, wait, service):
        clock.set(jst(day, 10))
        ticket = queue_services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
        clock.set(jst(day, 10, wait))
        assert queue_services.ticket_call_next(actor=staff, counter_id=counter).pk == ticket.pk
        clock.set(jst(day, 10, wait + service))
        queue_services.ticket_finish(actor=staff, counter_id=counter)

    visit(MARCH_31, 2, 5)
    visit(APRIL_1, 4, 10)
    kpi_seed.load_seed(actor=SYSTEM)
    kpi_seed.load_system(actor=SYSTEM)
    kpi_services.kpi_define(actor=SYSTEM, code="counter_time", baseline_fy=2024)
    return office


def test_the_queues_figures_fall_in_the_fiscal_year_of_their_business_date(two_days):
    march = queue_selectors.service_totals(dt.date(2024, 4, 1), MARCH_31)
    april = queue_selectors.service_totals(APRIL_1, dt.date(2026, 3, 31))
    assert march == {"visits": 1, "served": 1, "service_seconds": 300.0, "waited": 1, "wait_seconds": 120.0}
    assert april == {"visits": 1, "served": 1, "service_seconds": 600.0, "waited": 1, "wait_seconds": 240.0}
    kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[2024, 2025], today=APRIL_1)
    wait_2024, wait_2025 = actual("counter_wait", 2024), actual("counter_wait", 2025)
    assert (wait_2024.value, wait_2024.as_of) == (Decimal(2), MARCH_31)  # a past year: final on 31 March
    assert (wait_2025.value, wait_2025.as_of) == (Decimal(4), APRIL_1)   # this year: up to today
    # 窓口での対応時間の削減 against 2024: (5 − 10 min per visit) × 1 visit = 5 minutes more, not less
    time_2025 = actual("counter_time", 2025)
    assert time_2025.value == Decimal("-0.0833")
    assert time_2025.note == "1件あたり 5.00分（2024年度）→ 10.00分、1件"
    assert actual("counter_time", 2024) is None  # the baseline year itself


def test_a_refresh_stores_only_what_changed_and_the_history_shows_the_year(two_days, kiosk, clock):
    kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[2025], today=APRIL_1)
    again = kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[2025], today=APRIL_1)
    assert again.written == 0 and again.unchanged >= 2
    fresh = kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[2025], today=APRIL_1,
                                      max_age=dt.timedelta(minutes=15))
    assert fresh.written == 0 and fresh.fresh >= 2
    clock.set(jst(APRIL_1, 11))  # one more visitor, still waiting: the booked share changes
    queue_services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[2025], today=APRIL_1)
    shares = [line.actual.denominator for line in kpi_selectors.history(kpi_selectors.kpi_by_code("booked_share"))]
    assert shares == [Decimal(2), Decimal(1)]  # newest first, both kept


def test_booked_and_prepared_shares_of_the_years_visits(two_days, kiosk, staff, clock):
    rtype = ReservationType.objects.create(
        office=two_days, code="general", name="一般相談", kind=ReservationKind.GENERAL,
        category=two_days.categories.get(code="fastlane"))
    Availability.objects.create(office=two_days, type=rtype, weekdays=[0, 1, 2, 3, 4],
                                valid_from=dt.date(2025, 3, 1), start_time=dt.time(9, 0),
                                end_time=dt.time(12, 0), slot_minutes=30, capacity=3,
                                bookable_from_days=1, bookable_until_days=60)
    booking = reservation_book(actor=CITIZEN, office="demo", type_code="general", start=jst(APRIL_1, 10),
                               at=jst(MARCH_31, 9))
    clock.set(jst(APRIL_1, 9, 55))
    reservation_check_in(actor=kiosk, office="demo", code=booking.code)  # the second visit of 1 April
    clock.set(jst(APRIL_1, 11))
    case_open(actor=staff, office=two_days, life_event="tennyu", answers={}, source="handover")
    case_open(actor=staff, office=two_days, life_event="tennyu", answers={})  # an interview: not prepared
    kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[2024, 2025], today=APRIL_1)
    booked, prepared = actual("booked_share", 2025), actual("prepared_share", 2025)
    assert (booked.value, booked.numerator, booked.denominator) == (Decimal(50), Decimal(1), Decimal(2))
    assert (prepared.value, prepared.numerator, prepared.denominator) == (Decimal(50), Decimal(1), Decimal(2))
    assert actual("booked_share", 2024).value == Decimal(0)  # 31 March: one visit, not booked
    row = next(r for r in kpi_selectors.table(2025) if r.kpi.code == "booked_share")
    assert row.achievement == "50.0% (1件/2件)"
