"""The 混雑予想 calendar on a 360 px phone: the 市民センター's eight weeks as month calendars, a
tap on a day shows its hours, closed days say 閉庁; the same page in English. Screenshots in the
artifacts (forecast-360-ja.png, forecast-360-en.png).

The demo server's database gets five weeks of tickets before today (as the kiosk would have
issued them, on the centre's real hours) and the nightly refit, through its own CLI.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from ..live_server import demo_server, server_env
from .helpers import assert_accessible, shot

pytestmark = pytest.mark.browser
JST = dt.timezone(dt.timedelta(hours=9))
PHONE = {"width": 360, "height": 740}

HISTORY = """
import datetime as dt, random
from unittest import mock
from madoguchi.core.actors import actor_for_token
from madoguchi.core.errors import ServiceError
from madoguchi.queueing import services
JST = dt.timezone(dt.timedelta(hours=9))
kiosk = actor_for_token("center-kiosk")
rng = random.Random(5)
today = dt.datetime.now(JST).date()
for back in range(35, 0, -1):
    day = today - dt.timedelta(days=back)
    for hour in range(9, 17):
        busy = (3 if hour in (10, 11) else 1) * (2 if day.weekday() == 0 else 1)
        for n in range(rng.randint(busy, busy * 3)):
            at = dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=JST)
            with mock.patch("django.utils.timezone.now", lambda at=at: at):
                try:
                    services.ticket_issue(actor=kiosk, office_code="center",
                                          category_code=rng.choice(["moving", "certificates"]))
                except ServiceError:
                    pass  # closed that day (a holiday) or past 転入's cut-off
"""


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("forecast-server")
    db = workdir / "server.sqlite3"
    with demo_server(workdir, db=db) as server:
        env = server_env(MADOGUCHI_DEMO="1", MADOGUCHI_SQLITE_PATH=str(db))
        for command in (["shell", "-c", HISTORY], ["forecast_refit", "--office", "center"]):
            subprocess.run([sys.executable, "-m", "madoguchi", "manage", *command], env=env, check=True,
                           timeout=300, capture_output=True)
        yield server.url


def next_weekday(after: dt.date) -> dt.date:
    day = after + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def test_the_calendar_on_a_phone_tap_a_day_see_its_hours(new_page, artifacts):
    page = new_page(viewport=PHONE, device_scale_factor=2, has_touch=True)
    page.goto("/o/center/board/")
    page.get_by_role("link", name="混雑予想（これから8週間の混み具合）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("混雑予想")
    today = dt.datetime.now(JST).date()
    expect(page.locator("table.fc-month caption").first).to_have_text(f"{today.year}年{today.month}月")
    # No week of past days only (the month starts at this week).
    assert page.evaluate("""[...document.querySelectorAll('table.fc-month tbody tr')].every(
        tr => [...tr.cells].some(td => !td.matches('.fc-out, .fc-none')))""")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    day = next_weekday(today + dt.timedelta(days=2))
    while day in (dt.date(day.year, 12, 29), dt.date(day.year, 12, 30), dt.date(day.year, 12, 31)):
        day = next_weekday(day)
    cell = page.locator(f'table.fc-month a[href*="day={day.isoformat()}"]')
    expect(cell).to_contain_text(str(day.day))
    cell.tap()
    panel = page.locator("#fc-day")
    expect(panel.get_by_role("heading")).to_contain_text(f"{day.month}月{day.day}日")
    rows = panel.locator("table.fc-hours tbody tr")
    expect(rows.first.locator("th")).to_have_text("8:00～9:00")  # 8:45 opening
    expect(rows.last.locator("th")).to_have_text("17:00～18:00")  # until 17:30
    expect(rows.nth(2)).to_contain_text("10:00～11:00")
    assert f"day={day.isoformat()}" in page.url  # the tapped day can be shared and reloaded
    # The day's cell is marked as the one shown.
    expect(page.locator(f'table.fc-month a[href*="day={day.isoformat()}"]')).to_have_attribute("aria-current", "date")

    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    closed = page.locator("table.fc-month td", has_text="閉庁").filter(
        has=page.locator(f'xpath=./span[@class="fc-num" and text()="{saturday.day}"]'))
    expect(closed.first).to_be_visible()
    # Readable without colour: every day with a forecast shows its level's mark, the legend
    # each mark with its words, in the shared level colours (css/levels.css).
    marks = page.locator("table.fc-month td a .level-mark").all_inner_texts()
    assert len(marks) > 20 and set(marks) <= set("◎○△▲✕"), marks
    expect(page.locator(".level-legend .level-chip")).to_have_text(
        ["◎ 空いている", "○ やや空いている", "△ 普通", "▲ やや混雑", "✕ 大変混雑", "— 閉庁"])
    tint = page.locator("table.fc-month td.lv1, table.fc-month td.lv2, table.fc-month td.lv3").first
    assert tint.evaluate("e => getComputedStyle(e).backgroundColor") in (
        "rgb(217, 242, 225)", "rgb(235, 245, 207)", "rgb(255, 240, 179)")
    shot(page, artifacts, "forecast-360-ja")
    assert_accessible(page, "the 混雑予想 calendar (ja, 360 px)")


def test_the_calendar_in_english(new_page, artifacts):
    page = new_page(viewport=PHONE, device_scale_factor=2, locale="en-US", has_touch=True)
    page.goto("/o/center/forecast/?lang=en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Crowd forecast")
    legend = page.locator(".level-legend")  # the same legend as the places' pages
    expect(legend).to_contain_text("◎ Quiet")
    expect(legend).to_contain_text("— Closed")
    today = dt.datetime.now(JST).date()
    expect(page.locator("table.fc-month caption").first).to_have_text(today.strftime("%B %Y"))
    day = next_weekday(today + dt.timedelta(days=7))
    page.locator(f'table.fc-month a[href*="day={day.isoformat()}"]').tap()
    expect(page.locator("#fc-day table.fc-hours thead")).to_contain_text("Time")
    expect(page.locator("#fc-day")).to_contain_text("The day overall:")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, artifacts, "forecast-360-en")
    assert_accessible(page, "the crowd forecast calendar (en, 360 px)")
