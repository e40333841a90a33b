"""``madoguchi catalogue check [DIR]``: exit 0 only for a valid, passing, fully covered catalogue."""

from __future__ import annotations

import pytest

from madoguchi.cli import main

from .helpers import BASIC, copy_basic, edit, line_of

pytestmark = pytest.mark.dbfree  # pure logic: the SQLite pass runs it, the PostgreSQL pass need not


def run(capsys, *args) -> tuple[int, str]:
    code = main(["catalogue", "check", *map(str, args)])
    return code, capsys.readouterr().out


def test_the_fixture_passes(capsys):
    code, out = run(capsys, BASIC)
    assert code == 0, out
    assert "テスト: 6 件中 6 件 成功" in out and out.rstrip().endswith("OK")
    assert "8 件すべてが「対象」と「対象外」の両方でテストされています" in out


def test_a_broken_file_fails_with_file_and_line(tmp_path, capsys):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "other.yaml"
    edit(path, 'when: "dogs > 0"', 'when: "dog_count > 0"')
    code, out = run(capsys, d)
    assert code == 1
    assert f"procedures/other.yaml:{line_of(path, 'dog_count')}: 手続き 'inu_touroku' の when:" in out
    assert out.rstrip().endswith("NG: カタログを読み込めません。上の誤りを直してください。")


def test_a_failing_case_fails(tmp_path, capsys):
    d = copy_basic(tmp_path)
    path = d / "tests" / "tennyu.yaml"
    edit(path, "applies: [tennyu_todoke, jidou_teate, kaigo_hoken]",
         "applies: [tennyu_todoke, jidou_teate, kokuho_kanyu]")
    edit(path, "absent: [kokuho_kanyu, kei_jidousha", "absent: [kaigo_hoken, kei_jidousha")
    code, out = run(capsys, d)
    assert code == 1
    assert "テスト: 6 件中 5 件 成功" in out
    assert (f"テスト「3歳と70歳がいる世帯の転入」（tests/tennyu.yaml:{line_of(path, '3歳と70歳')}）: "
            "kokuho_kanyu は 「対象」 のはずが 「対象外」（結果に出ない） でした; kaigo_hoken は "
            "「対象外」（結果に出ない） のはずが 「対象」 でした（理由: 65歳以上の方がいる世帯）") in out
    assert out.rstrip().endswith("NG")


def test_an_uncovered_procedure_fails(tmp_path, capsys):
    d = copy_basic(tmp_path)
    edit(d / "tests" / "tennyu.yaml", "    absent: [tennyu_todoke, kaigo_hoken]\n", "")
    code, out = run(capsys, d)
    assert code == 1
    assert "tennyu_todoke「転入届」（有効期間 2000-01-01〜、procedures/shimin.yaml:2）: " \
           "「対象外」になるケースがありません" in out
    assert "テスト: 6 件中 6 件 成功" in out



def test_the_sample_catalogue_passes(capsys):
    """The sample a city starts from: valid, every test case passing, every entry covered."""
    code, out = run(capsys)  # no DIR: MADOGUCHI_CATALOGUE_DIR or the sample
    assert code == 0, out
    assert out.rstrip().endswith("OK")
