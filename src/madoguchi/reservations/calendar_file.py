"""A booking as an iCalendar file (RFC 5545): the phone's calendar reminds the visitor.

Written by hand (a dozen lines of a well-known format) rather than with a library: one event,
times in UTC, text escaped and lines folded at 75 octets as the RFC asks.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from madoguchi.core.i18n import office_name
from madoguchi.core.timeutil import now

from . import codes, selectors


def _escape(value: str) -> str:
    return (str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF + space (never inside a UTF-8 character)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(reservation, *, url: str) -> str:
    office = office_name(reservation.office)
    summary = _("来庁予約: %(type)s") % {"type": selectors.type_name(reservation.type)}
    description = "\n".join([
        _("予約番号: %(code)s") % {"code": codes.display(reservation.code)},
        _("当日は庁舎の発券機で予約のQRコードをかざすか、予約番号を入力してください。"),
        url,
    ])
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Madoguchi//Reservations//JA", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:{reservation.code}@madoguchi",
        f"DTSTAMP:{_utc(now())}",
        f"DTSTART:{_utc(reservation.start)}",
        f"DTEND:{_utc(reservation.end)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(office)}",
        f"DESCRIPTION:{_escape(description)}",
        f"URL:{url}",
        "STATUS:" + ("CANCELLED" if reservation.status == "cancelled" else "CONFIRMED"),
        "BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_escape(summary)}", "TRIGGER:-PT1H", "END:VALARM",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
