"""Reservation codes: 8 characters of Crockford base32 (40 random bits), as the case codes
(cases/codes.py): read aloud and typed without ambiguity, carried by a QR code's alphanumeric
mode. Input is read leniently (lower case, hyphens, spaces; I and L as 1, O as 0).
"""

from __future__ import annotations

import re
import secrets

from .models import CODE_LENGTH

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_CODE_RE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
# What the booking's QR code carries (the kiosk's scanner tells it from a case or ticket QR).
QR_PREFIX = "RSV:"
# The demo's named bookings: 「DEMO-R1」 (what the demo banner says) is the code DEM0R001.
_DEMO_NAME = re.compile(r"^DEM[O0]-?R(\d{1,3})$")


def demo_code(number: int) -> str:
    return f"DEM0R{number:03d}"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize(text: str) -> str | None:
    """The reservation code in ``text`` (typed or scanned), or None if it is not one."""
    value = str(text or "").strip().upper()
    if value.startswith(QR_PREFIX):
        value = value[len(QR_PREFIX):]
    demo = _DEMO_NAME.match(value.replace(" ", ""))
    if demo:
        return demo_code(int(demo.group(1)))
    value = value.replace("-", "").replace(" ", "").translate(_READ_AS)
    return value if _CODE_RE.match(value) else None


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
