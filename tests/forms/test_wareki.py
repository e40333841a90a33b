"""和暦 on the forms: an era begins on its accession day, its first year is 元年."""

import datetime as dt

import pytest

from madoguchi.forms.wareki import WarekiError, wareki, wareki_parts

pytestmark = pytest.mark.dbfree  # pure logic: the SQLite pass runs it, the PostgreSQL pass need not


@pytest.mark.parametrize(("day", "printed"), [
    ("2019-04-30", "平成31年4月30日"),
    ("2019-05-01", "令和元年5月1日"),
    ("2019-12-31", "令和元年12月31日"),
    ("2020-01-01", "令和2年1月1日"),
    ("1989-01-07", "昭和64年1月7日"),
    ("1989-01-08", "平成元年1月8日"),
    ("1990-01-01", "平成2年1月1日"),
    ("1926-12-24", "大正15年12月24日"),
    ("1926-12-25", "昭和元年12月25日"),
    ("1927-01-01", "昭和2年1月1日"),
    ("1912-07-30", "大正元年7月30日"),
    ("2026-11-28", "令和8年11月28日"),
])
def test_era_boundaries(day, printed):
    assert wareki(day) == printed
    assert wareki(dt.date.fromisoformat(day)) == printed


def test_parts_for_forms_with_printed_year_month_day_boxes():
    assert wareki_parts("2019-05-01") == {"era": "令和", "year": "元", "month": "5", "day": "1"}
    assert wareki_parts("1989-01-07") == {"era": "昭和", "year": "64", "month": "1", "day": "7"}


def test_before_taisho_is_refused():
    with pytest.raises(WarekiError):
        wareki("1912-07-29")
