"""``madoguchi keys create | rotate | list``: what an operator types and reads."""

from __future__ import annotations

from madoguchi.cli import main
from madoguchi.handover.models import OfficeKey


def test_create_list_rotate_list(office, capsys):
    assert main(["keys", "create", "--office", "demo"]) == 0
    first = OfficeKey.objects.get(office_code="demo")
    assert f"kid={first.kid}" in capsys.readouterr().out

    assert main(["keys", "create", "--office", "demo"]) == 1
    assert "keys rotate" in capsys.readouterr().out  # told what to do instead

    assert main(["keys", "rotate", "--office", "demo"]) == 0
    second = OfficeKey.objects.get(office_code="demo", retired_at__isnull=True)
    capsys.readouterr()
    assert main(["keys", "list", "--office", "demo"]) == 0
    listing = capsys.readouterr().out
    lines = {line.split()[1]: line for line in listing.splitlines()[1:]}
    assert "有効（配布中）" in lines[second.kid]
    assert "更新済み・復号のみ" in lines[first.kid]
    assert "private" not in listing.lower()


def test_an_unknown_office_is_named(office, capsys):
    assert main(["keys", "create", "--office", "nowhere"]) == 1
    assert "nowhere" in capsys.readouterr().out
