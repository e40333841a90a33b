"""The KPI dashboard (/dx/kpis/) as the DX office sees it in the demo: the seed's table of
令和3年度 with its 達成状況, a trend chart per KPI drawn from its own table, an entry typed with
the keyboard (a mistake first, nothing lost), and the Excel download."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import allow_console_error, assert_accessible, login, shot

pytestmark = pytest.mark.browser

PAINTED = """figure => {
  const c = figure.querySelector('canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) painted++; }
  const chart = Chart.getChart(c);
  return {painted, width: c.width, drawn: figure.dataset.chart === 'drawn',
          actual: chart ? chart.data.datasets[0].data : null, target: chart ? chart.data.datasets[1].data : null};
}"""


def test_kpi_dashboard_with_the_seeds_table_and_trend_charts(new_page, artifacts):
    page = new_page(viewport={"width": 1400, "height": 900})
    login(page, "/dx/", "dx", "dx")
    page.get_by_role("link", name="KPI（成果指標）の目標値と達成状況").click()
    page.wait_for_url("**/dx/kpis/")
    page.locator("#fy-select").select_option("2021")
    page.get_by_role("button", name="表示").click()
    page.wait_for_url("**/dx/kpis/?fy=2021")
    expect(page.locator("h1")).to_contain_text("令和3年度")
    online = page.locator("tr#kpi-online_rate")
    expect(online.locator("td").nth(0)).to_have_text("80%")
    expect(online.locator("td").nth(1)).to_contain_text("達成 90% (187件/207件)")
    expect(online.locator("td").nth(2)).to_have_text("100%")
    expect(page.locator("tr#kpi-counter_time td").nth(1)).to_contain_text("未達成 (21.5時間減)")
    expect(page.locator("table.dx-kpis caption")).to_have_text(
        ["市民サービスの向上", "職員の生産性向上", "DXの取組状況"])
    expect(page.locator("table.dx-kpis thead").first).to_contain_text("達成状況 (R4.3時点)")
    # every trend figure is drawn, and its bars and line are its table's numbers
    figures = page.locator("figure.dx-trend")
    assert figures.count() >= 15
    for figure in figures.all():
        state = figure.evaluate(PAINTED)
        assert state["drawn"] and state["width"] > 200 and state["painted"] > 1_000, state
    e_approval = page.locator("figure.dx-trend[data-code='e_approval']").evaluate(PAINTED)
    assert e_approval["actual"] == [16, 35.9, 62.4, 81.8]
    online_trend = page.locator("figure.dx-trend[data-code='online_rate']").evaluate(PAINTED)
    assert online_trend["target"] == [80, 100] and online_trend["actual"] == [90, None]
    shot(page, artifacts, "dx-kpis-2021")
    page.locator("figure.dx-trend[data-code='e_approval']").screenshot(
        path=str(artifacts / "dx-kpis-trend-e_approval.png"))
    assert_accessible(page, "/dx/kpis/?fy=2021")

    # an actual typed with the keyboard: a word for a number first (answered 422), then the number
    allow_console_error(page, r"status of 422 \(Unprocessable Entity\)")
    page.locator("#id_actual-kpi").select_option("telework")
    page.locator("#id_actual-fiscal_year").fill("2021")
    page.locator("#id_actual-as_of").fill("2022-03-31")
    page.locator("#id_actual-value").fill("たくさん")
    page.locator("#id_actual-note").fill("4月の集計で訂正")
    page.locator("#id_actual-note").press("Enter")
    expect(page.locator(".field-error")).to_have_text("実績値は数字で入力してください（例: 1263、62.5）。")
    expect(page.locator("#id_actual-note")).to_have_value("4月の集計で訂正")  # nothing lost
    expect(page.locator("#id_actual-value")).to_be_focused()
    page.locator("#id_actual-value").fill("6,512回")
    page.locator("#id_actual-value").press("Enter")
    page.wait_for_url("**/dx/kpis/?fy=2021#kpi-telework")
    expect(page.locator("[role=status]")).to_contain_text("の実績を記録しました")
    expect(page.locator("tr#kpi-telework td").nth(1)).to_contain_text("達成 (6,512回)")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel で保存").click()
    assert download.value.suggested_filename == "kpi-2021.xlsx"
    page.locator("tr#kpi-telework").get_by_role("link", name="履歴").click()
    expect(page.locator("table.dx-history-table").first).to_contain_text("4,669回 → 6,512回")
    shot(page, artifacts, "dx-kpi-history")

    # this year: paper use computed from the demo's readings, the same figure as the paper report
    page.get_by_role("link", name="KPI（成果指標）").click()
    paper = page.locator("tr#kpi-paper_use")
    expect(paper.locator(".tag")).to_have_text("システムが計算")
    expect(paper.locator("td").nth(1)).to_contain_text("%減")
    reduction = paper.locator("td").nth(1).inner_text().split("%減")[0].split("(")[-1].strip()
    page.get_by_role("link", name="紙の使用量").click()
    expect(page.locator(".dx-nav [aria-current=page]")).to_have_text("紙の使用量")
    report = float(page.locator("#paper-change").inner_text().split("%")[0])  # 「34.5%減」
    assert abs(report - int(reduction)) <= 0.5, (report, reduction)  # the KPI shows whole percent
