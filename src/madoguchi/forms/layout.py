"""Form templates as data (様式): what a printed form looks like and where each value goes.

A template is a YAML file (docs/forms.md): paper, the procedures that need the form, and
pages of items drawn in order — static text, lines and boxes, fields filled from the form
data (``{path|format}``), check marks, and blocks of rows repeated for each member of the
household. A city adds a form by dropping a YAML file (and, if it has one, its own blank
PDF beside it) into ``MADOGUCHI_FORM_TEMPLATES_DIR``; no code.

Checked at load (pydantic): a template with an unknown key, a box off the paper or an
unknown format is refused with a message naming the file and the place, not at print time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

BUILTIN_DIR = Path(__file__).resolve().parent / "templates"
PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0), "B4": (257.0, 364.0), "B5": (182.0, 257.0)}
CODE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
# ``{path}`` or ``{path|format}``: a path into the data (``members[0].family_name``, ``row.birth_date``).
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.\[\]]*)(?:\|([a-z_]+))?\}")
FORMATS = ("text", "wareki", "date", "name", "kana", "address", "postcode", "sex", "relationship",
           "kind", "phone", "era", "year", "month", "day", "age")


class TemplateError(ValueError):
    """A template that cannot be used (the message names the file and the place)."""


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")


Box = tuple[float, float, float, float]  # x, y, width, height in mm from the top-left corner


class Text(_Item):
    """Static text printed on every copy (headings, labels, notes)."""

    type: Literal["text"]
    text: str
    box: Box
    size: float = 9
    align: Literal["L", "C", "R"] = "L"
    valign: Literal["T", "M", "B"] = "M"


class Rect(_Item):
    type: Literal["rect"]
    box: Box
    width: float = 0.3
    fill: float | None = None  # grey level 0–1 (0.92 = light shading), None = not filled


class Line(_Item):
    type: Literal["line"]
    start: tuple[float, float] = Field(alias="from")
    end: tuple[float, float] = Field(alias="to")
    width: float = 0.2


class Grid(_Item):
    """A table's ruled lines: ``rows`` × the given column widths, starting at ``at``."""

    type: Literal["grid"]
    at: tuple[float, float]
    columns: list[float]
    rows: int
    row_height: float
    width: float = 0.2


class FieldItem(_Item):
    """A value from the form data: ``value`` is text with ``{path|format}`` placeholders."""

    type: Literal["field"]
    value: str
    box: Box
    size: float = 10
    min_size: float = 5
    align: Literal["L", "C", "R"] = "L"
    valign: Literal["T", "M", "B"] = "M"
    required: bool = True
    label: str = ""  # what a clerk reads when it is missing (defaults to the path)

    @field_validator("value")
    @classmethod
    def _placeholders_known(cls, value: str) -> str:
        for match in PLACEHOLDER.finditer(value):
            if match.group(2) and match.group(2) not in FORMATS:
                raise ValueError(f"unknown format '{match.group(2)}' (one of {', '.join(FORMATS)})")
        return value


class Check(_Item):
    """A mark on a printed choice when the data's value equals ``equals`` (or is one of them)."""

    type: Literal["check"]
    value: str
    equals: str | list[str]
    box: Box
    mark: Literal["check", "circle"] = "check"
    required: bool = False

    def matches(self, value: str) -> bool:
        allowed = self.equals if isinstance(self.equals, list) else [self.equals]
        return value in [str(v) for v in allowed]


class Rows(_Item):
    """Items repeated for each element of a list in the data (``members``), ``step`` mm lower
    each row; inside, ``{row.…}`` is the element and ``{n}`` its number. More elements than
    ``max`` continue on a copy of the page."""

    type: Literal["rows"]
    each: str
    max: int = Field(ge=1, le=50)
    step: float
    where: dict[str, str | list[str]] = {}
    min: int = Field(default=1, ge=0)  # fewer elements than this: form_data_missing
    items: list[Annotated[Text | Rect | Line | FieldItem | Check, Field(discriminator="type")]]


Item = Annotated[Text | Rect | Line | Grid | FieldItem | Check | Rows, Field(discriminator="type")]


class Page(_Item):
    items: list[Item]
    background_page: int | None = None  # which page of the blank PDF (1-based; default: same number)


class FormTemplate(_Item):
    code: str
    name: str
    version: int = 1
    description: str = ""
    procedures: list[str] = []      # procedure codes (catalogue) whose cases need this form
    life_events: list[str] = []     # or: every case of these life events
    paper: Literal["A4", "A3", "B4", "B5"] = "A4"
    orientation: Literal["portrait", "landscape"] = "portrait"
    background: str | None = None   # a city's blank PDF, beside the YAML file
    pages: list[Page] = Field(min_length=1)
    source: str = Field(default="", exclude=True)  # the file it came from (set by the loader)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE.match(value):
            raise ValueError("code: lower-case letters, digits and _ (2–48), starting with a letter")
        return value

    @property
    def size_mm(self) -> tuple[float, float]:
        width, height = PAPER_MM[self.paper]
        return (height, width) if self.orientation == "landscape" else (width, height)

    @property
    def background_path(self) -> Path | None:
        if not self.background:
            return None
        return Path(self.source).parent / self.background

    @model_validator(mode="after")
    def _boxes_on_paper(self):
        width, height = self.size_mm
        for n, page in enumerate(self.pages, start=1):
            for item in _flat(page.items):
                box = getattr(item, "box", None)
                if box is None:
                    continue
                x, y, w, h = box
                if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width + 0.01 or y + h > height + 0.01:
                    raise ValueError(f"page {n}: box {list(box)} is not on the {self.paper} paper "
                                     f"({width:g}×{height:g} mm)")
        return self


def _flat(items):
    for item in items:
        if isinstance(item, Rows):
            yield from item.items
        else:
            yield item


def parse(text: str, source: str = "<string>") -> FormTemplate:
    """One template from YAML text; TemplateError naming the file and the place if it is wrong."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{source}: YAML として読めません: {exc}") from exc
    if not isinstance(raw, dict):
        raise TemplateError(f"{source}: 様式は code, name, pages を持つ YAML の辞書で書いてください。")
    try:
        template = FormTemplate.model_validate({**raw, "source": source})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise TemplateError(f"{source}: {problems}") from exc
    if template.background and not template.background_path.is_file():
        raise TemplateError(f"{source}: background '{template.background}' がありません（YAML と同じ場所に置いてください）。")
    return template


def load_file(path: Path) -> FormTemplate:
    return parse(path.read_text(encoding="utf-8"), source=str(path))


def template_dirs() -> list[Path]:
    """The built-in forms, then the city's own (``MADOGUCHI_FORM_TEMPLATES_DIR``): a city's
    template with the same code replaces the built-in one."""
    dirs = [BUILTIN_DIR]
    extra = str(getattr(settings, "FORM_TEMPLATES_DIR", "") or "").strip()
    if extra:
        dirs.append(Path(extra))
    return dirs


@lru_cache(maxsize=4)
def _installed(dirs: tuple[Path, ...]) -> dict[str, FormTemplate]:
    found: dict[str, FormTemplate] = {}
    for directory in dirs:
        if not directory.is_dir():
            raise TemplateError(f"{directory}: 様式のディレクトリがありません（MADOGUCHI_FORM_TEMPLATES_DIR）。")
        for path in sorted(directory.glob("*.yaml")):
            template = load_file(path)
            found[template.code] = template
    return found


def installed() -> dict[str, FormTemplate]:
    """Every installed template by code (loaded once per process and directory set)."""
    return _installed(tuple(template_dirs()))


def reload() -> None:
    _installed.cache_clear()
