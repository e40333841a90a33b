"""Normalising what a citizen or a clerk types into the move form (jaconv).

* ふりがな → full-width katakana (hiragana and half-width ｶﾀｶﾅ both become カタカナ).
* postcode, phone → half-width digits only (全角 ０９０－１２３４ → 0901234…).
* 番地 → half-width digits and hyphens (１丁目１－１ → 1丁目1-1).
* Names keep **every code point as typed**: 髙 (U+9AD9), 﨑 (U+FA11, in the compatibility
  block), 𠮷 (U+20BB7) and variation selectors (葛 + U+E0100) survive. Only surrounding
  spaces are trimmed. Never NFKC a name (it would turn ｱﾝﾅ into アンナ, and other
  compatibility ideographs such as 朗 U+F929 into 朗 U+6717): the resident register
  keeps the characters the person uses.

The browser does the same before sealing (citizen.js, best effort); this module is the
authority: MoveForm applies it to every value it validates.
"""

from __future__ import annotations

import re

import jaconv

# Spaces a phone keyboard types: ASCII, ideographic (U+3000), no-break.
SPACES = " \u3000\u00a0\t"
# Dashes people type in phone numbers, postcodes and 番地 (after full → half-width).
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70\u2500\u2501\ufe63\uff0d"
_DASH_RE = re.compile(f"[{re.escape(DASHES)}]")
_SPACE_RUN = re.compile(f"[{re.escape(SPACES)}]+")


def trim(text: str | None) -> str:
    """Surrounding spaces (also 全角 spaces) removed; nothing else changed."""
    return (text or "").strip(SPACES + "\r\n")


def name(text: str | None) -> str:
    """A person's name as typed: only surrounding spaces go. No Unicode normalisation."""
    return trim(text)


def kana(text: str | None) -> str:
    """ふりがな in full-width katakana: hiragana and half-width katakana converted, runs of
    spaces made one full-width space."""
    value = trim(text)
    value = jaconv.h2z(value, kana=True, ascii=False, digit=False)  # ｶﾞ → ガ
    value = jaconv.hira2kata(value)
    return _SPACE_RUN.sub("\u3000", value)


def digits(text: str | None) -> str:
    """Half-width digits with spaces, dashes and the postal mark removed (postcode, phone)."""
    value = jaconv.z2h(trim(text), kana=False, ascii=True, digit=True)
    return re.sub(f"[{re.escape(SPACES)}〒]", "", _DASH_RE.sub("", value))


def banchi(text: str | None) -> str:
    """番地: half-width digits and ASCII hyphens (１丁目１－１ → 1丁目1-1); other letters kept."""
    value = jaconv.z2h(trim(text), kana=False, ascii=False, digit=True)
    return _DASH_RE.sub("-", value)


def text(text: str | None) -> str:
    """Other free text (address lines): trimmed only."""
    return trim(text)


def email(text: str | None) -> str:
    return jaconv.z2h(trim(text), kana=False, ascii=True, digit=True)
