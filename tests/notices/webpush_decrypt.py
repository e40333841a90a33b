"""A receiving browser's side of Web Push, written from the RFCs with `cryptography` only.

Independent of the sender's libraries (pywebpush, http_ece, py_vapid): RFC 8188
(aes128gcm content coding), RFC 8291 (Web Push message encryption) and RFC 8292
(VAPID) as a push service and a user agent would check them.
"""

from __future__ import annotations

import json
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .conftest import BrowserKeys, b64url_decode


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def decrypt_aes128gcm(body: bytes, keys: BrowserKeys) -> bytes:
    """Decrypt a Web Push message body (RFC 8291 §3.4 over the RFC 8188 header)."""
    salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    as_public = body[21:21 + idlen]
    ciphertext = body[21 + idlen:]
    assert idlen == 65 and as_public[0] == 0x04, "keyid must be the sender's uncompressed P-256 key"
    assert rs >= 18 and len(ciphertext) <= rs, "one record expected"
    sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public)
    ecdh_secret = keys.private_key.exchange(ec.ECDH(), sender)
    key_info = b"WebPush: info\x00" + keys.public_bytes + as_public
    ikm = _hkdf(keys.auth_secret, ecdh_secret, key_info, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    padded = AESGCM(cek).decrypt(nonce, ciphertext, None)  # sequence number 0: nonce as is
    stripped = padded.rstrip(b"\x00")
    assert stripped.endswith(b"\x02"), "the last record ends with the 0x02 delimiter"
    return stripped[:-1]


def parse_vapid(header: str) -> tuple[str, str]:
    """``vapid t=<JWT>, k=<key>`` → (JWT, key); RFC 8292 §3."""
    match = re.fullmatch(r"vapid\s+(.+)", header.strip(), re.IGNORECASE)
    assert match, f"not a vapid Authorization header: {header!r}"
    params = dict(part.strip().split("=", 1) for part in match.group(1).split(","))
    return params["t"], params["k"]


def verify_jwt_es256(token: str, public_key_b64: str) -> tuple[dict, dict]:
    """Check an ES256 JWT's signature with the uncompressed P-256 key; return (header, claims)."""
    header_b64, claims_b64, signature_b64 = token.split(".")
    signature = b64url_decode(signature_b64)
    assert len(signature) == 64, "JWS ES256 signatures are r||s, 64 bytes"
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    point = b64url_decode(public_key_b64)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    try:
        key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("VAPID JWT signature does not verify with k") from None
    return json.loads(b64url_decode(header_b64)), json.loads(b64url_decode(claims_b64))
