"""紙の使用量 (/dx/paper/) as the DX office sees it in the demo: the seed's table of sections ×
months, its two charts drawn from that table, the ranking, and the downloads."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import assert_accessible, login, shot

pytestmark = pytest.mark.browser

CANVAS_PAINTED = """id => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) painted++; }
  return {painted, width: c.width, height: c.height, chart: !!Chart.getChart(c)};
}"""


def test_paper_report_with_its_charts(new_page, artifacts):
    page = new_page(viewport={"width": 1400, "height": 900})
    login(page, "/dx/", "dx", "dx")
    page.get_by_role("link", name="紙の使用量（課所別・月別、2019年度比）").click()
    page.wait_for_url("**/dx/paper/")
    expect(page.locator("h1")).to_contain_text("紙の使用量")
    table = page.locator("#paper-table")
    expect(table.locator("tbody tr[data-section]")).to_have_count(10)
    expect(table.locator("thead th[data-month]").first).to_have_text("4月")
    expect(table.locator("thead th[data-month]").last).to_have_text("3月")
    # the demo's downward trend: the year is well below 令和元年度, こども課 prints more
    expect(page.locator("#paper-change")).to_contain_text("%減")
    kodomo = table.locator("tbody tr[data-section='こども課'] td").nth(15)
    expect(kodomo).to_contain_text("%増")
    for canvas in ("chart-months", "chart-sections"):
        state = page.evaluate(CANVAS_PAINTED, canvas)
        assert state["chart"] and state["width"] > 200 and state["painted"] > 2_000, (canvas, state)
    # the chart's bars are the table's numbers
    months = page.evaluate("Chart.getChart(document.getElementById('chart-months')).data.datasets[0].data")
    cells = table.locator("tfoot tr[data-total] td[data-pages]")
    expected = [int(v) if v else None for v in cells.evaluate_all("cs => cs.map(c => c.dataset.pages)")]
    assert months == expected
    expect(page.locator("table.dx-ranking tbody tr").first.locator("th")).to_have_text("情報政策課")
    shot(page, artifacts, "dx-paper")
    page.locator("details#devices-1 summary").click()
    expect(page.locator("details#devices-1 table tbody tr")).to_have_count(4)  # 市民課's four machines
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert_accessible(page, "/dx/paper/")
