"""The hand-over envelope: what the citizen's browser seals and the internal side opens.

QR text = ``PREFIX`` + base45(envelope); envelope (big-endian) =

    offset  size  field
    0       1     format version (1)
    1       4     kid: the office key's id (shown as 8 hex digits)
    5       2     n: length of the ciphertext (so a cut-off code is told from a damaged one)
    7       65    enc: the HPKE encapsulated key (uncompressed P-256 point)
    72      n     ciphertext: HPKE seal of raw-deflate(compact JSON), 16-byte tag included

HPKE (RFC 9180) mode base, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM. The 7-byte
header is bound into the key schedule as ``info = INFO_LABEL + header``: changing any header
byte makes the ciphertext fail to open, as an AAD would (``cryptography``'s public one-shot
HPKE API takes ``info`` but no AAD). See docs/handover.md.

Parts (issue 10): a text longer than one QR code of version ``MAX_QR_VERSION`` at level M
holds is shown as up to ``MAX_PARTS`` codes, ``MD1.<n>/<m>:`` + the n-th slice of the base45
characters. ``join_parts`` puts them back in any order; ``parse`` accepts the parts too, one
a line (a desk scanner types each code followed by Enter).
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from . import base45
from .errors import HandoverRefused

FORMAT_VERSION = 1
PREFIX = "MD1:"  # "Madoguchi hand-over, format 1"; "MD1.<n>/<m>:" for part n of m
PART_RE = re.compile(r"^MD1\.([1-9])/([1-9]):")
MAX_PARTS = 3
MAX_QR_VERSION = 25  # a phone screen and a desk scanner manage it (docs/handover.md)
# Alphanumeric characters of one QR code at level M, by version (ISO/IEC 18004 table 7).
ALPHANUMERIC_M = {20: 970, 21: 1035, 22: 1134, 23: 1224, 24: 1326, 25: 1451}
HEADER = struct.Struct(">B4sH")
ENC_LENGTH = 65
TAG_LENGTH = 16
INFO_LABEL = b"madoguchi-handover\x00"
SUITE = Suite(KEM.P256, KDF.HKDF_SHA256, AEAD.AES_128_GCM)
# The JSON inside never needs more; a larger inflation is refused (a zip bomb in a QR code).
MAX_PLAINTEXT = 64 * 1024
MAX_TEXT = 3 * 4296  # three version-40 alphanumeric QR codes (issue 10 may split into three)


@dataclass(frozen=True)
class Sealed:
    kid: str
    header: bytes
    body: bytes  # enc + ciphertext


def compact_json(content: dict) -> bytes:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def deflate_raw(data: bytes) -> bytes:
    # zlib's default level, as the browser's CompressionStream("deflate-raw") uses.
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def inflate_raw(data: bytes) -> bytes:
    """RFC 1951 raw deflate, at most MAX_PLAINTEXT bytes out."""
    inflater = zlib.decompressobj(wbits=-15)
    try:
        out = inflater.decompress(data, MAX_PLAINTEXT)
    except zlib.error:
        raise HandoverRefused("handover_invalid", detail={"reason": "not_deflate"}) from None
    if inflater.unconsumed_tail:
        raise HandoverRefused("handover_invalid", detail={"reason": "too_large",
                                                          "limit": MAX_PLAINTEXT})
    if not inflater.eof:
        raise HandoverRefused("handover_invalid", detail={"reason": "deflate_incomplete"})
    return out


def base45_length(size: int) -> int:
    """Characters of ``size`` bytes in base45."""
    return size // 2 * 3 + size % 2 * 2


def public_key_from_bytes(raw: bytes) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


def seal(content: dict, *, kid: str, public_key: ec.EllipticCurvePublicKey) -> str:
    """Seal ``content`` as the browser does (seal.js); the server itself never needs to, but
    tests and the QR benchmark do."""
    plaintext = deflate_raw(compact_json(content))
    ciphertext_length = len(plaintext) + TAG_LENGTH
    header = HEADER.pack(FORMAT_VERSION, bytes.fromhex(kid), ciphertext_length)
    body = SUITE.encrypt(plaintext, public_key, info=INFO_LABEL + header)
    return PREFIX + base45.encode(header + body)


def split(text: str, *, max_chars: int = ALPHANUMERIC_M[MAX_QR_VERSION]) -> list[str]:
    """One sealed text as the codes the phone shows: itself when it fits one code of
    ``max_chars``, else 2 or 3 parts ``MD1.<n>/<m>:…`` of (nearly) equal length. More than
    three parts is refused: the hand-over is too large (seal.js does the same)."""
    if len(text) <= max_chars:
        return [text]
    body = text[len(PREFIX):]
    for parts in range(2, MAX_PARTS + 1):
        size = -(-len(body) // parts)
        if size + len("MD1.1/3:") <= max_chars:
            return [f"MD1.{i + 1}/{parts}:" + body[i * size:(i + 1) * size] for i in range(parts)]
    raise ValueError(f"a hand-over of {len(text)} characters needs more than {MAX_PARTS} codes")


def _clean(text: str) -> str:
    return text.strip("\r\n\t").lstrip(" ").upper()


def join_parts(texts) -> str:
    """The whole ``MD1:`` text from its parts, read in any order (a part read twice is fine).

    A single ``MD1:`` text is returned as it is. Parts of different sets (another ``m``) are
    ``handover_tampered``; missing parts are ``handover_truncated`` with the progress the
    clerk sees: 「2/3 読み取り済み」 and which parts are still to scan.
    """
    texts = [_clean(t) for t in texts if t and _clean(t)]
    if len(texts) == 1 and texts[0].startswith(PREFIX):
        return texts[0]
    parts: dict[int, str] = {}
    total = None
    for text in texts:
        match = PART_RE.match(text)
        if match is None:
            if text.startswith(PREFIX):
                raise HandoverRefused("handover_tampered", detail={
                    "reason": "a whole code mixed with parts of another"})
            raise HandoverRefused("handover_unrecognised")
        n, m = int(match[1]), int(match[2])
        if m > MAX_PARTS or n > m or m < 2 or (total is not None and m != total):
            raise HandoverRefused("handover_tampered", detail={"reason": f"part {n}/{m}"})
        total = m
        chunk = text[match.end():]
        if parts.get(n, chunk) != chunk:
            raise HandoverRefused("handover_tampered", detail={
                "reason": f"two different codes for part {n}/{m}"})
        parts[n] = chunk
    if total is None:
        raise HandoverRefused("handover_unrecognised")
    missing = [n for n in range(1, total + 1) if n not in parts]
    if missing:
        progress = f"{len(parts)}/{total} 読み取り済み"
        raise HandoverRefused(
            "handover_truncated",
            message=f"引継ぎQRコードは{total}つに分かれています（{progress}）。"
                    f"残りのQRコード（{'・'.join(f'{n}/{total}' for n in missing)}）を読み取ってください。",
            detail={"reason": "parts", "progress": progress, "read": sorted(parts), "of": total,
                    "missing": missing})
    return PREFIX + "".join(parts[n] for n in range(1, total + 1))


def parse(text: str) -> Sealed:
    """Read the QR text as far as the key id, telling a cut-off code from a damaged one.

    What a USB desk scanner may do to it is undone first: a trailing Enter, and lower case
    letters from a Caps Lock (base45 has none). Spaces are base45 characters: kept. Parts
    (``MD1.<n>/<m>:``, one a line) are joined first.
    """
    text = _clean(text)
    if text.startswith("MD1."):
        text = join_parts(text.splitlines())
    if not text.startswith(PREFIX):
        raise HandoverRefused("handover_unrecognised")
    chars = text[len(PREFIX):]
    # The header's length field says how many characters the whole code has: fewer is a code
    # cut off (the scanner's or the camera's fault), more or undecodable is damage.
    header_chars = base45_length(HEADER.size + 1)  # whole triples: 8 bytes in 12 characters
    if len(chars) < header_chars:
        raise HandoverRefused("handover_truncated", detail={"reason": "shorter than a header"})
    try:
        version, kid, ciphertext_length = HEADER.unpack_from(base45.decode(chars[:header_chars]))
    except base45.Base45Error as exc:
        raise HandoverRefused("handover_tampered", detail={"reason": str(exc)}) from None
    if version != FORMAT_VERSION:
        raise HandoverRefused("handover_tampered", detail={"reason": "version byte"})
    expected = base45_length(HEADER.size + ENC_LENGTH + ciphertext_length)
    if len(chars) < expected:
        raise HandoverRefused("handover_truncated",
                              detail={"reason": f"{len(chars)} of {expected} characters"})
    if len(chars) > expected or ciphertext_length < TAG_LENGTH:
        raise HandoverRefused("handover_tampered", detail={"reason": "length"})
    try:
        raw = base45.decode(chars)
    except base45.Base45Error as exc:
        raise HandoverRefused("handover_tampered", detail={"reason": str(exc)}) from None
    body = raw[HEADER.size:]
    return Sealed(kid=kid.hex(), header=raw[:HEADER.size], body=body)


def open_sealed(sealed: Sealed, private_key: ec.EllipticCurvePrivateKey) -> dict:
    """Decrypt, inflate and read the JSON object (its schema is checked by the caller)."""
    try:
        plaintext = SUITE.decrypt(sealed.body, private_key, info=INFO_LABEL + sealed.header)
    except (InvalidTag, ValueError):
        raise HandoverRefused("handover_tampered") from None
    try:
        content = json.loads(inflate_raw(plaintext))
    except ValueError:
        raise HandoverRefused("handover_invalid", detail={"reason": "not_json"}) from None
    if not isinstance(content, dict):
        raise HandoverRefused("handover_invalid", detail={"reason": "not_an_object"})
    return content
