"""Opening hand-overs: the round trip, and every refusal with its code and nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.core.actors import SYSTEM, actor_for_user
from madoguchi.core.errors import Forbidden
from madoguchi.core.models import AuditLog
from madoguchi.core.timeutil import now
from madoguchi.handover import base45, keystore, selectors, services
from madoguchi.handover.envelope import HEADER, PREFIX, Sealed, open_sealed, parse
from madoguchi.handover.errors import HandoverKeyUnavailable, HandoverRefused
from madoguchi.handover.models import OfficeKey

from ..queueing.factories import make_office, make_staff
from .helpers import body_of, navigator_content, row_count, seal_for, text_of


@pytest.fixture
def key(office):
    return services.office_key_create(actor=SYSTEM, office_code="demo")


def refused(staff, payload: str) -> HandoverRefused:
    """Open and expect a refusal; nothing may be stored by it."""
    before = row_count()
    with pytest.raises(HandoverRefused) as caught:
        services.handover_open(actor=staff, payload=payload)
    assert row_count() == before, "a refused hand-over stored something"
    assert caught.value.status == 422 and caught.value.message
    return caught.value


def test_round_trip_gives_back_the_answers(staff, key):
    content = navigator_content()
    opened = services.handover_open(actor=staff, payload=seal_for(key, content))
    assert opened["answers"] == content["answers"]
    assert (opened["v"], opened["kind"], opened["office"], opened["life_event"], opened["lang"]) == (
        1, "navigator", "demo", "tennyu", "ja")
    assert opened["on"] == dt.date(2026, 11, 28)
    assert opened["expires_at"] - opened["created_at"] == dt.timedelta(days=7)


def test_opening_is_audited_without_the_answers(staff, key):
    services.handover_open(actor=staff, payload=seal_for(key, navigator_content()))
    row = AuditLog.objects.get(action="handover_open")
    assert row.actor == "staff" and row.target == f"demo {key.kid}"
    assert row.detail == {"kind": "navigator", "life_event": "tennyu"}  # no answers, no dates


def test_what_a_desk_scanner_does_to_the_text_is_undone(staff, key):
    """Caps Lock gives lower case, the scanner ends with Enter: the hand-over still opens."""
    text = seal_for(key, navigator_content())
    assert services.handover_open(actor=staff, payload=text.lower() + "\r\n")["office"] == "demo"


def test_the_qr_text_is_only_alphanumeric_mode_characters(key):
    text = seal_for(key, navigator_content())
    assert text.startswith(PREFIX)
    assert set(text) <= set(base45.ALPHABET)


def test_a_flipped_character_is_tampered(staff, key):
    text = seal_for(key, navigator_content())
    position = len(PREFIX) + 150  # inside the ciphertext
    flipped = text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1:]
    assert refused(staff, flipped).code == "handover_tampered"


def test_a_changed_version_byte_is_tampered(staff, key):
    raw = bytearray(body_of(seal_for(key, navigator_content())))
    raw[0] ^= 0x02  # the format version
    assert refused(staff, text_of(bytes(raw))).code == "handover_tampered"


def test_the_header_is_bound_into_the_hpke_key_schedule(key):
    """Even a header the parser would accept (here: another kid byte) cannot be paired with
    the ciphertext: it enters HPKE's ``info``, so opening fails."""
    sealed = parse(seal_for(key, navigator_content()))
    private = keystore.unwrap(key.private_key, kid=key.kid)
    assert open_sealed(sealed, private)["office"] == "demo"
    header = bytearray(sealed.header)
    header[1] ^= 0x01
    with pytest.raises(HandoverRefused) as caught:
        open_sealed(Sealed(kid=sealed.kid, header=bytes(header), body=sealed.body), private)
    assert caught.value.code == "handover_tampered"


def test_a_cut_off_code_is_truncated(staff, key):
    text = seal_for(key, navigator_content())
    assert refused(staff, text[:-1]).code == "handover_truncated"  # 3n+1 characters
    assert refused(staff, text[:-3]).code == "handover_truncated"  # two bytes short
    assert refused(staff, text[:len(PREFIX) + 30]).code == "handover_truncated"


def test_a_longer_body_than_its_header_says_is_tampered(staff, key):
    raw = body_of(seal_for(key, navigator_content()))
    assert refused(staff, text_of(raw + b"\x00\x00")).code == "handover_tampered"


def test_an_expired_hand_over_is_refused(staff, key):
    content = navigator_content(created_at=now() - dt.timedelta(days=8))
    error = refused(staff, seal_for(key, content))
    assert error.code == "handover_expired" and "有効期限" in error.message


def test_an_unknown_key_is_refused(staff, key):
    stranger = OfficeKey(kid="0badc0de", office_code="demo", public_key=keystore.b64url(
        keystore.public_bytes(keystore.generate().public_key())))
    assert refused(staff, seal_for(stranger, navigator_content())).code == "handover_unknown_key"


def test_sealed_to_another_key_under_a_known_kid_is_tampered(staff, key):
    """The wrong public key with the office's kid: the office's private key cannot open it."""
    impostor = OfficeKey(kid=key.kid, office_code="demo", public_key=keystore.b64url(
        keystore.public_bytes(keystore.generate().public_key())))
    assert refused(staff, seal_for(impostor, navigator_content())).code == "handover_tampered"


def test_not_a_hand_over_at_all(staff, key):
    assert refused(staff, "https://example.org/t/abc/").code == "handover_unrecognised"


@pytest.mark.parametrize(("change", "reason"), [
    ({"v": 2}, "schema_version"),
    ({"lang": None}, "schema"),
    ({"answers": {"Move Date": "2026-01-01"}}, "schema"),
    ({"surprise": 1}, "schema"),
    ({"office": "center"}, "office_mismatch"),
])
def test_a_well_sealed_but_invalid_content_is_refused(staff, key, change, reason):
    error = refused(staff, seal_for(key, navigator_content(**change)))
    assert error.code == "handover_invalid" and error.detail["reason"] == reason


def test_a_lifetime_longer_than_allowed_is_invalid(staff, key):
    content = navigator_content(ttl=dt.timedelta(days=400))
    assert refused(staff, seal_for(key, content)).detail["reason"] == "dates"


def test_a_zip_bomb_is_refused(staff, key):
    """A few hundred bytes of deflate that would inflate past the cap: refused, not inflated."""
    content = navigator_content(answers={"notes": "a" * 200_000})
    text = seal_for(key, content)
    assert len(text) < 1500
    error = refused(staff, text)
    assert error.code == "handover_invalid" and error.detail["reason"] == "too_large"


def test_staff_of_another_office_cannot_open_it(key):
    other = make_office("other", categories=[("x", 1, 99, False, 5)], counters={1: ["x"]})
    clerk = actor_for_user(make_staff(other))
    with pytest.raises(Forbidden):
        services.handover_open(actor=clerk, payload=seal_for(key, navigator_content()))


def test_the_private_key_is_stored_encrypted(key, settings):
    private = keystore.unwrap(key.private_key, kid=key.kid)
    scalar = private.private_numbers().private_value.to_bytes(32, "big")
    stored = bytes(OfficeKey.objects.get(pk=key.pk).private_key)
    assert scalar not in stored and len(stored) == 12 + 32 + 16
    settings.HANDOVER_KEY = "another-wrapping-secret"  # not the one it was sealed with
    with pytest.raises(HandoverKeyUnavailable):
        keystore.unwrap(stored, kid=key.kid)


def test_header_layout_is_as_documented(key):
    raw = body_of(seal_for(key, navigator_content()))
    version, kid, length = HEADER.unpack_from(raw)
    assert (version, kid.hex()) == (1, key.kid)
    assert len(raw) == HEADER.size + 65 + length and raw[HEADER.size] == 0x04


def test_a_rescan_has_the_same_digest_and_a_new_seal_another(key):
    content = navigator_content()
    text = seal_for(key, content)
    digest = selectors.handover_digest(text)
    assert digest and selectors.handover_digest(text.lower() + "\r\n") == digest
    assert selectors.handover_digest(seal_for(key, content)) != digest
    assert selectors.handover_digest("not a hand-over") is None
