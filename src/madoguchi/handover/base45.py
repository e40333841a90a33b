"""Base45 (RFC 9285): bytes as text in the QR code's alphanumeric character set.

Alphanumeric mode packs two characters in 11 bits, so base45 carries 2 bytes in
3 characters (16.5 bits) where byte mode would spend 16 bits — and, unlike byte
mode, every character is one a USB desk scanner types on any keyboard layout it
is set up for. Written here (20 lines, RFC test vectors in tests/handover/) rather
than taken from a package; the browser has the same few lines in seal.js.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


class Base45Error(ValueError):
    """Not base45; ``truncated`` when the length says a character is missing."""

    def __init__(self, message: str, *, truncated: bool = False):
        super().__init__(message)
        self.truncated = truncated


def encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, n = n % 45, n // 45
        d, e = n % 45, n // 45
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


def decode(text: str) -> bytes:
    if len(text) % 3 == 1:
        raise Base45Error("a base45 text never has 3n+1 characters", truncated=True)
    try:
        values = [_VALUE[c] for c in text]
    except KeyError as exc:
        raise Base45Error(f"not a base45 character: {exc.args[0]!r}") from None
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i:i + 3]
        n = sum(v * 45**k for k, v in enumerate(chunk))
        if len(chunk) == 3:
            if n > 0xFFFF:
                raise Base45Error("a base45 triple above 65535")
            out += n.to_bytes(2, "big")
        else:
            if n > 0xFF:
                raise Base45Error("a final base45 pair above 255")
            out.append(n)
    return bytes(out)
