"""The KPI table (issue 13 item 4): the seed's KPIs with the seed's figures read 達成/未達成 as the
seed does; the status is direction-aware with the target itself counting as reached; staff entries
keep their history; the page, its entry form and its Excel export."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from madoguchi.core.actors import SYSTEM, actor_for_user
from madoguchi.core.errors import Forbidden
from madoguchi.core.models import AuditLog
from madoguchi.dx import kpi_seed, kpi_selectors, kpi_services
from madoguchi.dx.demo import seed_dx
from madoguchi.dx.kpi_models import Direction, Kpi, KpiActual

SEED = kpi_seed.read()
SEED_ROWS = {e["code"]: e for e in SEED["kpis"]}
# Where our cell reads a little differently from the seed's (the unit is written in full, or the
# seed gives a word for a number); the status is still the seed's.
WORDING = {
    "community_app": "達成 (21校下(地区))",   # seed: 達成 (21校下)
    "dx_leaders": "達成 (20人)",              # seed: 達成 (no number in the table)
    "paper_use": "30%減",                     # seed: 30%減 (386万枚減): 386万枚減 is the note
}



@pytest.fixture
def office(module_office, db):
    """The demo office, loaded once for this module's many tests (tests/module_db.py)."""
    return module_office

@pytest.fixture
def dx_user(office):
    seed_dx(office)
    return get_user_model().objects.get(username="dx")


@pytest.fixture
def dx(dx_user):
    return actor_for_user(dx_user)


@pytest.fixture
def seed_table(db):
    kpi_seed.load_seed(actor=SYSTEM)
    return {row.kpi.code: row for row in kpi_selectors.table(2021)}


def _seed_status(words: str) -> str:
    first = words.split(" ")[0]
    return {"達成": "achieved", "未達成": "not_achieved"}.get(first, "no_data")


@pytest.mark.parametrize("code", [c for c, e in SEED_ROWS.items()
                                  if any(a["fy"] == 2021 and "seed" in a for a in e.get("actuals", []))])
def test_the_seeds_table_reads_as_the_seed_does(seed_table, code):
    seed_words = next(a["seed"] for a in SEED_ROWS[code]["actuals"] if a["fy"] == 2021)
    row = seed_table[code]
    assert row.status == _seed_status(seed_words), (code, row.achievement, seed_words)
    assert row.achievement == WORDING.get(code, seed_words)


def test_ninety_percent_of_207_against_80_is_achieved_and_the_next_years_target_shows(seed_table):
    row = seed_table["online_rate"]
    assert (row.target_text, row.achievement, row.next_target_text) == ("80%", "達成 90% (187件/207件)", "100%")
    assert row.as_of_label == "R4.3時点"
    time = seed_table["counter_time"]  # a reduction of 21.5 hours against 62.5: not reached
    assert (time.target_text, time.achievement, time.next_target_text) == (
        "62.5時間減", "未達成 (21.5時間減)", "825時間減")
    paper = seed_table["paper_use"]    # no target for 令和3年度 (「—」): nothing to judge
    assert (paper.target_text, paper.status, paper.next_target_text, paper.next_target.note) == (
        "—", "no_data", "50%減", "600万枚減")


def _kpi(code="k", direction=Direction.INCREASE, **extra):
    fields = {"name": code, "area": "市民サービスの向上", "unit": "分", "direction": direction, **extra}
    return kpi_services.kpi_define(actor=SYSTEM, code=code, **fields)


@pytest.mark.parametrize(("direction", "actual", "expected"), [
    (Direction.INCREASE, "80", "achieved"),        # equal to the target: reached
    (Direction.INCREASE, "79.99", "not_achieved"),
    (Direction.INCREASE, "80.01", "achieved"),
    (Direction.DECREASE, "80", "achieved"),        # a wait of exactly the target: reached
    (Direction.DECREASE, "80.01", "not_achieved"),
    (Direction.DECREASE, "79.99", "achieved"),
])
def test_status_is_direction_aware_and_the_target_itself_is_reached(db, direction, actual, expected):
    kpi = _kpi(direction=direction)
    kpi_services.kpi_target_set(actor=SYSTEM, kpi=kpi, fiscal_year=2024, value=Decimal("80"))
    kpi_services.kpi_actual_record(actor=SYSTEM, kpi=kpi, fiscal_year=2024, as_of=dt.date(2025, 3, 31),
                                   value=Decimal(actual))
    (row,) = kpi_selectors.table(2024)
    assert row.status == expected
    assert [r["status"] for r in kpi_selectors.api_rows(2024)] == [expected]


def test_no_actual_or_no_target_is_no_data(db):
    kpi = _kpi()
    assert kpi_selectors.table(2024)[0].status == "no_data"
    kpi_services.kpi_actual_record(actor=SYSTEM, kpi=kpi, fiscal_year=2024, as_of=dt.date(2024, 5, 1),
                                   value=Decimal(3))
    assert kpi_selectors.table(2024)[0].status == "no_data"
    assert kpi_selectors.table(2024)[0].status_label == "目標値なし"


def test_a_ratio_typed_as_its_parts(db):
    kpi = _kpi(kind="ratio", unit="%", count_unit="件")
    kpi_services.kpi_target_set(actor=SYSTEM, kpi=kpi, fiscal_year=2021, value=Decimal(80))
    actual = kpi_services.kpi_actual_record(actor=SYSTEM, kpi=kpi, fiscal_year=2021, as_of=dt.date(2022, 3, 31),
                                            numerator=Decimal(187), denominator=Decimal(207))
    assert actual.value == Decimal("90.3382")
    assert kpi_selectors.table(2021)[0].achievement == "達成 90% (187件/207件)"


def test_a_correction_is_a_new_row_and_the_history_keeps_old_and_new(db):
    kpi = _kpi(unit="人")
    kpi_services.kpi_target_set(actor=SYSTEM, kpi=kpi, fiscal_year=2021, value=Decimal(700))
    first = kpi_services.kpi_actual_record(actor=SYSTEM, kpi=kpi, fiscal_year=2021, as_of=dt.date(2022, 3, 31),
                                           value=Decimal(1236))
    fixed = kpi_services.kpi_actual_record(actor=SYSTEM, kpi=kpi, fiscal_year=2021, as_of=dt.date(2022, 3, 31),
                                           value=Decimal(1263), note="転記誤りを訂正")
    assert KpiActual.objects.filter(kpi=kpi).count() == 2
    assert kpi_selectors.table(2021)[0].actual == fixed
    newest, oldest = kpi_selectors.history(kpi)
    assert (newest.actual, newest.replaces, oldest.replaces) == (fixed, first, None)
    audit = AuditLog.objects.filter(action="dx.kpi_actual_manual", target=kpi.code).order_by("pk").last()
    assert (audit.detail["old"]["value"], audit.detail["new"]["value"]) == ("1236", "1263")
    with pytest.raises(ValueError):  # the history cannot be rewritten
        first.delete()
    # a target changed: the audit log says who, old → new
    kpi_services.kpi_target_set(actor=SYSTEM, kpi=kpi, fiscal_year=2021, value=Decimal(750))
    (change, setting) = kpi_selectors.target_history(kpi)
    assert (change.detail["old"]["value"], change.detail["new"]["value"], change.actor) == ("700", "750", "system")
    assert setting.detail["old"] is None


def test_an_actual_dated_before_its_year_or_half_a_ratio_is_refused_in_japanese(db):
    kpi = _kpi(kind="ratio")
    with pytest.raises(kpi_services.InvalidKpiInput, match="令和3年度の開始"):
        kpi_services.kpi_actual_record(actor=SYSTEM, kpi=kpi, fiscal_year=2021, as_of=dt.date(2021, 3, 31),
                                       value=Decimal(1))
    with pytest.raises(kpi_services.InvalidKpiInput, match="分子と分母は両方"):
        kpi_services.kpi_actual_record(actor=SYSTEM, kpi=kpi, fiscal_year=2021, as_of=dt.date(2022, 3, 31),
                                       numerator=Decimal(1))
    with pytest.raises(kpi_services.InvalidKpiInput, match="分母は0より大きい"):
        kpi_services.kpi_actual_record(actor=SYSTEM, kpi=kpi, fiscal_year=2021, as_of=dt.date(2022, 3, 31),
                                       numerator=Decimal(1), denominator=Decimal(0))
    assert not KpiActual.objects.exists()


def test_only_the_dx_office_writes(db, staff):
    kpi = _kpi()
    with pytest.raises(Forbidden):
        kpi_services.kpi_target_set(actor=staff, kpi=kpi, fiscal_year=2021, value=Decimal(1))
    with pytest.raises(Forbidden):
        kpi_services.kpi_actual_record(actor=staff, kpi=kpi, fiscal_year=2021, as_of=dt.date(2022, 3, 31),
                                       value=Decimal(1))


def test_loading_the_seed_twice_changes_nothing(db):
    kpi_seed.load_seed(actor=SYSTEM)
    counts = (Kpi.objects.count(), KpiActual.objects.count(), AuditLog.objects.count())
    kpi_seed.load_seed(actor=SYSTEM)
    assert (Kpi.objects.count(), KpiActual.objects.count(), AuditLog.objects.count()) == counts


# ------------------------------------------------------------------ the page, the form, the export


def test_the_dashboard_shows_the_seeds_table_with_trend_tables(client, dx_user):
    client.force_login(dx_user)
    page = client.get("/dx/kpis/?fy=2021")
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("市民サービスの向上", "職員の生産性向上", "目標値 2021(R3)年度末", "達成状況 (R4.3時点)",
                 "目標値 2022(R4)年度末", "達成 90% (187件/207件)", "未達成 (21.5時間減)",
                 "chart-4.6.1.umd.min.js"):
        assert text in html, text
    # the trend table of 電子決裁率 carries the four years of the seed (R1 … R4)
    assert html.count('class="dx-trend card" data-code="e_approval"') == 1
    for value in ("16.0", "35.9", "62.4", "81.8"):
        assert f'data-value="{value}000"' in html
    assert "/dx/kpis/" in client.get("/dx/").content.decode()  # linked from the DX start page


def test_an_entry_with_a_mistake_keeps_what_was_typed_and_says_what_is_wrong(client, dx_user):
    client.force_login(dx_user)
    typed = {"form": "actual", "fy": "2021", "actual-kpi": "senior_course", "actual-fiscal_year": "2021",
             "actual-as_of": "2022-03-31", "actual-value": "千二百", "actual-note": "講座の集計"}
    page = client.post("/dx/kpis/?fy=2021", typed)
    html = page.content.decode()
    assert page.status_code == 422
    assert "実績値は数字で入力してください" in html
    assert 'value="千二百"' in html and 'value="講座の集計"' in html and 'aria-invalid="true"' in html
    assert not KpiActual.objects.filter(note="講座の集計").exists()
    # typed as people type: full-width digits, a comma, the unit
    done = client.post("/dx/kpis/?fy=2021", {**typed, "actual-value": "１,３００人"})
    assert done.status_code == 302 and done["Location"] == "/dx/kpis/?fy=2021#kpi-senior_course"
    row = {r.kpi.code: r for r in kpi_selectors.table(2021)}["senior_course"]
    assert (row.actual.value, row.actual.recorded_by, row.achievement) == (Decimal(1300), "dx", "達成 (1,300人)")
    assert "の実績を記録しました" in client.get(done["Location"]).content.decode()


def test_an_actual_dated_too_early_comes_back_on_its_field(client, dx_user):
    client.force_login(dx_user)
    page = client.post("/dx/kpis/?fy=2021", {
        "form": "actual", "actual-kpi": "senior_course", "actual-fiscal_year": "2021",
        "actual-as_of": "2021-03-31", "actual-value": "5"})
    assert page.status_code == 422
    assert "時点は令和3年度の開始（2021年4月1日）以降の日付にしてください。" in page.content.decode()


def test_a_target_set_on_the_page_and_shown_in_the_history(client, dx_user):
    client.force_login(dx_user)
    done = client.post("/dx/kpis/?fy=2022", {"form": "target", "target-kpi": "telework",
                                             "target-fiscal_year": "2023", "target-value": "20,000"})
    assert done.status_code == 302
    assert kpi_selectors.table(2022)[[r.kpi.code for r in kpi_selectors.table(2022)].index("telework")] \
        .next_target_text == "20,000回"
    history = client.get("/dx/kpis/telework/").content.decode()
    assert "20000回" in history and "dx" in history


def test_the_excel_export_has_the_tables_layout_and_figures(client, dx_user):
    client.force_login(dx_user)
    response = client.get("/dx/kpis/export.xlsx?fy=2021")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = load_workbook(BytesIO(response.content))
    sheet = book["KPI 2021年度"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "デジタル戦略のKPI（令和3年度）"
    header = next(r for r in rows if r[0] == "KPI (成果指標)")
    assert header[:5] == ("KPI (成果指標)", "説明", "目標値 2021(R3)年度末", "達成状況 (R4.3時点)",
                          "目標値 2022(R4)年度末")
    online = next(r for r in rows if r[0] == "行政手続きのオンライン化率")
    assert online[2:5] == ("80%", "達成 90% (187件/207件)", "100%")
    assert online[5:9] == (90, "%", 187, 207) and online[10] == "達成"
    telework = next(r for r in rows if r[0] == "テレワーク、BYOD端末の利用回数(累計)")
    assert telework[3] == "未達成 (4,669回)"
    areas = [r[0] for r in rows if r[0] in ("市民サービスの向上", "職員の生産性向上", "DXの取組状況")]
    assert areas == ["市民サービスの向上", "職員の生産性向上", "DXの取組状況"]
    trend = [list(r) for r in book["年度別の推移"].iter_rows(values_only=True)]
    e_approval = next(r for r in trend if r[0] == "電子決裁率")
    assert [v for v in e_approval[2:] if v is not None] == [16.0, 35.9, 62.4, 81.8]


# ------------------------------------------------------------------ the API


def test_the_api_answers_exactly_the_contracts_keys(client, dx_user):
    response = client.get("/api/v1/dx/kpis?fy=2021", headers={"Authorization": "Bearer demo-dx"})
    assert response.status_code == 200
    rows = response.json()
    assert all(list(r) == ["code", "name", "area", "unit", "target", "actual", "as_of", "status"] for r in rows)
    online = next(r for r in rows if r["code"] == "online_rate")
    assert online == {"code": "online_rate", "name": "行政手続きのオンライン化率", "area": "市民サービスの向上",
                      "unit": "%", "target": 80.0, "actual": 90.0, "as_of": "2022-03-31",
                      "status": "achieved"}
    statuses = {r["code"]: r["status"] for r in rows}
    assert statuses["counter_time"] == "not_achieved" and statuses["paper_use"] == "no_data"
    assert {r["status"] for r in rows} <= {"achieved", "not_achieved", "no_data"}


def test_the_api_refuses_counter_staff_and_a_bad_year(client, dx_user):
    assert client.get("/api/v1/dx/kpis", headers={"Authorization": "Bearer demo-staff"}).status_code == 403
    assert client.get("/api/v1/dx/kpis").status_code == 401
    bad = client.get("/api/v1/dx/kpis?fy=twenty", headers={"Authorization": "Bearer demo-dx"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"


def test_counter_staff_and_strangers_cannot_post_an_actual(client, dx_user, staff_user):
    entry = {"form": "actual", "actual-kpi": "senior_course", "actual-fiscal_year": "2021",
             "actual-as_of": "2022-03-31", "actual-value": "99999"}
    assert client.post("/dx/kpis/", entry).status_code == 302  # to the log-in page
    client.force_login(staff_user)
    refused = client.post("/dx/kpis/", entry)
    assert refused.status_code == 403 and "情報政策課" in refused.content.decode()
    assert client.get("/dx/kpis/export.xlsx").status_code == 403
    assert not KpiActual.objects.filter(value=99999).exists()


def test_a_definition_changed_in_the_admin_is_audited(client, dx_user):
    client.force_login(get_user_model().objects.get(username="admin"))
    kpi = kpi_selectors.kpi_by_code("telework")
    page = client.get(f"/admin/dx/kpi/{kpi.pk}/change/")
    assert page.status_code == 200 and "テレワーク" in page.content.decode()
    form = {"name": "テレワーク・BYOD端末の利用回数(累計)", "description": "", "area": kpi.area, "unit": "回",
            "count_unit": "", "direction": "increase", "kind": "count", "decimals": "0", "computed": "",
            "baseline_fy": "", "display_order": "80", "source": kpi.source, "active": "on",
            **{f"{p}-{k}": v for p in ("targets", "actuals")
               for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}}
    saved = client.post(f"/admin/dx/kpi/{kpi.pk}/change/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert kpi_selectors.kpi_by_code("telework").name == "テレワーク・BYOD端末の利用回数(累計)"
    audit = AuditLog.objects.filter(action="dx.kpi_define", target="telework").order_by("pk").last()
    assert audit.actor == "admin" and audit.detail["old"]["name"] == "テレワーク、BYOD端末の利用回数(累計)"


def test_the_dx_screens_are_japanese_whatever_the_browser_asks(client, dx_user):
    client.force_login(dx_user)
    html = client.get("/dx/kpis/?fy=2021", headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="ja">' in html and ">表示</button>" in html and "ログアウト" in html


def test_the_cli_loads_the_seed_refreshes_and_prints_the_table(db, capsys):
    from madoguchi.cli import main

    assert main(["dx", "kpis", "--load-seed", "--refresh", "--fy", "2021"]) == 0
    out = capsys.readouterr().out
    assert "資料の KPI 15 件を読み込みました" in out
    assert "online_rate" in out and "目標 80% / 達成 90% (187件/207件)" in out
    assert "目標 62.5時間減 / 未達成 (21.5時間減)" in out


def test_the_input_link_of_a_row_starts_the_forms_on_its_kpi(client, dx_user):
    client.force_login(dx_user)
    html = client.get("/dx/kpis/?fy=2021&kpi=telework").content.decode()
    for form in ("actual", "target"):
        select = html.split(f'id="id_{form}-kpi"')[1].split("</select>")[0]
        assert '<option value="telework" selected>' in select, form
