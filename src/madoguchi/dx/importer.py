"""The city's device spreadsheet (xlsx or CSV) → rows for ``services.devices_import``.

The layout is the one the DX office already keeps (seed: 「紙の削減状況の見える化」):
IPアドレス, URL, MEMO, 課所, メーカー, then one column per month. The header row is found by
its 「IPアドレス」 cell, so title rows above it and the month columns after it do no harm.
Optional columns: 機種, 種別 (プリンタ/コピー機), コミュニティ.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .models import Device, Maker

HEADERS = {"ipアドレス": "address", "url": "url", "memo": "note", "メモ": "note", "課所": "section",
           "課": "section", "メーカー": "maker", "機種": "model", "種別": "kind",
           "コミュニティ": "community"}

# Spellings seen in city spreadsheets, compared after NFKC and upper-casing.
MAKER_WORDS = [
    (Maker.FUJIFILM, ("XEROX", "ゼロックス", "富士フイルム", "富士フィルム", "FUJIFILM", "FUJI")),
    (Maker.RICOH, ("リコー", "RICOH")),
    (Maker.CANON, ("キヤノン", "キャノン", "CANON")),
    (Maker.KYOCERA, ("京セラ", "KYOCERA")),
    (Maker.KONICA_MINOLTA, ("コニカミノルタ", "コニカ", "KONICA", "MINOLTA")),
    (Maker.SHARP, ("シャープ", "SHARP")),
    (Maker.EPSON, ("エプソン", "EPSON")),
]


class ImportError_(ValueError):
    """The file is not in the expected layout (message in Japanese)."""


@dataclass
class Row:
    line: int
    host: str
    port: int
    url: str = ""
    note: str = ""
    section: str = ""
    maker: str = Maker.OTHER
    model: str = ""
    kind: str = Device.Kind.PRINTER
    community: str = ""


def _norm(value) -> str:
    return unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()


def maker_of(text: str) -> str:
    word = _norm(text).upper()
    for maker, spellings in MAKER_WORDS:
        if any(s.upper() in word for s in spellings):
            return maker
    return Maker.OTHER


def split_address(text: str) -> tuple[str, int]:
    """``10.11.1.214`` → (host, 161); ``127.0.0.1:1161`` → (host, 1161); ``[::1]:1161`` too."""
    text = _norm(text)
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else 161
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, 161


def _table(path: Path) -> list[list]:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp932"):  # Excel in Japan saves CSV as Shift_JIS (cp932)
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportError_("CSV の文字コードを読み取れません（UTF-8 または Shift_JIS で保存してください）")
    dialect = "excel-tab" if text.count("\t") > text.count(",") else "excel"
    return list(csv.reader(io.StringIO(text), dialect=dialect))


def read_rows(path: str | Path) -> list[Row]:
    table = _table(Path(path))
    headers = [i for i, cells in enumerate(table) if "ipアドレス" in [_norm(c).lower() for c in cells]]
    if not headers:
        raise ImportError_("見出し「IPアドレス」の行が見つかりません")
    header_at = headers[0]
    names = [_norm(c).lower() for c in table[header_at]]
    columns = {HEADERS[n]: i for i, n in enumerate(names) if n in HEADERS}
    rows = []
    for line, cells in enumerate(table[header_at + 1:], start=header_at + 2):
        def cell(name, cells=cells):
            i = columns.get(name)
            return _norm(cells[i]) if i is not None and i < len(cells) else ""

        address = cell("address")
        if not address:
            continue
        try:
            host, port = split_address(address)
        except ValueError as exc:
            raise ImportError_(f"{line}行目: IPアドレス「{address}」を読み取れません") from exc
        kind_text = cell("kind")
        rows.append(Row(line=line, host=host, port=port, url=cell("url"), note=cell("note"),
                        section=cell("section"), maker=maker_of(cell("maker")), model=cell("model"),
                        kind=Device.Kind.COPIER if ("コピー" in kind_text or "複合" in kind_text)
                        else Device.Kind.PRINTER,
                        community=cell("community")))
    return rows
