"""Case codes: 8 characters of Crockford base32 (40 random bits).

Short enough to read aloud and type, unambiguous (no I, L, O or U), and made only of
characters a QR code's alphanumeric mode carries, so the code printed on a ticket scans
as well as it types. Input is read leniently, as Crockford intends: lower case, hyphens
and spaces are accepted, I and L read as 1, O as 0.
"""

from __future__ import annotations

import re
import secrets

from .models import CODE_LENGTH

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_CODE_RE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
# What a scanned or typed case code may carry around it: "CASE:ABCD-2345", "ABCD 2345".
QR_PREFIX = "CASE:"  # what the printed case sheet's (and a kiosk ticket's) QR code carries
_PREFIXES = (QR_PREFIX, "MADOGUCHI-CASE:")
# The demo's named cases: 「DEMO-1」 (what the demo banner says) is the code DEM00001.
_DEMO_NAME = re.compile(r"^DEM[O0]-?(\d{1,4})$")


def demo_code(number: int) -> str:
    """The case code of the demo's case 「DEMO-<number>」."""
    return f"DEM0{number:04d}"


def display(code: str) -> str:
    """Two groups of four, as printed and read aloud (「ABCD の 2345」); the demo's named cases
    as the demo banner names them (DEM00001 → 「DEMO-1」), which is also what a clerk types."""
    demo = re.fullmatch(r"DEM0(\d{4})", code)
    if demo:
        return f"DEMO-{int(demo.group(1))}"
    return f"{code[:4]}-{code[4:]}"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize(text: str) -> str | None:
    """The case code in ``text``, or None if it is not one."""
    value = str(text or "").strip().upper()
    for prefix in _PREFIXES:
        if value.startswith(prefix):
            value = value[len(prefix):]
            break
    demo = _DEMO_NAME.match(value.replace(" ", ""))
    if demo:
        return demo_code(int(demo.group(1)))
    value = value.replace("-", "").replace(" ", "").translate(_READ_AS)
    return value if _CODE_RE.match(value) else None
