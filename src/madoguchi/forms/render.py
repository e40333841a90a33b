"""Printing a form template filled from the form data: PDF (fpdf2), A4, the vendored Noto Serif
CJK JP embedded (subset), optionally laid over a city's own blank PDF (pypdf).

Two passes: first every text that would be printed is worked out, and the form is refused —
before anything is drawn — when a required value is missing (``form_data_missing`` naming the
paths) or when a character is not in the font (``form_unprintable_chars`` naming it): the
citizen must never sign a form with a blank box or a substituted character in a name.

The font is parsed once per process (about 3 s for 24 MB) and each document gets a fresh copy
of the parsed metrics with its own subset (fpdf2 subsets the font's tables in place on output).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import logging
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .layout import Check, FieldItem, FormTemplate, Grid, Line, Rect, Rows, Text
from .values import context, fill, resolve, row_matches

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONT_DIR / "NotoSerifCJKjp-Regular.otf"
FONT_FAMILY = "notoserifjp"
PT_PER_MM = 72 / 25.4
# fontTools logs every table it subsets at INFO: nothing a clerk or an operator needs.
logging.getLogger("fontTools").setLevel(logging.WARNING)
PADDING_MM = 0.8
LINE_FACTOR = 1.25  # line height / font size


class FormDataMissing(Exception):
    def __init__(self, fields: list[str]):
        super().__init__(", ".join(fields))
        self.fields = fields


class FormUnprintable(Exception):
    def __init__(self, chars: list[dict]):
        super().__init__(", ".join(c["char"] for c in chars))
        self.chars = chars


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    texts: list[dict] = field(default_factory=list)  # what was printed where (tests, previews)


# ------------------------------------------------------------------ the font, once per process

_font_lock = threading.Lock()
_font_state: dict = {}


def _font_prototype():
    """The parsed font (fpdf2's TTFFont) and its raw bytes, loaded once (the slow part)."""
    with _font_lock:
        if "proto" not in _font_state:
            from fpdf import FPDF

            loader = FPDF()
            loader.add_font(FONT_FAMILY, fname=str(FONT_FILE))
            _font_state["proto"] = loader.fonts[FONT_FAMILY]
            _font_state["raw"] = FONT_FILE.read_bytes()
        return _font_state["proto"], _font_state["raw"]


def _font_charset() -> tuple[dict[int, str], dict[int, dict[int, bool]]]:
    """The font's cmap and its variation sequences (fast: only the cmap table is read), for
    checking a form before printing without waiting for the whole font."""
    with _font_lock:
        if "cmap" not in _font_state:
            from fontTools.ttLib import TTFont

            font = TTFont(str(FONT_FILE), lazy=True)
            _font_state["cmap"] = font.getBestCmap()
            _font_state["uvs"] = _variation_sequences(font)
            font.close()
        return _font_state["cmap"], _font_state["uvs"]


def _variation_sequences(ttfont) -> dict[int, dict[int, str | None]]:
    """{selector: {base: glyph name, or None for the base character's own glyph}} from the
    font's format-14 cmap (the Adobe-Japan1 ideographic variation sequences, IVS)."""
    table = next((t for t in ttfont["cmap"].tables if t.format == 14), None)
    sequences: dict[int, dict[int, str | None]] = {}
    for selector, pairs in (getattr(table, "uvsDict", None) or {}).items():
        sequences[selector] = dict(pairs)
    return sequences


# A variation sequence (葛 + U+E0100) is drawn as the glyph the font's IVS table names for it.
# fpdf2 draws one glyph per character, so each sequence printed gets a stand-in character in
# plane 15 (never in the data: private-use characters are refused before this point) whose glyph
# is the variant and whose text (ToUnicode) is the original two code points: copied or searched
# in the PDF, the name is exactly what was typed.
_ALIAS_BASE = 0xF0000
_aliases: dict[tuple[int, int], int] = {}
_alias_info: dict[int, tuple[int, int, str | None]] = {}  # alias → (base, selector, glyph name)


def _alias(base: int, selector: int, glyph_name: str | None) -> str:
    with _font_lock:
        key = (base, selector)
        if key not in _aliases:
            _aliases[key] = _ALIAS_BASE + len(_aliases)
            _alias_info[_aliases[key]] = (base, selector, glyph_name)
        return chr(_aliases[key])


def _alias_glyph(proto, alias: int):
    """(glyph id, the sequence, glyph name, width) of a stand-in character."""
    base, selector, name = _alias_info[alias]
    name = name or proto.cmap[base]
    width = round(proto.scale * proto.ttfont["hmtx"].metrics[name][0] + 0.001)
    return proto.ttfont.getGlyphID(name), (base, selector), name, width


def font_cmap() -> dict[int, str]:
    return _font_charset()[0]


def warm_up() -> None:
    """Parse the font now (a server calls this in a thread at start, so the first print is fast)."""
    _font_charset()
    _font_prototype()


def _sequence_subset_map():
    from functools import cache

    from fpdf.fonts import Glyph, SubsetMap

    class SequenceSubsetMap(SubsetMap):
        """fpdf2's subset map, knowing the stand-ins of variation sequences."""

        def __init__(self, font, proto):
            self._proto = proto
            super().__init__(font)

        @cache  # noqa: B019 — as fpdf2's own (output.py clears it after each document)
        def get_glyph(self, glyph=None, unicode=None, glyph_name=None, glyph_width=None):
            if isinstance(unicode, int) and unicode in _alias_info:
                return Glyph(*_alias_glyph(self._proto, unicode))
            return super().get_glyph(glyph=glyph, unicode=unicode, glyph_name=glyph_name,
                                     glyph_width=glyph_width)

    return SequenceSubsetMap


def _forget_document_glyphs() -> None:
    """fpdf2 clears its glyph cache after output, but only the subclass's: the base class's
    cache (reached through ``super()``) would keep every document's font tables alive."""
    from fpdf.fonts import SubsetMap

    SubsetMap.get_glyph.cache_clear()
    SubsetMap.pick.cache_clear()


def _SequenceSubsetMap(font, proto):  # noqa: N802 — a class, built on first use (fpdf2 imported lazily)
    if "subset_map" not in _font_state:
        _font_state["subset_map"] = _sequence_subset_map()
    return _font_state["subset_map"](font, proto)


def _attach_font(pdf) -> None:
    """A per-document font sharing the parsed metrics (read only) with the prototype, with its
    own glyph subset and its own copy of the font's tables (fpdf2 subsets them in place)."""
    from fontTools.ttLib import TTFont

    proto, raw = _font_prototype()
    font = copy.copy(proto)
    # recalcBBoxes=False: the subset keeps the whole font's bounding box (a valid, larger box)
    # instead of running every kept glyph's outline again — a third of the time per form.
    font.ttfont = TTFont(io.BytesIO(raw), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = _SequenceSubsetMap(font, proto)
    with _font_lock:
        pending = [a for a in _alias_info if a not in font.cw]
    for alias in pending:  # the shared widths learn each stand-in once
        font.cw[alias] = _alias_glyph(proto, alias)[3]
    font.i = len(pdf.fonts) + 1
    pdf.fonts[FONT_FAMILY] = font
    pdf._set_min_pdf_version("1.6")  # CID-keyed CFF  # noqa: SLF001


# ------------------------------------------------------------------ printable characters


def _is_selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def printable_text(text: str, where: str, problems: list[dict]) -> str:
    """``text`` as it will be drawn. A variation sequence the font's IVS table knows (葛 +
    U+E0100) becomes the stand-in of its glyph, so the exact shape is printed and the text
    copied from the PDF is still the two code points; a selector the font does not know for
    that character, and any character without a glyph, is a problem (the form is refused)."""
    cmap, uvs = _font_charset()
    out: list[str] = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        if _is_selector(cp):
            base = ord(text[i - 1]) if i else None
            known = uvs.get(cp, {})
            if base is not None and base in known and out and out[-1] == text[i - 1]:
                out[-1] = _alias(base, cp, known[base])
                continue
            problems.append({"char": (text[i - 1] if i else "") + ch,
                             "codepoint": _cps(text[i - 1:i + 1] if i else ch), "field": where})
            continue
        if ch in "\t\r\n":
            out.append(" ")
            continue
        if cp not in cmap or unicodedata.category(ch) in ("Co", "Cn", "Cs", "Cc"):
            problems.append({"char": ch, "codepoint": _cps(ch), "field": where})
            continue
        out.append(ch)
    return "".join(out)


def _cps(text: str) -> str:
    return " ".join(f"U+{ord(c):04X}" for c in text)


# ------------------------------------------------------------------ pass 1: what goes where


@dataclass
class _Op:
    kind: str          # text | rect | line | check | circle
    page: int
    box: tuple = ()
    text: str = ""
    size: float = 10
    min_size: float = 5
    align: str = "L"
    valign: str = "M"
    width: float = 0.2
    fill: float | None = None
    where: str = ""


def _rename(path: str, aliases: dict[str, str]) -> str:
    for alias, real in aliases.items():
        if path == alias or path.startswith(alias + ".") or path.startswith(alias + "["):
            return real + path[len(alias):]
    return path


def _plan(template: FormTemplate, ctx: dict, today: dt.date, aliases: dict[str, str]):
    ops: list[_Op] = []
    missing: list[str] = []
    page_sources: list[int] = []  # for each printed page, the template page it copies

    for t_index, page in enumerate(template.pages):
        blocks = [item for item in page.items if isinstance(item, Rows)]
        selected = {}
        for block in blocks:
            rows = resolve(ctx, block.each)
            rows = rows if isinstance(rows, list) else []
            chosen = [(i, r) for i, r in enumerate(rows) if isinstance(r, dict) and row_matches(r, block.where)]
            if len(chosen) < block.min:
                missing.append(block.each if not block.where else f"{block.each}（{_where_text(block.where)}）")
            selected[id(block)] = chosen
        copies = max([1] + [-(-len(selected[id(b)]) // b.max) for b in blocks])
        for copy_no in range(copies):
            number = len(page_sources)
            page_sources.append(t_index)
            for item in page.items:
                if isinstance(item, Rows):
                    chosen = selected[id(item)][copy_no * item.max:(copy_no + 1) * item.max]
                    for slot, (index, row) in enumerate(chosen):
                        row_aliases = {"row": f"{item.each}[{index}]", **aliases}
                        row_ctx = {**ctx, "row": row, "n": str(copy_no * item.max + slot + 1)}
                        for sub in item.items:
                            _plan_item(sub, row_ctx, today, number, item.step * slot, row_aliases, ops, missing)
                else:
                    _plan_item(item, ctx, today, number, 0.0, aliases, ops, missing)
    return ops, sorted(dict.fromkeys(missing), key=_path_order), page_sources


def _where_text(where: dict) -> str:
    """「続柄: 子」 for ``{relationship: child}`` (what a clerk reads in a refusal)."""
    from .values import RELATIONSHIP_UNSEXED, RELATIONSHIPS

    def word(key, value):
        if key == "relationship":
            return RELATIONSHIP_UNSEXED.get(value) or RELATIONSHIPS.get(value, (value,))[0]
        return str(value)

    names = {"relationship": "続柄", "sex": "性別"}
    return "、".join(f"{names.get(k, k)}: {'・'.join(word(k, x) for x in (v if isinstance(v, list) else [v]))}"
                    for k, v in where.items())


def _path_order(path: str):
    return path


def _shift(box, dy):
    x, y, w, h = box
    return (x, y + dy, w, h)


def _plan_item(item, ctx, today, page, dy, aliases, ops, missing):
    if isinstance(item, Text):
        ops.append(_Op("text", page, _shift(item.box, dy), fill(item.text, ctx, today)[0], item.size,
                       min(item.size, 5), item.align, item.valign, where="(static)"))
    elif isinstance(item, Rect):
        ops.append(_Op("rect", page, _shift(item.box, dy), width=item.width, fill=item.fill))
    elif isinstance(item, Line):
        ops.append(_Op("line", page, (item.start[0], item.start[1] + dy, item.end[0], item.end[1] + dy),
                       width=item.width))
    elif isinstance(item, Grid):
        x0, y0 = item.at
        total = sum(item.columns)
        for r in range(item.rows + 1):
            y = y0 + dy + r * item.row_height
            ops.append(_Op("line", page, (x0, y, x0 + total, y), width=item.width))
        x = x0
        for w in [0.0, *item.columns]:
            x += w
            ops.append(_Op("line", page, (x, y0 + dy, x, y0 + dy + item.rows * item.row_height), width=item.width))
    elif isinstance(item, FieldItem):
        text, absent = fill(item.value, ctx, today)
        where = _rename(_first_path(item.value), aliases)
        if absent and item.required:
            missing.extend(_rename(p, aliases) for p in absent)
        if text.strip():
            ops.append(_Op("text", page, _shift(item.box, dy), text, item.size, item.min_size, item.align,
                           item.valign, where=where))
    elif isinstance(item, Check):
        value, absent = fill(item.value, ctx, today)
        if absent and item.required:
            missing.extend(_rename(p, aliases) for p in absent)
        if value and item.matches(value):
            ops.append(_Op(item.mark, page, _shift(item.box, dy), where=_rename(_first_path(item.value), aliases)))


def _first_path(value: str) -> str:
    from .layout import PLACEHOLDER

    match = PLACEHOLDER.search(value)
    return match.group(1) if match else value


# ------------------------------------------------------------------ pass 2: drawing


def _prepare(template: FormTemplate, data: dict, today: dt.date, extra: dict | None):
    ctx = context(data, today=today, extra=extra)
    aliases = {}
    members = data.get("members") or []
    for alias in ("head", "applicant"):
        if ctx.get(alias) is not None and ctx[alias] in members and not data.get(alias):
            aliases[alias] = f"members[{members.index(ctx[alias])}]"
    ops, missing, page_sources = _plan(template, ctx, today, aliases)
    problems: list[dict] = []
    for op in ops:
        if op.kind == "text":
            op.text = printable_text(op.text, op.where, problems)
    unique: dict[str, dict] = {}
    for p in problems:
        unique.setdefault(p["char"], p)
    return ops, missing, list(unique.values()), page_sources


def check(template: FormTemplate, data: dict, *, today: dt.date, extra: dict | None = None) -> dict:
    """What stops the form from printing, without drawing it: ``missing`` paths and
    ``unprintable`` characters (each ``{char, codepoint, field}``)."""
    _ops, missing, unprintable, _pages = _prepare(template, data, today, extra)
    return {"missing": missing, "unprintable": unprintable}


def render(template: FormTemplate, data: dict, *, today: dt.date, extra: dict | None = None) -> Rendered:
    """The filled form as PDF bytes; FormDataMissing / FormUnprintable before anything is drawn."""
    ops, missing, unprintable, page_sources = _prepare(template, data, today, extra)
    if missing:
        raise FormDataMissing(missing)
    if unprintable:
        raise FormUnprintable(unprintable)
    return _draw(template, ops, page_sources)


def _draw(template: FormTemplate, ops: list[_Op], page_sources: list[int]) -> Rendered:
    from fpdf import FPDF

    width, height = template.size_mm
    pdf = FPDF(orientation="P", unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = PADDING_MM
    pdf.set_title(template.name)
    pdf.set_lang("ja")
    pdf.set_creator("Madoguchi")
    pdf.set_producer("Madoguchi (fpdf2)")
    _attach_font(pdf)
    texts: list[dict] = []
    for number in range(len(page_sources)):
        pdf.add_page()
        for op in (o for o in ops if o.page == number):
            _draw_op(pdf, op, texts)
    data = bytes(pdf.output())
    _forget_document_glyphs()
    if template.background:
        data = _overlay(template, data, page_sources)
    return Rendered(pdf=data, pages=len(page_sources), texts=texts)


def _draw_op(pdf, op: _Op, texts: list[dict]) -> None:
    pdf.set_draw_color(0)
    if op.kind == "rect":
        x, y, w, h = op.box
        pdf.set_line_width(op.width)
        if op.fill is not None:
            pdf.set_fill_color(round(op.fill * 255))
        pdf.rect(x, y, w, h, style="DF" if op.fill is not None else "D")
    elif op.kind == "line":
        pdf.set_line_width(op.width)
        pdf.line(*op.box)
    elif op.kind == "check":
        x, y, w, h = op.box
        side = min(w, h)
        cx, cy = x + (w - side) / 2, y + (h - side) / 2
        pdf.set_line_width(max(0.35, side / 14))
        pdf.polyline([(cx + side * 0.18, cy + side * 0.52), (cx + side * 0.42, cy + side * 0.8),
                      (cx + side * 0.85, cy + side * 0.18)])
    elif op.kind == "circle":
        x, y, w, h = op.box
        pdf.set_line_width(0.3)
        pdf.ellipse(x, y, w, h)
    elif op.kind == "text":
        _draw_text(pdf, op, texts)


def _draw_text(pdf, op: _Op, texts: list[dict]) -> None:
    x, y, w, h = op.box
    size = op.size
    pdf.set_font(FONT_FAMILY, size=size)
    room = w - 2 * PADDING_MM
    while pdf.get_string_width(op.text) > room and size > op.min_size:
        size = max(op.min_size, size - 0.25)
        pdf.set_font(FONT_FAMILY, size=size)
    line = size / PT_PER_MM * LINE_FACTOR
    top = {"T": y, "M": y + (h - line) / 2, "B": y + h - line}[op.valign]
    pdf.set_xy(x, top)
    pdf.cell(w, line, op.text, align=op.align)
    texts.append({"page": op.page, "text": op.text, "box": op.box, "size": size, "field": op.where,
                  "fits": pdf.get_string_width(op.text) <= room + 0.01})


def _overlay(template: FormTemplate, overlay: bytes, page_sources: list[int]) -> bytes:
    """The fields drawn over the city's blank form: each printed page is the blank page under
    the overlay page (a page repeated for more rows repeats its blank page)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf._page import PageObject

    blank = PdfReader(str(template.background_path))
    filled = PdfReader(io.BytesIO(overlay))
    writer = PdfWriter()
    for number, t_index in enumerate(page_sources):
        wanted = template.pages[t_index].background_page or (t_index + 1)
        source = blank.pages[min(wanted, len(blank.pages)) - 1]
        page = PageObject.create_blank_page(width=source.mediabox.width, height=source.mediabox.height)
        page.merge_page(source)
        page.merge_page(filled.pages[number])
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ------------------------------------------------------------------ other printed lists


def new_document(*, title: str, orientation: str = "P"):
    """An A4 fpdf2 document with the forms' font attached as ``FONT_FAMILY``, for other apps'
    printed lists (the card preparation list). Finish it with ``finish_document``."""
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_lang("ja")
    pdf.set_creator("Madoguchi")
    pdf.set_producer("Madoguchi (fpdf2)")
    _attach_font(pdf)
    pdf.set_font(FONT_FAMILY, size=10)
    return pdf


def finish_document(pdf) -> bytes:
    data = bytes(pdf.output())
    _forget_document_glyphs()
    return data
