"""混雑予想 across two real processes: the internal server's forecast (as last night's refit left
it) reaches the public server through the signed push; the public feed and calendar page answer
from that copy. The unit of the push (what goes, and when) is tests/zones/test_forecast_zone.py.
"""

import datetime as dt
import re
import shutil
import subprocess
import sys

import httpx
import pytest

from madoguchi.queueing.calendar import holiday_name, is_year_end

from ..live_server import (
    internal_zone_env,
    madoguchi_server,
    migrated_template,
    public_zone_env,
    server_env,
    wait_until,
)

pytestmark = pytest.mark.sqlite_only  # its servers use their own SQLite files in either pass

SECRET = "two-zone-forecast-secret-0123456789"
JST = dt.timezone(dt.timedelta(hours=9))

# What a nightly refit stores for the centre (the refit itself is tested in tests/forecasting):
# 14 days from today, open 9–17 with levels 1…5 by hour, closed otherwise.
STORED = """
import datetime as dt
from madoguchi.core.timeutil import JST, business_date, now
from madoguchi.forecasting.models import HourForecast
today = business_date()
rows = []
for d in range(14):
    day = today + dt.timedelta(days=d)
    for h in range(24):
        level = 1 + (h - 9) % 5 if 9 <= h < 17 else 0
        rows.append(HourForecast(office_code="center", category_code="", predicted=float(level * 3),
                                 hour=dt.datetime(day.year, day.month, day.day, h, tzinfo=JST),
                                 level=level, computed_at=now()))
HourForecast.objects.bulk_create(rows)
"""


@pytest.fixture(scope="module")
def zones(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("zones-forecast")
    internal_db = workdir / "internal.sqlite3"
    shutil.copyfile(migrated_template(), internal_db)
    subprocess.run([sys.executable, "-m", "madoguchi", "manage", "shell", "-c", STORED], check=True, timeout=120,
                   env=server_env(MADOGUCHI_DEMO="1", MADOGUCHI_SQLITE_PATH=str(internal_db)), capture_output=True)
    public_env = public_zone_env(workdir, SECRET)
    with madoguchi_server(workdir, ["serve", "--migrate"], env=public_env, name="public") as public:
        internal_env = internal_zone_env(public.url, SECRET)
        with madoguchi_server(workdir, ["demo", "--db", str(internal_db)], env=internal_env,
                              name="internal") as internal:
            yield public.url, internal.url


def test_the_public_side_answers_the_forecast_computed_inside(zones):
    public, internal = zones
    inside = httpx.get(f"{internal}/api/v1/offices/center/forecast", timeout=10).json()
    assert len(inside["hours"]) == 14 * 24
    outside = wait_until(lambda: (lambda body: body if body["hours"] else None)(
        httpx.get(f"{public}/api/v1/offices/center/forecast", timeout=10).json()), timeout=60)
    assert outside == inside
    english = httpx.get(f"{public}/api/v1/offices/center/forecast?lang=en", timeout=10).json()
    assert english["levels"]["0"] == "Closed" and english["hours"][10]["level_text"] == "Fairly quiet"
    weekday = dt.datetime.now(JST).date() + dt.timedelta(days=1)
    while weekday.weekday() >= 5 or holiday_name(weekday) or is_year_end(weekday):
        weekday += dt.timedelta(days=1)
    page = httpx.get(f"{public}/o/center/forecast/?day={weekday.isoformat()}", timeout=10)
    assert page.status_code == 200 and "この庁舎の混雑予想はまだありません。" not in page.text
    hours = re.findall(r'<th scope="row">(.*?)</th>', page.text)
    assert hours == [f"{h}:00～{h + 1}:00" for h in range(9, 17)]
