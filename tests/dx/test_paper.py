"""The paper report (紙の使用量): the seed's table 課所 × months from the devices' readings,
fiscal years April–March, the change against the baseline year (2019年度比)."""

import datetime as dt

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.core.timeutil import JST
from madoguchi.dx import fiscal, selectors, services
from madoguchi.dx.models import Device, PaperSettings, Reading

pytestmark = pytest.mark.django_db


def at(text: str) -> dt.datetime:
    """'2024-07-01 06:15' in Japan time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def device(host: str, section: str, maker: str = "fujifilm", kind: str = "copier") -> Device:
    return Device.objects.create(host=host, section_name=section, maker=maker, kind=kind)


def read(dev: Device, when: str, total: int, *, colour: int | None = None, serial: str = "",
         source: str = Reading.Source.MANUAL) -> Reading:
    mono = None if colour is None else total - colour
    return services.reading_record(actor=SYSTEM, device=dev, total=total, mono=mono, colour=colour,
                                   source=source, read_at=at(when), serial=serial)


def section(pages: dict, name: str) -> dict:
    return next(s for s in pages["sections"] if s["section"] == name)


def seed_table():
    """The seed's sheet (企画調整課 1 台, 広報広聴課 2 台, 秘書課 リコー 1 台) read on the morning of
    the 1st of each month, as the daily poll at 06:15 would: each reading counts for the month
    before (docs/dx.ja.md)."""
    kikaku = device("10.11.1.214", "企画調整課")
    koho1, koho2 = device("10.11.3.214", "広報広聴課"), device("10.11.3.215", "広報広聴課")
    hisho = device("10.13.1.202", "秘書課", maker="ricoh", kind="printer")
    counters = {  # 1 Jun (baseline), 1 Jul (June), 1 Aug (July), 1 Sep (August)
        kikaku: [10_000, 11_200, 12_000, 12_500],
        koho1: [50_000, 53_000, 55_500, 56_000],
        koho2: [7_000, 7_400, 8_000, 8_100],
        hisho: [300, 450, 700, 760],
    }
    for dev, values in counters.items():
        for month, total in zip((6, 7, 8, 9), values, strict=True):
            read(dev, f"2024-{month:02d}-01 06:15", total)
    return kikaku, koho1, koho2, hisho


def test_a_summer_of_readings_gives_the_seeds_section_table(office):
    seed_table()
    pages = selectors.paper_pages(2024)
    assert pages["months"] == ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09",
                               "2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]
    assert [s["section"] for s in pages["sections"]] == ["企画調整課", "広報広聴課", "秘書課"]
    none2, rest = [None, None], [None] * 7
    # by hand: 企画調整課 11,200-10,000 / 12,000-11,200 / 12,500-12,000
    assert section(pages, "企画調整課")["pages"] == [*none2, 1_200, 800, 500, *rest]
    # 広報広聴課: (3,000 + 400), (2,500 + 600), (500 + 100)
    assert section(pages, "広報広聴課")["pages"] == [*none2, 3_400, 3_100, 600, *rest]
    assert section(pages, "秘書課")["pages"] == [*none2, 150, 250, 60, *rest]
    assert section(pages, "広報広聴課")["total"] == 7_100
    assert pages["total"] == 2_500 + 7_100 + 460
    # no baseline year recorded: no change to show
    assert section(pages, "企画調整課")["change_vs_baseline"] is None


def test_per_device_rows_add_up_to_their_section(office):
    _kikaku, koho1, koho2, _hisho = seed_table()
    report = selectors.paper_report(2024)
    koho = next(r for r in report.sections if r.label == "広報広聴課")
    assert [r.device for r in koho.devices] == [koho1, koho2]
    assert [r.total for r in koho.devices] == [6_000, 1_100]


def test_the_month_of_a_reading_and_the_april_boundary(office, settings):
    assert settings.DX_DAY_START == "08:30"
    assert fiscal.counted_date(at("2024-05-01 08:00")) == dt.date(2024, 4, 30)
    assert fiscal.counted_date(at("2024-05-01 08:30")) == dt.date(2024, 5, 1)
    assert fiscal.counted_date(dt.datetime(2024, 4, 30, 23, 30, tzinfo=dt.UTC)) == dt.date(2024, 5, 1)
    assert fiscal.fiscal_year_of(dt.date(2025, 3, 31)) == 2024
    assert fiscal.fiscal_year_of(dt.date(2025, 4, 1)) == 2025
    assert (fiscal.label(2019), fiscal.label(2024), fiscal.label(2018)) == (
        "令和元年度", "令和6年度", "平成30年度")
    dev = device("10.11.10.214", "情報政策課")
    read(dev, "2025-03-30 12:00", 1_000)
    read(dev, "2025-03-31 12:00", 1_100)   # 100 on 31 March: FY2024, March
    read(dev, "2025-04-01 08:00", 1_130)   # 30 before the office opens on 1 April: still March
    read(dev, "2025-04-01 12:00", 1_200)   # 70 on 1 April: FY2025, April
    read(dev, "2025-05-01 07:00", 1_500)   # 300 (the rest of April, read the next morning)
    fy2024, fy2025 = selectors.paper_pages(2024), selectors.paper_pages(2025)
    assert fy2024["sections"][0]["pages"] == [None] * 11 + [130]
    assert fy2025["sections"][0]["pages"] == [370] + [None] * 11
    assert (fy2024["total"], fy2025["total"]) == (130, 370)


def test_change_against_the_baseline_year_compares_the_same_months(office):
    dev = device("10.11.10.214", "情報政策課")
    # FY2019 (令和元年度): April 2019 … March 2020, 1,000 pages a month
    read(dev, "2019-04-01 06:00", 0)   # counts for March 2019: FY2018, and only a baseline
    for n in range(1, 13):
        day = dt.date(2019, 4, 1) + dt.timedelta(days=31 * n)
        read(dev, f"{day:%Y-%m}-01 06:00", 1_000 * n)
    base = selectors.paper_pages(2019)
    assert base["sections"][0]["pages"] == [1_000] * 12 and base["total"] == 12_000
    assert base["sections"][0]["change_vs_baseline"] == 0.0
    # FY2024 so far: April and May, 700 and 680 pages: 1,380 against 2,000 → -31%
    read(dev, "2024-04-01 06:00", 500_000)
    read(dev, "2024-05-01 06:00", 500_700)
    read(dev, "2024-06-01 06:00", 501_380)
    pages = selectors.paper_pages(2024)
    assert pages["sections"][0]["pages"][:3] == [700, 680, None]
    assert pages["sections"][0]["change_vs_baseline"] == -0.31
    report = selectors.paper_report(2024)
    assert report.baseline_label == "令和元年度"
    assert report.met(report.sections[0]) is True      # 31%減 ≥ the default 30%減
    PaperSettings.objects.create(from_fiscal_year=2023, target_reduction_percent=50)
    assert selectors.paper_report(2024).met(selectors.paper_report(2024).sections[0]) is False
    assert selectors.paper_report(2022).target == -0.30  # before the 2023 row: the defaults


def test_reset_and_replacement_never_give_a_negative_month(office):
    dev = device("10.11.20.214", "文化政策課")
    read(dev, "2024-04-01 06:00", 10_000, serial="A1", source=Reading.Source.SNMP)
    read(dev, "2024-04-15 06:00", 10_400, serial="A1", source=Reading.Source.SNMP)   # 400 April
    read(dev, "2024-05-01 06:00", 10_900, serial="A1", source=Reading.Source.SNMP)   # 500 April
    reset = read(dev, "2024-05-20 06:00", 50, serial="A1", source=Reading.Source.SNMP)  # reset
    read(dev, "2024-06-01 06:00", 350, serial="A1", source=Reading.Source.SNMP)      # 300 May
    replaced = read(dev, "2024-06-10 06:00", 250_000, serial="B2", source=Reading.Source.SNMP)
    read(dev, "2024-07-01 06:00", 250_900, serial="B2", source=Reading.Source.SNMP)  # 900 June
    assert (reset.baseline, replaced.baseline) == ("reset", "replaced")
    pages = selectors.paper_pages(2024)["sections"][0]["pages"]
    assert pages[:4] == [900, 300, 900, None]
    assert all(p is None or p >= 0 for p in pages)


def test_month_with_only_a_first_reading_is_empty_not_zero(office):
    dev = device("10.11.5.214", "交通政策課")
    read(dev, "2024-04-10 12:00", 5_000)
    assert selectors.paper_pages(2024)["sections"][0]["pages"][0] is None
    assert selectors.paper_pages(2024)["total"] is None


def test_a_history_appended_at_once_counts_as_reading_by_reading(office):
    one, many = device("10.0.0.1", "市民課"), device("10.0.0.2", "市民課")
    history = [("2024-04-01 06:15", 100, "A"), ("2024-05-01 06:15", 400, "A"), ("2024-05-10 06:15", 20, "A"),
               ("2024-06-01 06:15", 220, "A"), ("2024-06-05 10:00", 5_000, "B"), ("2024-07-01 06:15", 5_600, "B")]
    for when, total, serial in history:
        read(one, when, total, serial=serial, source=Reading.Source.SNMP)
    services.readings_append(actor=SYSTEM, device=many, readings=[
        services.ReadingIn(read_at=at(when), total=total, serial=serial) for when, total, serial in history])
    fields = ("read_at", "total", "pages", "baseline")
    assert list(one.readings.order_by("read_at").values_list(*fields)) == list(
        many.readings.order_by("read_at").values_list(*fields))
    assert [r.baseline for r in many.readings.order_by("read_at")] == [
        "first", "", "reset", "", "replaced", ""]
    with pytest.raises(ValueError):  # appended, never slipped in before the last reading
        services.readings_append(actor=SYSTEM, device=many, readings=[
            services.ReadingIn(read_at=at("2024-06-30 12:00"), total=9_999)])


def test_demo_devices_give_a_year_to_compare_with_2019(office):
    from madoguchi.dx.demo_paper import seed_paper_demo

    today = dt.date(2026, 11, 28)
    written = seed_paper_demo(today)
    assert written > 700 and seed_paper_demo(today) == 0   # idempotent
    assert 28 <= Device.objects.count() <= 32
    assert {d.maker for d in Device.objects.all()} >= {"fujifilm", "ricoh", "canon", "kyocera",
                                                       "konicaminolta", "sharp", "epson"}
    baselines = list(Reading.objects.exclude(baseline="").values_list("baseline", flat=True))
    assert baselines.count("reset") == 1
    assert baselines.count("replaced") == Device.objects.count() + 1  # lease renewal + one swap
    now, before = selectors.paper_pages(2026), selectors.paper_pages(2025)
    assert now["sections"][0]["pages"][6] is not None and now["sections"][0]["pages"][7] is None  # Oct, not Nov
    assert before["sections"][0]["pages"][7] is not None                   # Nov 2025 on
    changes = {s["section"]: s["change_vs_baseline"] for s in now["sections"]}
    assert changes["こども課"] > 0 and all(c < 0 for name, c in changes.items() if name != "こども課")
    for fy in (2019, 2025, 2026):
        for section_row in selectors.paper_pages(fy)["sections"]:
            assert all(p is None or p > 0 for p in section_row["pages"])
    assert selectors.paper_pages(2019)["total"] > selectors.paper_pages(2025)["total"]


def test_the_report_reads_in_a_fixed_number_of_queries(office, django_assert_num_queries):
    from madoguchi.dx.demo_paper import seed_paper_demo

    seed_paper_demo(dt.date(2026, 11, 28))
    # settings, this year's sums, the baseline year's sums, the devices: whatever the device count
    with django_assert_num_queries(4):
        report = selectors.paper_report(2026)
        assert len(report.sections) == 10 and report.total.total
