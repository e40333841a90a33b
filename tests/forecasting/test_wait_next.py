"""No 「約0分」 (issue 12): a ticket with nobody ahead and a free counter is called any moment now,
and its page, the kiosk's card and menu and the turn notices say so honestly instead of
「待ち時間の目安 約0分」; a P50 that rounds to 0 with a P80 above it keeps its "at the latest"."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from madoguchi.notices.messages import render
from madoguchi.queueing import selectors, services
from madoguchi.queueing.models import Ticket

from ..queueing.factories import clock_fixture  # noqa: F401 (clock_fixture)

pytestmark = pytest.mark.usefixtures("clock")


def wait_line(p50, p80, lang="ja") -> str:
    with translation.override(lang):
        html = render_to_string("queueing/_wait_estimate.html",
                                {"status": {"wait_minutes": p50, "wait_minutes_p80": p80}})
    return html[html.index(">", html.index('<p class="wait"')) + 1:html.index("</p>")]


@pytest.mark.parametrize(("p50", "p80", "ja", "en"), [
    (0, 0, "まもなく呼ばれます", "You will be called any moment now"),
    (0, 3, "まもなく呼ばれます（遅くとも3分）", "You will be called any moment now (3 min at the latest)"),
    (0, None, "まもなく呼ばれます", "You will be called any moment now"),
    (1, 1, "待ち時間の目安 約1分", "Estimated wait: about 1 min"),
    (5, 9, "待ち時間の目安 約5分（遅くとも9分）", "Estimated wait: about 5 min (9 min at the latest)"),
])
def test_the_wait_line(p50, p80, ja, en):
    assert wait_line(p50, p80) == ja
    assert wait_line(p50, p80, "en") == en
    for lang in ("zh-hans", "ko", "vi", "pt-br"):  # translated, and never "0 minutes"
        text = wait_line(p50, p80, lang)
        assert text not in (ja, en) and "0 " not in text.replace("10 ", "") and "0分" not in text


def test_nobody_ahead_and_a_free_counter_the_page_kiosk_and_notice_say_soon(client, office, kiosk):
    ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="certificates")
    status = selectors.ticket_status(Ticket.objects.select_related("category", "office", "counter").get(pk=ticket.pk))
    assert (status["waiting_ahead"], status["wait_minutes"], status["wait_minutes_p80"]) == (0, 0, 0)

    page = client.get(f"/t/{ticket.public_id}/").content.decode()
    assert "次はあなたの番です" in page and "まもなく呼ばれます" in page and "窓口の近くでお待ちください。" in page
    assert "約0分" not in page and "あなたの前に" not in page
    english = client.get(f"/t/{ticket.public_id}/?fragment=state&lang=en").content.decode()
    assert "You are next" in english and "about 0 min" not in english

    # The kiosk: its menu says how many wait (no 「約0分」), its card the same words as the page.
    menu = client.get("/o/demo/kiosk/?device=demo-kiosk")
    menu = client.get("/o/demo/kiosk/").content.decode()
    assert "約0分" not in menu and "待ち 1人" in menu
    assert '"kioskMetaNow": "\\u5f85\\u3061 {w}\\u4eba"' in menu  # the same words when the board changes live
    card = client.post("/o/demo/kiosk/issue/", {"category": "family-register"}).content.decode()
    assert "次はあなたの番です" in card and "まもなく呼ばれます" in card and "約0分" not in card

    near = render("near", status, lang="ja", url="")
    assert near["body"] == f"次にお呼びします（{ticket.number}番）"
    soon = render("near", {**status, "waiting_ahead": 2, "wait_minutes": 0}, lang="ja", url="")
    assert "約0分" not in soon["body"] and soon["body"] == f"あと2人で順番です（{ticket.number}番）"
