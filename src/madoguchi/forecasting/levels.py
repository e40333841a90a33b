"""The five 混雑予想 levels, defined once: their numbers (the JSON feeds'), their words and their
marks. The office calendar (/o/<office>/forecast/), the places' pages (/places/…) and the feeds
all read them from here; their colours live once in static/madoguchi/css/levels.css (class
``lv<N>``) and their one rendering in templates/forecasting/_level.html (a mark and the words)
and _levels.html (the legend).

A level is never told by colour alone: the mark (◎ ○ △ ▲ ✕, as Japanese printed forecasts and
weather maps use them, best first) and the words are shown beside every colour.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

CLOSED = 0
"""An office's hour without reception (閉庁); a place's closed day (休館日)."""

LEVEL_WORDS = {
    1: gettext_lazy("空いている"),
    2: gettext_lazy("やや空いている"),
    3: gettext_lazy("普通"),
    4: gettext_lazy("やや混雑"),
    5: gettext_lazy("大変混雑"),
}
OFFICE_LEVEL_WORDS = {CLOSED: gettext_lazy("閉庁"), **LEVEL_WORDS}
"""An office's forecast also has level 0: an hour it does not receive visitors (閉庁)."""
PLACE_LEVEL_WORDS = {CLOSED: gettext_lazy("休館日"), **LEVEL_WORDS}
"""A place's forecast has level 0 on its closed days (休館日, the closing rules)."""

MARKS = {CLOSED: "—", 1: "◎", 2: "○", 3: "△", 4: "▲", 5: "✕"}


def level(value: int | None) -> dict | None:
    """What a template shows of one level: ``{"value", "word", "mark"}`` (None: no forecast)."""
    if value is None:
        return None
    return {"value": value, "word": str(OFFICE_LEVEL_WORDS[value]), "mark": MARKS[value]}


def legend(*, closed: bool = False) -> list[dict]:
    """The legend's levels, quiet to busy; ``closed`` adds 閉庁 (the office calendar's)."""
    return [level(value) for value in (*LEVEL_WORDS, *((CLOSED,) if closed else ()))]
