"""Reading the card system's CSV (マイナンバーカード交付通知の一覧): 交付通知書番号, 生年月日, 氏名.

Card systems export Shift_JIS (CP932) or UTF-8 (often with a BOM), with or without a header
row, with dates as 1980-01-02, 1980/1/2, 19800102 or in 和暦 (昭和55年1月2日, S55.1.2). A header
row names the columns (in any order); without one the order is number, birth date, name.
Pure functions: nothing here touches the database (staff_services.card_notices_import does).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass

from . import cards

MAX_BYTES = 20 * 1024 * 1024

HEADERS = {
    "number": ("交付通知書番号", "通知書番号", "交付通知書no", "number", "notice_number"),
    "birth_date": ("生年月日", "birth_date", "birthdate", "dob"),
    "name": ("氏名", "名前", "name"),
}

# First year of each era (和暦): 元年 is that year.
ERAS = {"明治": 1868, "M": 1868, "大正": 1912, "T": 1912, "昭和": 1926, "S": 1926,
        "平成": 1989, "H": 1989, "令和": 2019, "R": 2019}
_WAREKI = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")
_WESTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class Row:
    line: int
    number: str
    birth_date: dt.date
    name: str


class CardCsvError(Exception):
    """The file cannot be imported; ``problems`` lists each bad line in Japanese."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else CP932 — what card systems and Excel write."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise CardCsvError(["文字コードを読み取れません。UTF-8 または Shift_JIS の CSV にしてください。"]) from None


def parse_date(text: str) -> dt.date | None:
    """A birth date as card systems print it; None when it is not one."""
    value = unicodedata.normalize("NFKC", text or "").strip().upper()
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    try:
        if m := _WESTERN.match(value):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _WAREKI.match(value):
            year = 1 if m[2] == "元" else int(m[2])
            return dt.date(ERAS[m[1]] + year - 1, int(m[3]), int(m[4]))
    except ValueError:
        return None
    return None


def _columns(header: list[str]) -> dict[str, int] | None:
    """Column positions from a header row; None when the row is data, not a header."""
    found = {}
    for index, cell in enumerate(header):
        key = unicodedata.normalize("NFKC", cell or "").strip().lower().replace(" ", "")
        for field, names in HEADERS.items():
            if key in names and field not in found:
                found[field] = index
    if not found:
        return None
    if set(found) != set(HEADERS):
        missing = "、".join(HEADERS[f][0] for f in HEADERS if f not in found)
        raise CardCsvError([f"1行目の見出しに「{missing}」の列がありません。"])
    return found


def parse(data: bytes) -> list[Row]:
    """Every row of the file, or CardCsvError listing every bad line (nothing is half read)."""
    if len(data) > MAX_BYTES:
        raise CardCsvError(["ファイルが大きすぎます（20MB まで）。"])
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    lines = list(reader)
    if not lines:
        raise CardCsvError(["ファイルが空です。"])
    columns = _columns(lines[0])
    first = 2 if columns else 1
    columns = columns or {"number": 0, "birth_date": 1, "name": 2}
    rows, problems, seen = [], [], {}
    for line, cells in enumerate(lines[first - 1:], start=first):
        if not any((c or "").strip() for c in cells):
            continue
        def get(f, cells=cells):
            return cells[columns[f]].strip() if columns[f] < len(cells) else ""

        number = cards.normalize_number(get("number"))
        birth = parse_date(get("birth_date"))
        name = unicodedata.normalize("NFC", get("name"))
        if not number:
            problems.append(f"{line}行目: 交付通知書番号がありません。")
        elif len(number) > 32:
            problems.append(f"{line}行目: 交付通知書番号が長すぎます（32文字まで）。")
        if birth is None:
            problems.append(f"{line}行目: 生年月日「{get('birth_date')}」を日付として読めません。")
        if not name:
            problems.append(f"{line}行目: 氏名がありません。")
        elif len(name) > 100:
            problems.append(f"{line}行目: 氏名が長すぎます（100文字まで）。")
        if number and number in seen:
            problems.append(f"{line}行目: 交付通知書番号が{seen[number]}行目と重複しています。")
        if number:
            seen.setdefault(number, line)
        if number and birth and name:
            rows.append(Row(line, number, birth, name))
    if problems:
        raise CardCsvError(problems)
    if not rows:
        raise CardCsvError(["取り込む行がありません。"])
    return rows
