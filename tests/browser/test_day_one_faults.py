"""Day-one faults (issue 8 §1) as a clerk and a visitor meet them, in a real browser.

* 1.2 Two tabs of one counter, 「次を呼出」 in both: the second tab never finishes a
  ticket its clerk did not see; it shows the refusal and the ticket being called.
* 1.1 A double tap at the kiosk gives one ticket and one print.
"""

import httpx
import pytest
from playwright.sync_api import expect

from .helpers import (
    STAFF,
    allow_console_error,
    board_row,
    counter_action,
    counter_serving,
    issue,
    open_counter,
    shot,
    wait_live,
)

pytestmark = pytest.mark.browser


def _ticket_state(base_url: str, ticket_id: str) -> str:
    return httpx.get(f"{base_url}/api/v1/tickets/{ticket_id}", timeout=10).json()["state"]


def _drain(base_url: str, counter_id) -> None:
    """Leave the counter idle with nobody waiting (the demo server is shared by the module)."""
    shown = None
    while True:
        r = counter_action(base_url, counter_id, "call-next", **({"finish_current": shown} if shown else {}))
        if r.status_code == 204:
            break
        assert r.status_code == 200, r.text
        shown = r.json()["ticket"]["id"]  # finished by the next call (204: nobody left)


def test_two_tabs_of_one_counter_never_finish_a_ticket_the_clerk_did_not_see(new_page, demo_url, artifacts):
    counter = counter_serving(demo_url, "family-register")  # counter 5 serves only this category
    assert counter["categories"] == ["family-register"]
    _drain(demo_url, counter["id"])
    tickets = {t["number"]: t["id"] for t in (issue(demo_url, "family-register") for _ in range(3))}
    first, second, third = sorted(tickets)

    tab_a = new_page(viewport={"width": 1366, "height": 900})
    dialogs_a = open_counter(tab_a, demo_url, counter["id"])
    tab_b = new_page(viewport={"width": 1366, "height": 900})
    dialogs_b = open_counter(tab_b, demo_url, counter["id"])
    # Tab B lost its live updates (a laptop that slept, a flaky network): it keeps what it showed.
    tab_b.route("**/panel/**", lambda route: route.abort())
    allow_console_error(tab_b, r"Failed to (load resource|fetch)|ERR_FAILED|net::")
    for tab in (tab_a, tab_b):
        expect(tab.locator(".current-number")).to_have_text("—")

    # Tab A calls the first visitor.
    tab_a.locator("button[data-key=n]").click()
    expect(tab_a.locator("[data-current-number]")).to_have_text(str(first))
    assert dialogs_a == []  # nobody was being served: no question
    expect(tab_b.locator(".current-number")).to_have_text("—")  # tab B did not follow

    # Tab B, showing nobody, presses 次を呼出: refused, and now shows who is being called.
    tab_b.locator("button[data-key=n]").click()
    expect(tab_b.locator(".alert.error")).to_contain_text(f"{first}番を呼出中です")
    expect(tab_b.locator("[data-current-number]")).to_have_text(str(first))
    assert dialogs_b == []
    assert _ticket_state(demo_url, tickets[first]) == "called"  # not finished after 0 s
    assert _ticket_state(demo_url, tickets[second]) == "waiting"
    shot(tab_b, artifacts, "counter-two-tabs-refused")

    # Tab A (live) finishes the first visitor, as its clerk confirms, and calls the second.
    tab_a.locator("button[data-key=n]").click()
    expect(tab_a.locator("[data-current-number]")).to_have_text(str(second))
    assert f"{first}番を完了にして、次の方を呼び出しますか" in dialogs_a[-1]

    # Tab B still shows the first visitor; its clerk confirms finishing *that one*: refused,
    # the second visitor — whom this clerk has not seen — stays called.
    tab_b.locator("button[data-key=n]").click()
    assert f"{first}番を完了にして、次の方を呼び出しますか" in dialogs_b[-1]
    expect(tab_b.locator(".alert.error")).to_contain_text(f"{second}番を呼出中です")
    expect(tab_b.locator("[data-current-number]")).to_have_text(str(second))
    assert _ticket_state(demo_url, tickets[second]) == "called"
    assert _ticket_state(demo_url, tickets[third]) == "waiting"

    # Now that tab B shows the second visitor, its clerk can finish them and call the third.
    tab_b.locator("button[data-key=n]").click()
    assert f"{second}番を完了にして、次の方を呼び出しますか" in dialogs_b[-1]
    expect(tab_b.locator("[data-current-number]")).to_have_text(str(third))
    assert [_ticket_state(demo_url, tickets[n]) for n in (first, second, third)] == ["done", "done", "called"]
    assert httpx.post(f"{demo_url}/api/v1/counters/{counter['id']}/finish", headers=STAFF,
                      timeout=10).status_code == 200


def test_a_double_tap_at_the_kiosk_gives_one_ticket_and_one_print(new_page, demo_url, artifacts):
    before = board_row(demo_url, "seal")
    kiosk = new_page(viewport={"width": 1080, "height": 1920})
    # Count the prints instead of opening the print dialog.
    kiosk.add_init_script("window.__prints = 0; window.print = function () { window.__prints += 1; };")
    kiosk.goto("/o/demo/kiosk/?device=demo-kiosk")
    button = kiosk.locator(".kiosk-button[data-category=seal]")
    expect(button).to_be_visible()
    # Two quick taps (the second lands while the first request is in flight), then a third.
    button.evaluate("b => { b.click(); b.click(); setTimeout(() => b.click(), 30); }")
    card = kiosk.locator("[data-ticket-card]")
    expect(card).to_be_visible()
    number = card.locator("[data-ticket-number]").inner_text()
    kiosk.wait_for_timeout(1500)  # let any later answer arrive: it must not replace the card
    expect(card).to_be_visible()
    expect(card.locator("[data-ticket-number]")).to_have_text(number)
    expect(kiosk.locator("#kiosk-result .alert, #kiosk-result [role=alert]")).to_have_count(0)
    assert kiosk.evaluate("window.__prints") == 1
    after = board_row(demo_url, "seal")
    assert after["waiting"] == before["waiting"] + 1  # one ticket, not two or three
    shot(kiosk, artifacts, "kiosk-double-tap")


def test_the_notice_opt_in_leaves_a_ticket_page_once_the_ticket_ended(new_page, demo_url):
    """Fault 1.9: the opt-in stayed on an open ticket page after the visitor was served."""
    counter = counter_serving(demo_url, "family-register")
    ticket = issue(demo_url, "family-register")
    phone = new_page(viewport={"width": 360, "height": 740})
    phone.goto(ticket["status_url"])
    expect(phone.locator("[data-notices]")).to_be_visible()
    wait_live(phone)
    assert counter_action(demo_url, counter["id"], "call", ticket=ticket["id"]).status_code == 200
    expect(phone.locator("[data-ticket-state]")).to_contain_text("お呼びしています")
    expect(phone.locator("[data-notices]")).to_be_visible()  # still useful while called
    assert counter_action(demo_url, counter["id"], "finish").status_code == 200
    expect(phone.locator("[data-ticket-state]")).to_contain_text("手続きは完了しました")
    expect(phone.locator("[data-notices]")).to_have_count(0)  # without a reload
    phone.reload()
    expect(phone.locator("[data-ticket-state]")).to_contain_text("手続きは完了しました")
    expect(phone.locator("[data-notices]")).to_have_count(0)
