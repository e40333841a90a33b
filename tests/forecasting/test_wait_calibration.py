"""The office's own calibration of its wait estimate (issue 12 item 1, "calibrated: the P80 covers
about 80% of real waits"): learned nightly by ``manage forecast_refit`` from the office's last days
replayed, stored per office, and the screens read their P50/P80 at those levels."""

import io

import pytest
from django.core.management import call_command

from madoguchi.core.actors import SYSTEM
from madoguchi.forecasting.demo_history import seed_history
from madoguchi.forecasting.models import WaitCalibration
from madoguchi.forecasting.services import wait_calibration_refit
from madoguchi.queueing import estimates, selectors, services
from madoguchi.queueing.models import Counter, Ticket

from ..queueing.factories import call_next


@pytest.mark.django_db
def test_the_nightly_refit_learns_the_levels_from_the_offices_own_log(office):
    assert wait_calibration_refit(office=office, days=2) is None  # no history: 0.5 and 0.8
    assert not WaitCalibration.objects.exists()
    seed_history(office, days=2)
    out = io.StringIO()
    call_command("forecast_refit", "--office", office.code, "--days", "1", stdout=out)
    row = WaitCalibration.objects.get(office_code=office.code)
    assert row.scored >= 100
    assert 0.05 <= row.level50 < row.level80 <= 0.995
    assert 0.6 <= row.coverage80 <= 0.95  # the replay at 0.5/0.8 levels, learning as it goes
    assert f"P80 を {row.level80:.2f} で読む" in out.getvalue()


@pytest.mark.django_db
def test_the_screens_read_the_p80_at_the_stored_level(office, kiosk):
    for _ in range(8):
        services.ticket_issue(actor=kiosk, office_code="demo", category_code="family-register")
    call_next(SYSTEM, Counter.objects.get(office=office, number=5).pk)
    last = Ticket.objects.filter(office=office, state="waiting").order_by("-issued_at").first()

    def shown():
        estimates.clear_cache()
        status = selectors.ticket_status(Ticket.objects.select_related("category", "office", "counter")
                                         .get(pk=last.pk))
        return status["wait_minutes"], status["wait_minutes_p80"]

    usual = shown()
    WaitCalibration.objects.create(office_code=office.code, level50=0.5, level80=0.95, scored=400,
                                   coverage80=0.7, days="2025-01-01", computed_at="2025-01-06T02:15:00Z")
    cautious = shown()
    assert cautious[0] == usual[0] and cautious[1] > usual[1]  # real waits ran long: a later P80
