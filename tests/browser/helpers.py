"""Shared steps for the browser tests: the demo office's API, waits and screenshots."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import expect

KIOSK = {"Authorization": "Bearer demo-kiosk"}
STAFF = {"Authorization": "Bearer demo-staff"}
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
FULL_HD = {"width": 1920, "height": 1080}

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


# ------------------------------------------------------------------ what every page may not do


class PageWatch:
    """Blocks requests to other hosts and collects console and page errors of a test's pages.

    Requests to another host are aborted (the page sees a network error) and recorded
    with their URL; console messages of type ``error`` and uncaught exceptions are
    recorded unless the test allowed them with ``allow_console_error(page, pattern)``
    (e.g. the browser's own "Failed to load resource … 404" when a test opens a
    missing page on purpose).
    """

    LOCAL_SCHEMES = {"data", "blob", "about"}

    def __init__(self, base_url: str):
        self.origin = urlsplit(base_url)[:2]  # (scheme, host:port)
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []

    def is_foreign(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme not in self.LOCAL_SCHEMES and parts[:2] != self.origin

    def attach(self, context) -> None:
        def abort(route):
            self.foreign.append(route.request.url)
            route.abort("blockedbyclient")

        context.route(self.is_foreign, abort)

    def watch(self, page) -> None:
        page._madoguchi_watch = self
        page.on("console", lambda msg: msg.type == "error" and self._error(
            f"console error on {page.url}: {msg.text}"
            + (f" ({msg.location.get('url')})" if msg.location.get("url") else "")))
        page.on("pageerror", lambda exc: self._error(f"page error on {page.url}: {exc}"))

    def _error(self, text: str) -> None:
        self.errors.append(text)

    def problems(self) -> list[str]:
        out = [f"a request to another host than the test server (blocked): {url}"
               for url in dict.fromkeys(self.foreign)]
        out += [e for e in self.errors if not any(p.search(e) for p in self.allowed)]
        return out


def allow_console_error(page, pattern: str) -> None:
    """Declare a console error this test provokes on purpose (a regex on the message)."""
    page._madoguchi_watch.allowed.append(re.compile(pattern))


# ------------------------------------------------------------------ the demo office's API


def api_board(base_url: str) -> dict:
    response = httpx.get(f"{base_url}/api/v1/offices/demo/board", timeout=10)
    response.raise_for_status()
    return response.json()


def board_row(base_url: str, category: str) -> dict:
    return next(r for r in api_board(base_url)["rows"] if r["category"] == category)


def counters(base_url: str) -> list[dict]:
    return httpx.get(f"{base_url}/api/v1/offices/demo/counters", timeout=10).json()


def counter_serving(base_url: str, category: str) -> dict:
    """The first counter that serves ``category``."""
    return next(c for c in counters(base_url) if category in c["categories"])


def issue(base_url: str, category: str) -> dict:
    response = httpx.post(f"{base_url}/api/v1/offices/demo/tickets", json={"category": category},
                          headers=KIOSK, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def counter_action(base_url: str, counter_id, action: str, **body) -> httpx.Response:
    """A clerk's action through the API (``call-next``, ``hold``, ``finish`` …) as demo staff.

    A call at a counter still serving someone (left by an earlier test on the shared demo
    server) is refused with ``counter_busy``; the clerk sees who it is and finishes them.
    """
    url = f"{base_url}/api/v1/counters/{counter_id}/{action}"
    response = httpx.post(url, json=body or None, headers=STAFF, timeout=10)
    if (action in ("call", "call-next") and "finish_current" not in body and response.status_code == 409
            and response.json()["code"] == "counter_busy"):
        body = {**body, "finish_current": response.json()["detail"]["id"]}
        response = httpx.post(url, json=body, headers=STAFF, timeout=10)
    return response


# ------------------------------------------------------------------ pages


def wait_live(page) -> None:
    """Wait until the page's EventSource has delivered its first board snapshot.

    From then on the server has this page subscribed, so no event can be missed.
    """
    page.wait_for_function(
        "() => { const r = document.querySelector('[data-live-office]');"
        " return r && r.dataset.lastEventId; }")


def mark_page(page) -> None:
    """A flag that only survives if the page is never reloaded."""
    page.evaluate("window.__sameDocument = true")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def cell(page, category: str, column: str):
    return page.locator(f'tr[data-category="{category}"] [data-col="{column}"]')


def login(page, next_path: str, username: str = "staff", password: str = "staff") -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**{next_path}")


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def open_counter(page, base_url: str, counter_id: str) -> list[str]:
    """Log in as counter staff and open the counter screen; returns confirm() texts seen."""
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    path = f"/o/demo/counter/{counter_id}/"
    login(page, path)
    wait_live(page)
    return dialogs


def call_next_with_keyboard(page, dialogs: list[str]) -> None:
    """Press N; when someone is still being served the screen asks first (accepted)."""
    current = page.locator("[data-current-number]")
    serving = current.count() and current.inner_text().strip()
    asked_before = len(dialogs)
    page.keyboard.press("n")
    if serving:
        expect(current).not_to_have_text(serving)
        assert len(dialogs) == asked_before + 1
        assert f"{serving}番を完了にして、次の方を呼び出しますか" in dialogs[-1]


# ------------------------------------------------------------------ axe-core


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run the vendored axe-core in the page against WCAG 2.1 A/AA; return the serious ones."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async (tags) => {
             const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                resultTypes: ['violations']});
             return r.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
           }""", WCAG_AA)
    return [v for v in results if v["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    """One readable block per violation: rule, impact, and the elements to fix."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:10]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}  — {summary}")
    return "\n".join(lines) or json.dumps(violations)


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found serious/critical WCAG 2.1 AA problems on {where}:\n" \
                           + describe(violations)

