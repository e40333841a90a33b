"""The server refuses to start on a broken catalogue, naming each problem."""

from __future__ import annotations

import os
import subprocess
import sys

from madoguchi.cli import main

from .helpers import copy_basic, edit, line_of


def test_serve_refuses_a_broken_catalogue(tmp_path, monkeypatch, capsys):
    d = copy_basic(tmp_path)
    path = d / "procedures" / "hoken.yaml"
    edit(path, ">= 65)", ">= )")
    monkeypatch.setenv("MADOGUCHI_CATALOGUE_DIR", str(d))
    from madoguchi.procedures import catalogue

    catalogue.reset_active()
    try:
        assert main(["serve", "--port", "1"]) == 2  # refused before listening on anything
    finally:
        catalogue.reset_active()
    err = capsys.readouterr().err
    assert f"procedures/hoken.yaml:{line_of(path, '>= )')}: 手続き 'kaigo_hoken' の when:" in err
    assert "手続きカタログに誤りがあるため起動しません" in err


def test_the_asgi_application_refuses_a_broken_catalogue(tmp_path):
    d = copy_basic(tmp_path)
    edit(d / "procedures" / "other.yaml", 'when: "dogs > 0"', 'when: "dogz > 0"')
    env = {**os.environ, "MADOGUCHI_CATALOGUE_DIR": str(d),
           "DJANGO_SETTINGS_MODULE": "madoguchi.settings.test"}
    done = subprocess.run([sys.executable, "-c", "import madoguchi.asgi"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "CatalogueError" in done.stderr and "'dogz' は質問として定義されていません" in done.stderr
