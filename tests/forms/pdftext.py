"""Reading a printed form back: each piece of text with where it sits on the page, in mm from
the top-left corner (as the templates place boxes), its width from the embedded font's metrics."""

from __future__ import annotations

import io
from functools import lru_cache

from pypdf import PdfReader

PT = 72 / 25.4


@lru_cache(maxsize=1)
def _advances():
    from fontTools.ttLib import TTFont

    from madoguchi.forms.render import FONT_FILE

    font = TTFont(str(FONT_FILE), lazy=True)
    cmap, hmtx, upem = font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm
    return cmap, hmtx, upem


def text_width_mm(text: str, size_pt: float) -> float:
    cmap, hmtx, upem = _advances()
    units = sum(hmtx[cmap[ord(ch)]][0] for ch in text if ord(ch) in cmap)
    return units / upem * size_pt / PT


def pieces(pdf: bytes) -> list[dict]:
    """[{page, text, x, y, right, size}] — x, right: mm from the left; y: the baseline, mm from the top."""
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    for number, page in enumerate(reader.pages):
        height = float(page.mediabox.height)

        def visit(text, cm, tm, font_dict, font_size, number=number, height=height):
            clean = text.replace("\x00", "").strip()
            if not clean:
                return
            x_pt = tm[4] * cm[0] + cm[4]
            y_pt = tm[5] * cm[3] + cm[5]
            size = font_size * (tm[0] or 1) * (cm[0] or 1)
            found.append({"page": number, "text": clean, "x": x_pt / PT, "y": (height - y_pt) / PT,
                          "right": x_pt / PT + text_width_mm(clean, size), "size": size})

        page.extract_text(visitor_text=visit)
    return found


def all_text(pdf: bytes) -> str:
    return "".join(p["text"] for p in pieces(pdf))


def inside(piece: dict, box, *, page: int | None = None) -> bool:
    x, y, w, h = box
    return ((page is None or piece["page"] == page) and x - 0.01 <= piece["x"] and piece["right"] <= x + w + 0.01
            and y < piece["y"] <= y + h + 0.01)
