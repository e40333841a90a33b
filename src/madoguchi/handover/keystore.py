"""Office key pairs: generation, encodings, and the private key sealed at rest.

The private scalar is encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from
MADOGUCHI_HANDOVER_KEY, or from MADOGUCHI_SECRET_KEY when that is unset; the kid is the
associated data, so a sealed key cannot be moved to another row.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from .errors import HandoverKeyUnavailable

WRAP_INFO = b"madoguchi handover private key at rest v1"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed point (65 bytes, 0x04 || x || y): what WebCrypto imports as "raw"."""
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def _wrapping_key() -> bytes:
    secret = settings.HANDOVER_KEY or settings.SECRET_KEY
    return HKDF(hashes.SHA256(), 32, salt=None, info=WRAP_INFO).derive(secret.encode())


def wrap(key: ec.EllipticCurvePrivateKey, *, kid: str) -> bytes:
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    nonce = os.urandom(12)
    return nonce + AESGCM(_wrapping_key()).encrypt(nonce, scalar, kid.encode())


def unwrap(sealed: bytes, *, kid: str) -> ec.EllipticCurvePrivateKey:
    sealed = bytes(sealed)
    try:
        scalar = AESGCM(_wrapping_key()).decrypt(sealed[:12], sealed[12:], kid.encode())
    except InvalidTag:
        raise HandoverKeyUnavailable(detail={"kid": kid}) from None
    return ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())
