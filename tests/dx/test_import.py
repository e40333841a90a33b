"""The city's device spreadsheet (the seed's columns) → the device registry."""

import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

from madoguchi.cli import main
from madoguchi.core.actors import SYSTEM
from madoguchi.core.models import AuditLog
from madoguchi.dx import importer, services
from madoguchi.dx.models import Device

FIXTURE = Path(__file__).parent / "fixtures" / "devices.csv"


def test_address_with_port_and_maker_spellings():
    assert importer.split_address("10.11.1.214") == ("10.11.1.214", 161)
    assert importer.split_address("127.0.0.1:16161") == ("127.0.0.1", 16161)
    assert importer.split_address("[::1]:1161") == ("::1", 1161)
    assert importer.maker_of("ＸＥＲＯＸ") == "fujifilm"
    assert importer.maker_of("富士フイルムBI") == "fujifilm"
    assert importer.maker_of("リコー") == "ricoh"
    assert importer.maker_of("キャノン") == "canon"
    assert importer.maker_of("?") == "other"


@pytest.mark.django_db
def test_csv_in_the_seeds_layout_gives_the_registry(office):
    from madoguchi.queueing.models import Section

    section = Section.objects.get_or_create(office=office, name="情報政策課")[0]
    summary = services.devices_import(actor=SYSTEM, path=FIXTURE)
    assert (summary.created, summary.updated) == (5, 0)
    it = Device.objects.get(host="10.11.10.214")
    assert (it.section_name, it.section, it.maker, it.note, it.port) == (
        "情報政策課", section, "fujifilm", "情報事務室内", 161)
    assert it.url == "http://10.11.10.214/ews/default.htm"
    assert Device.objects.get(host="10.13.1.202").maker == "ricoh"
    assert Device.objects.get(host="127.0.0.1").port == 16161
    assert AuditLog.objects.filter(action="dx.devices_import").exists()
    # Importing again updates, and keeps SNMP settings made in the admin.
    Device.objects.filter(host="10.13.1.202").update(snmp_version="3", v3_user="dx")
    assert services.devices_import(actor=SYSTEM, path=FIXTURE).updated == 5
    assert Device.objects.get(host="10.13.1.202").v3_user == "dx"


@pytest.mark.django_db
def test_xlsx_and_shift_jis_csv_through_the_cli(tmp_path, capsys):
    rows = [line.split(",") for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "devices.xlsx")
    assert main(["dx", "import-devices", str(tmp_path / "devices.xlsx")]) == 0
    assert "追加 5 台" in capsys.readouterr().out
    (tmp_path / "sjis.csv").write_bytes(FIXTURE.read_text(encoding="utf-8").encode("cp932"))
    assert main(["dx", "import-devices", str(tmp_path / "sjis.csv")]) == 0
    assert "更新 5 台" in capsys.readouterr().out
    assert Device.objects.get(host="10.11.3.214").section_name == "広報広聴課"


@pytest.mark.django_db
def test_a_file_without_the_header_is_refused(tmp_path, capsys):
    shutil.copy(FIXTURE, tmp_path / "x.csv")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["dx", "import-devices", str(tmp_path / "x.csv")]) == 1
    assert "IPアドレス" in capsys.readouterr().err
    assert not Device.objects.exists()


@pytest.mark.django_db
def test_the_public_side_refuses_dx(settings, capsys):
    settings.ROLE = "public"
    assert main(["dx", "import-devices", str(FIXTURE)]) == 2
    assert "内部系" in capsys.readouterr().err
    assert not Device.objects.exists()
