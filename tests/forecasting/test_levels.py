"""One set of 混雑予想 levels for every page (issue 12): the office calendar and the places' pages
show the same marks, words and colours (forecasting/levels.py, css/levels.css, one legend
partial), readable without colour, with enough contrast; the feeds keep their level numbers."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from madoguchi.core.timeutil import JST
from madoguchi.forecasting.demo import DEMO_PLACE, seed_demo_place
from madoguchi.forecasting.levels import LEVEL_WORDS, MARKS, OFFICE_LEVEL_WORDS

STATIC = Path(__file__).resolve().parents[2] / "src" / "madoguchi" / "static" / "madoguchi"
CHIP = (r'<span class="level-chip lv(\d)"><span class="level-mark" aria-hidden="true">(.)</span> '
        r'<span class="level-word">([^<]+)</span></span>')


def legend_chips(html: str) -> list[tuple[int, str, str]]:
    start = html.index('<ul class="level-legend"')
    legend = html[start:html.index("</ul>", start)]
    return [(int(lv), mark, word) for lv, mark, word in re.findall(CHIP, legend)]


def expected(levels, lang):
    with translation.override(lang):
        return [(n, MARKS[n], str(OFFICE_LEVEL_WORDS[n])) for n in levels]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ja", "en", "vi"])
def test_the_office_calendar_uses_the_shared_levels(center_forecast, lang):
    html = Client().get(f"/o/center/forecast/?lang={lang}").content.decode()
    assert legend_chips(html) == expected([1, 2, 3, 4, 5, 0], lang)
    assert html.count('class="level-legend"') == 1 and "css/levels.css" in html
    # Every day of the calendar: its level's tint (class) AND its mark, the words for screen readers.
    cells = re.findall(r'<td class="lv(\d)[^"]*">\s*<a [^>]*>.*?<span class="level-mark" aria-hidden="true">(.)</span>'
                       r'<span class="sr-only">([^<]*)</span>', html, re.S)
    assert len(cells) > 20
    with translation.override(lang):
        assert all(mark == MARKS[int(lv)] and str(LEVEL_WORDS[int(lv)]) in words for lv, mark, words in cells)
    # The day's hours: each a chip with the mark and the words.
    day = html[html.index('<section id="fc-day"'):]
    hours = re.findall(CHIP, day[:day.index("</section>")])
    assert len(hours) == 10 and all(mark == MARKS[int(lv)] for lv, mark, _w in hours)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ja", "en", "pt-br"])
def test_the_place_pages_use_the_same_levels(monkeypatch, lang):
    monkeypatch.setattr("madoguchi.core.timeutil.now", lambda: dt.datetime(2025, 6, 18, 10, 30, tzinfo=JST))
    seed_demo_place()
    for url in (f"/places/{DEMO_PLACE}/", "/places/"):
        html = Client().get(url, {"lang": lang}).content.decode()
        assert legend_chips(html) == expected([1, 2, 3, 4, 5], lang), url
        assert "css/levels.css" in html and "●" not in html  # the marks, not the old ●○ dots
        with translation.override(lang):  # every chip on the page (hours, days, today's peak)
            chips = re.findall(CHIP, html)
            assert len(chips) > 5 and all((m, w) == (MARKS[int(lv)], str(LEVEL_WORDS[int(lv)])) for lv, m, w in chips)


def test_the_feeds_keep_their_level_numbers():
    assert list(OFFICE_LEVEL_WORDS) == [0, 1, 2, 3, 4, 5] and list(LEVEL_WORDS) == [1, 2, 3, 4, 5]
    assert set(MARKS) == set(OFFICE_LEVEL_WORDS) and len(set(MARKS.values())) == 6  # each its own mark


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_one_palette_with_enough_contrast():
    css = (STATIC / "css" / "levels.css").read_text()
    palette = {int(n): (strong, tint) for n, strong, tint in
               re.findall(r"\.lv(\d) \{ --lv: (#[0-9a-f]{6}); --lv-bg: (#[0-9a-f]{6}); \}", css)}
    assert sorted(palette) == [0, 1, 2, 3, 4, 5]
    ink, white = "#1a1a1a", "#ffffff"
    for level, (strong, tint) in palette.items():
        assert contrast(ink, tint) >= 7, level  # the words on the chip and the calendar's day (AAA)
        assert contrast(strong, tint) >= 4.5, level  # the mark on its tint (AA text)
        assert contrast(strong, white) >= 4.5, level  # a bar, a border or a mark on the page
    tints = [palette[n][1] for n in range(6)]
    assert len(set(tints)) == 6
    # One palette: no other stylesheet gives the levels colours of its own.
    for path in STATIC.rglob("*.css"):
        if path.name != "levels.css":
            text = path.read_text()
            assert not re.search(r"--lv(-bg)?\s*:|\.fc-l\d|--fc\s*:", text), path
