"""Reading a place's counts and event days from the CSV files a city has (people counters,
Wi-Fi sensors, a spreadsheet saved as CSV).

Why so lenient on the encoding and so strict on the rows: a spreadsheet in a Japanese office saves
CSV as Shift_JIS (cp932) or as UTF-8 with a BOM, and either must simply work; but a single row that
cannot be read must stop the whole import with its line number, so that no half of a file is ever
stored (the service imports all the rows in one transaction, after this reader accepted them all).

Counts: ``hour,count`` or the backtest's ``series,hour,count`` (docs/forecast.md). ``hour`` is the
start of the hour, ISO-8601; without an offset it is read in the place's time zone. An empty
count is a gap (the sensor was down), not a zero, and is skipped.
Event days: ``date,name`` (``name`` may be empty or left out).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from madoguchi.core.errors import ServiceError


class PlaceCsvError(ServiceError):
    code = "invalid_csv"
    message = "CSV ファイルを読み取れませんでした。"


@dataclass(frozen=True)
class CountRow:
    line: int
    hour: dt.datetime
    count: float


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Shift_JIS as Windows writes it (cp932)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as exc:
        raise PlaceCsvError("文字コードを判別できません。UTF-8 または Shift_JIS で保存してください。",
                            detail={"byte": exc.start}) from None


def _rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    lines = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)
             if any(cell.strip() for cell in row)]
    if not lines:
        raise PlaceCsvError("CSV ファイルが空です。")
    header = [cell.strip().lower() for cell in lines[0][1]]
    return header, lines[1:]


def read_counts(data: bytes, *, tz: str, series: str | None = None) -> list[CountRow]:
    """Every count of the file (all checked), or a ``PlaceCsvError`` naming the first bad line.

    With a ``series`` column, the rows of ``series`` are read; without ``series`` the file must
    hold one series only (else the error lists them)."""
    header, lines = _rows(decode(data))
    if header[:2] == ["hour", "count"]:
        hour_at, count_at, series_at = 0, 1, None
    elif header[:3] == ["series", "hour", "count"]:
        hour_at, count_at, series_at = 1, 2, 0
    else:
        raise PlaceCsvError("1行目（見出し）は hour,count または series,hour,count にしてください。",
                            detail={"line": 1, "header": header})
    if series_at is not None:
        names = sorted({row[series_at].strip() for _n, row in lines if len(row) > series_at})
        if series is None:
            if len(names) > 1:
                raise PlaceCsvError(
                    f"複数の系列（{', '.join(names)}）があります。--series で取り込む系列を指定してください。",
                    detail={"series": names})
        elif series not in names:
            raise PlaceCsvError(f"系列 {series} はこのファイルにありません（{', '.join(names)}）。",
                                detail={"series": names})
    zone = ZoneInfo(tz)
    out: list[CountRow] = []
    seen: dict[dt.datetime, int] = {}
    for line, row in lines:
        if series_at is not None and series is not None and row[series_at].strip() != series:
            continue
        if len(row) <= count_at:
            raise PlaceCsvError(f"{line}行目: 列が足りません（時刻と人数が必要です）。", detail={"line": line})
        raw_hour, raw_count = row[hour_at].strip(), row[count_at].strip()
        if not raw_count:
            continue  # a gap: the sensor was down
        try:
            hour = dt.datetime.fromisoformat(raw_hour)
        except ValueError:
            raise PlaceCsvError(f"{line}行目: 時刻「{raw_hour}」を読み取れません（例: 2025-04-01T09:00:00+09:00）。",
                                detail={"line": line}) from None
        if hour.tzinfo is None:
            hour = hour.replace(tzinfo=zone)
        if (hour.minute, hour.second, hour.microsecond) != (0, 0, 0):
            raise PlaceCsvError(f"{line}行目: 時刻「{raw_hour}」は時間帯の開始（毎時0分）ではありません。",
                                detail={"line": line})
        try:
            count = float(raw_count.replace(",", ""))
        except ValueError:
            raise PlaceCsvError(f"{line}行目: 人数「{raw_count}」が数値ではありません。",
                                detail={"line": line}) from None
        if count < 0 or count != count or count == float("inf"):
            raise PlaceCsvError(f"{line}行目: 人数「{raw_count}」は 0 以上の数にしてください。",
                                detail={"line": line})
        key = hour.astimezone(dt.UTC)
        if key in seen:
            raise PlaceCsvError(f"{line}行目: 同じ時間帯が {seen[key]}行目にもあります。", detail={"line": line})
        seen[key] = line
        out.append(CountRow(line, hour, count))
    return out


def read_event_days(data: bytes) -> list[tuple[dt.date, str]]:
    """(date, name) of every row of ``date,name`` (or ``date``), all checked first."""
    header, lines = _rows(decode(data))
    if header[:1] != ["date"]:
        raise PlaceCsvError("1行目（見出し）は date,name にしてください。", detail={"line": 1, "header": header})
    out: dict[dt.date, tuple[int, str]] = {}
    for line, row in lines:
        raw = row[0].strip()
        try:
            day = dt.datetime.strptime(raw.replace("/", "-"), "%Y-%m-%d").date()  # 2025/8/5 too
        except ValueError:
            raise PlaceCsvError(f"{line}行目: 日付「{raw}」を読み取れません（例: 2025-08-15）。",
                                detail={"line": line}) from None
        if day in out:
            raise PlaceCsvError(f"{line}行目: 同じ日付が {out[day][0]}行目にもあります。", detail={"line": line})
        out[day] = (line, row[1].strip() if len(row) > 1 else "")
    return [(day, name) for day, (_line, name) in sorted(out.items())]
