"""Base45 (RFC 9285) against the RFC's own examples (section 4.3 and 4.4)."""

import pytest

from madoguchi.handover import base45

pytestmark = pytest.mark.dbfree  # pure logic: the SQLite pass runs it, the PostgreSQL pass need not

RFC_VECTORS = [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"),
               (b"ietf!", "QED8WEX0")]


@pytest.mark.parametrize(("raw", "text"), RFC_VECTORS)
def test_rfc_9285_examples(raw, text):
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw


def test_every_byte_pair_round_trips():
    data = bytes(range(256)) + bytes(reversed(range(256))) + b"\xff"
    assert base45.decode(base45.encode(data)) == data


@pytest.mark.parametrize(("text", "truncated"), [
    ("GGW", False),     # RFC 9285 section 6: 16 + 45·16 + 2025·32 = 65536, not a 2-byte value
    ("ZZZ", False),     # above 65535
    ("BB8A", True),     # 3n+1 characters: one is missing
    ("bb8", False),     # lower case is not base45 (the opener upper-cases first)
])
def test_refusals(text, truncated):
    with pytest.raises(base45.Base45Error) as caught:
        base45.decode(text)
    assert caught.value.truncated is truncated
