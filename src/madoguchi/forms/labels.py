"""Japanese names of the form data's places, for the clerk: ``members[2].birth_date`` →
「3人目の生年月日」 (a refusal names what to fill in, not a path). The words are the form data's
own (data.py ``field_label``), so the correction screen and a refused print say the same."""

from __future__ import annotations

import re

from .data import field_label

_PART = re.compile(r"([A-Za-z_]+)|\[(\d+)\]")


def label(path: str) -> str:
    """「3人目の生年月日」「新しい住所の市区町村」; a block of rows with a condition keeps it."""
    head, _sep, condition = path.partition("（")
    loc = tuple(int(index) if index else name for name, index in _PART.findall(head))
    text = field_label(loc) if loc != ("*",) else "届出の内容"
    return f"{text}（{condition}" if condition else text
