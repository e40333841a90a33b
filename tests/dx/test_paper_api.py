"""GET /api/v1/dx/paper, the page /dx/paper/ and its CSV / Excel downloads: the same numbers as
the selector, in the contract's exact shape, for the DX office only."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from madoguchi.core.models import AuditLog
from madoguchi.dx import selectors
from madoguchi.dx.demo import seed_dx
from madoguchi.dx.models import PaperSettings

from .test_paper import device, read, seed_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def dx_client(client, office):
    seed_dx(office, paper_demo=False)
    client.force_login(get_user_model().objects.get(username="dx"))
    return client


def test_api_shape_is_exactly_the_contract(client, office):
    seed_table()
    seed_dx(office, paper_demo=False)
    answer = client.get("/api/v1/dx/paper?fy=2024", HTTP_AUTHORIZATION="Bearer demo-dx")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"months", "sections"}
    assert body["months"][0] == "2024-04" and body["months"][-1] == "2025-03" and len(body["months"]) == 12
    assert body["sections"][0] == {"section": "企画調整課", "pages": [None, None, 1200, 800, 500] + [None] * 7,
                                   "total": 2500, "change_vs_baseline": None}
    assert all(set(s) == {"section", "pages", "total", "change_vs_baseline"} for s in body["sections"])
    assert client.get("/api/v1/dx/paper?fy=1999", HTTP_AUTHORIZATION="Bearer demo-dx").status_code == 422


def test_api_change_is_a_ratio_against_2019(client, office):
    seed_dx(office, paper_demo=False)
    dev = device("10.11.10.214", "情報政策課")
    read(dev, "2019-06-01 06:15", 0)
    read(dev, "2019-07-01 06:15", 1_000)          # June 2019: 1,000
    read(dev, "2024-06-01 06:15", 90_000)         # 89,000 since 2019, all counted in May 2024
    read(dev, "2024-07-01 06:15", 90_690)         # June 2024: 690 → -0.31
    body = client.get("/api/v1/dx/paper?fy=2024", HTTP_AUTHORIZATION="Bearer demo-dx").json()
    assert body["sections"][0]["change_vs_baseline"] == -0.31
    assert body["sections"][0]["pages"][2] == 690


def test_api_refuses_counter_staff_and_strangers(client, office):
    seed_table()
    assert client.get("/api/v1/dx/paper").status_code == 401
    assert client.get("/api/v1/dx/paper", HTTP_AUTHORIZATION="Bearer demo-staff").status_code == 403
    assert client.get("/api/v1/dx/paper", HTTP_AUTHORIZATION="Bearer demo-kiosk").status_code == 403
    client.force_login(get_user_model().objects.get(username="staff"))
    assert client.get("/dx/paper/").status_code == 403
    assert client.get("/dx/paper/paper.csv").status_code == 403
    assert client.get("/dx/paper/paper.xlsx").status_code == 403


def test_page_csv_and_excel_hold_the_same_numbers(dx_client):
    seed_table()
    page = dx_client.get("/dx/paper/?fy=2024").content.decode()
    assert "令和6年度" in page and "広報広聴課" in page and "3,400" in page and "7,100" in page
    assert "令和元年度" in page
    raw = dx_client.get("/dx/paper/paper.csv?fy=2024")
    assert raw["Content-Type"].startswith("text/csv")
    assert raw.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert rows[1][:4] == ["課所", "4月", "5月", "6月"] and rows[1][13] == "合計"
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name["広報広聴課"][1:14] == ["", "", "3400", "3100", "600"] + [""] * 7 + ["7100"]
    assert by_name["合計"][13] == "10060"
    xlsx = dx_client.get("/dx/paper/paper.xlsx?fy=2024")
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["課所別"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    xl = {r[0]: r for r in values}
    pages = selectors.paper_pages(2024)
    for section in pages["sections"]:
        assert xl[section["section"]][1:13] == section["pages"]
        assert xl[section["section"]][13] == section["total"]
    assert xl["合計"][13] == pages["total"] == 10_060
    assert [r[1] for r in book["機器別"].iter_rows(min_row=2, values_only=True)] == [
        "10.11.1.214 企画調整課", "10.11.3.214 広報広聴課", "10.11.3.215 広報広聴課", "10.13.1.202 秘書課"]


def test_excel_change_and_target_columns(dx_client):
    dev = device("10.11.10.214", "情報政策課")
    read(dev, "2019-06-01 06:15", 0)
    read(dev, "2019-07-01 06:15", 1_000)
    read(dev, "2024-06-01 06:15", 500)            # a counter reset since: a new baseline
    read(dev, "2024-07-01 06:15", 1_300)          # June: 800, -20%: the 30% target not met
    sheet = load_workbook(io.BytesIO(dx_client.get("/dx/paper/paper.xlsx?fy=2024").content))["課所別"]
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "情報政策課")
    assert row[13:] == (800, 1_000, 1_000, -0.2, "未達成")
    csv_rows = dx_client.get("/dx/paper/paper.csv?fy=2024").content.decode("utf-8-sig").splitlines()
    assert csv_rows[2].endswith("-20.0%,未達成")


def test_settings_change_is_audited_and_used(client, office):
    admin_client = client
    admin_client.force_login(get_user_model().objects.get(username="admin"))  # the demo's superuser
    answer = admin_client.post("/admin/dx/papersettings/add/", {
        "from_fiscal_year": 2024, "baseline_fiscal_year": 2020, "target_reduction_percent": "50",
        "sheets_per_box": 2500, "yen_per_box": "1500", "mono_yen_per_page": "0.9",
        "colour_yen_per_page": "9", "toner_yen_per_box": "20000", "toner_pages_per_box": 10000,
        "cost_source": "契約書", "co2_grams_per_sheet": "4", "co2_source": "x"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert AuditLog.objects.filter(action="dx.paper_settings_add").exists()
    report = selectors.paper_report(2025)
    assert (report.baseline_fiscal_year, report.target) == (2020, -0.5)
    assert PaperSettings.objects.get().yen_per_box == 1500
