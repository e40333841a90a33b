"""The 市民センター (office ``center``) after its cut-off and after closing, as a visitor sees it.

Whatever the hour the suite runs at, the test first writes the center's calendar
rows (through the ORM of the running server's own database, as an operator's
admin edit would): today and tomorrow are special openings 0:00–23:59, and 転入
(``moving``) stops a minute before now while the others have no cut-off. So 転入
is past its cut-off, 証明書 still issues, and the next opening is tomorrow 0:00 — no clock is faked anywhere.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import httpx
import pytest
from playwright.sync_api import expect

from ..live_server import demo_server, server_env
from .helpers import assert_accessible, assert_not_reloaded, mark_page, shot, wait_live

pytestmark = pytest.mark.browser

JST = dt.timezone(dt.timedelta(hours=9))
WEEKDAYS = "月火水木金土日"


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("calendar-server")
    db = workdir / "server.sqlite3"
    with demo_server(workdir, db=db) as server:
        yield server.url, db


@pytest.fixture(scope="module")
def demo_url(center):
    return center[0]


def in_server_db(db, code: str) -> None:
    """Run ORM code against the demo server's database (signals and all, as the admin would)."""
    env = server_env(MADOGUCHI_DEMO="1", MADOGUCHI_SQLITE_PATH=str(db))
    subprocess.run([sys.executable, "-m", "madoguchi", "manage", "shell", "-c", code],
                   env=env, check=True, timeout=120, capture_output=True)


def safe_now() -> dt.datetime:
    """Now in Japan, at least 2 minutes after and 3 before midnight (so the day cannot turn
    during the test and a cut-off a minute before now is still today)."""
    now = dt.datetime.now(JST)
    minutes = now.hour * 60 + now.minute
    if minutes < 2 or minutes >= 24 * 60 - 3:
        midnight = (now + dt.timedelta(hours=1)).replace(hour=0, minute=2, second=5, microsecond=0)
        time.sleep(max(0.0, (midnight - now).total_seconds()))
        now = dt.datetime.now(JST)
    return now


def set_center(db, *, today: dt.date, closes_today: dt.time, moving_until: dt.time | None) -> None:
    tomorrow = today + dt.timedelta(days=1)
    in_server_db(db, f"""
import datetime as dt
from madoguchi.queueing.models import Category, Office, SpecialOpening
office = Office.objects.get(code="center")
SpecialOpening.objects.filter(office=office, date__in=[dt.date.fromisoformat("{today}"),
                              dt.date.fromisoformat("{tomorrow}")]).delete()
SpecialOpening.objects.create(office=office, date=dt.date.fromisoformat("{today}"), opens=dt.time(0, 0),
                              closes=dt.time.fromisoformat("{closes_today}"), note="テスト")
SpecialOpening.objects.create(office=office, date=dt.date.fromisoformat("{tomorrow}"), opens=dt.time(0, 0),
                              closes=dt.time(23, 59), note="テスト")
moving = Category.objects.get(office=office, code="moving")
moving.reception_until = {f'dt.time.fromisoformat("{moving_until}")' if moving_until else None}
moving.save()
for other in Category.objects.filter(office=office).exclude(code="moving"):
    other.reception_until = None  # 証明書 issues all day here, whatever the hour
    other.save()
""")


def next_opening_ja(day: dt.date) -> str:
    return f"次の受付は {day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）0:00 からです"


def test_after_the_cut_off_the_kiosk_and_board_say_reception_closed(center, new_page, artifacts):
    url, db = center
    now = safe_now()
    cut_off = (now - dt.timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    tomorrow = now.date() + dt.timedelta(days=1)
    # First 転入 still issues: the kiosk and the board are open before the cut-off is set.
    set_center(db, today=now.date(), closes_today=dt.time(23, 59), moving_until=None)
    page = new_page()
    page.goto("/o/center/kiosk/?device=center-kiosk")
    expect(page.locator('.kiosk-button[data-category="moving"]')).to_be_enabled()
    board = new_page()
    board.goto("/o/center/board/")
    wait_live(board)
    mark_page(board)
    expect(board.locator('tr[data-category="moving"] [data-reception-closed]')).to_be_hidden()

    # The cut-off passes; the next board event (a ticket for 証明書) closes 転入 on both screens.
    set_center(db, today=now.date(), closes_today=dt.time(23, 59), moving_until=cut_off)
    issued = httpx.post(f"{url}/api/v1/offices/center/tickets", json={"category": "certificates"},
                        headers={"Authorization": "Bearer center-kiosk"}, timeout=10)
    assert issued.status_code == 201, issued.text
    expect(board.locator('tr[data-category="moving"] [data-reception-closed]')).to_be_visible()
    expect(board.locator('tr[data-category="certificates"] [data-reception-closed]')).to_be_hidden()
    assert_not_reloaded(board)

    moving = page.locator('.kiosk-button[data-category="moving"]')  # the kiosk redrew itself
    expect(moving).to_be_disabled()
    expect(moving).to_contain_text("受付終了")
    expect(moving).to_contain_text(f"本日の受付は {cut_off:%H:%M} で終了しました")
    expect(moving).to_contain_text(next_opening_ja(tomorrow))
    expect(page.locator('.kiosk-button[data-category="certificates"]')).to_be_enabled()
    shot(page, artifacts, "center-kiosk-after-cut-off")
    assert_accessible(page, "center kiosk after the cut-off")

    # The API refuses the same category, and says when it opens next.
    refused = httpx.post(f"{url}/api/v1/offices/center/tickets", json={"category": "moving"},
                         headers={"Authorization": "Bearer center-kiosk"}, timeout=10)
    assert refused.status_code == 409 and refused.json()["code"] == "reception_closed"
    assert f"次の受付は{tomorrow.month}月{tomorrow.day}日" in refused.json()["message"]

    # The board API and the public board mark the row 受付終了; 証明書 still issues.
    rows = {r["category"]: r for r in httpx.get(f"{url}/api/v1/offices/center/board", timeout=10).json()["rows"]}
    assert (rows["moving"]["accepting"], rows["moving"]["closed_reason"]) == (False, "reception_closed")
    assert rows["moving"]["reception_until"] == f"{cut_off:%H:%M}"
    assert rows["certificates"]["accepting"] is True
    display = new_page()
    display.goto("/o/center/display/")
    expect(display.locator('tr[data-category="moving"] [data-reception-closed]')).to_be_visible()


def test_after_closing_the_kiosk_says_reception_is_over_with_the_next_opening(center, new_page, artifacts):
    _url, db = center
    now = safe_now()
    closed_at = (now - dt.timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    set_center(db, today=now.date(), closes_today=closed_at, moving_until=None)
    tomorrow = now.date() + dt.timedelta(days=1)

    page = new_page()
    page.goto("/o/center/kiosk/?device=center-kiosk")
    closed = page.locator("[data-kiosk-closed]")
    expect(closed).to_contain_text("本日の受付は終了しました")
    expect(closed).to_contain_text(next_opening_ja(tomorrow))
    expect(page.locator(".kiosk-button")).to_have_count(0)
    shot(page, artifacts, "center-kiosk-closed")
    assert_accessible(page, "center kiosk after closing")

    # The public board says 受付終了 for every row, and keeps saying it when the stream replays
    # the last snapshot (published before this edit of the calendar, with 証明書 still open).
    board = new_page()
    board.goto("/o/center/board/")
    wait_live(board)
    for code in ("moving", "certificates", "mynumber"):
        expect(board.locator(f'tr[data-category="{code}"] [data-reception-closed]')).to_be_visible()

    # In the visitor's language: the same screen in English.
    page.goto("/o/center/kiosk/?lang=en")
    expect(page.locator("[data-kiosk-closed]")).to_contain_text("Reception is closed for today")
    expect(page.locator("[data-kiosk-closed]")).to_contain_text(
        f"Next reception: {tomorrow:%a}, ")
