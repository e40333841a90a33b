"""A public holiday's name in the citizen's language, for the places' pages (観光地).

The ``holidays`` library names many countries' holidays in several languages (``language=``):
a Korean place's holidays in Korean, a Brazilian one's in Portuguese, a Chinese one's in
Simplified Chinese. For Japan it has only Japanese, English and Thai, so the Japanese names are
also msgids of our own catalogue (``JP_NAMES``), translated into Chinese, Korean, Vietnamese and
Portuguese like every other citizen string. Where neither has the page's language, the name is
in English, else in the country's own language.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext_lazy as _

LIBRARY_LANGUAGES = {
    "ja": ("ja",),
    "en": ("en_US", "en_GB"),
    "zh-hans": ("zh_CN", "zh_Hans"),
    "ko": ("ko",),
    "vi": ("vi",),
    "pt-br": ("pt_BR", "pt_PT"),
}
"""The page's language (Django code) → the ``holidays`` library's codes that serve it, best first."""

JP_NAMES = {
    "元日": _("元日"),
    "成人の日": _("成人の日"),
    "建国記念の日": _("建国記念の日"),
    "天皇誕生日": _("天皇誕生日"),
    "春分の日": _("春分の日"),
    "昭和の日": _("昭和の日"),
    "憲法記念日": _("憲法記念日"),
    "みどりの日": _("みどりの日"),
    "こどもの日": _("こどもの日"),
    "海の日": _("海の日"),
    "山の日": _("山の日"),
    "敬老の日": _("敬老の日"),
    "秋分の日": _("秋分の日"),
    "スポーツの日": _("スポーツの日"),
    "体育の日": _("体育の日"),
    "文化の日": _("文化の日"),
    "勤労感謝の日": _("勤労感謝の日"),
    "振替休日": _("振替休日"),
    "国民の休日": _("国民の休日"),
    "天皇の即位の日": _("天皇の即位の日"),
    "即位礼正殿の儀が行われる日": _("即位礼正殿の儀が行われる日"),
}
"""Japan's holidays as the ``holidays`` library names them in Japanese: msgids of our catalogue."""

YEAR_END = _("年末年始")
"""The days 12/29–1/3 that the Japanese calendar of the forecasts adds (calendar_model)."""


@lru_cache(maxsize=32)
def _supported(country: str) -> tuple[str, ...]:
    import holidays

    return tuple(getattr(holidays.country_holidays(country), "supported_languages", ()))


@lru_cache(maxsize=128)
def _names(country: str, language: str | None, year: int) -> dict[dt.date, str]:
    """The library's names of a country's holidays of one year in ``language`` (None: its own)."""
    import holidays

    return dict(holidays.country_holidays(country, years=year, language=language))


def _library_language(country: str, page_language: str) -> str | None:
    supported = _supported(country)
    return next((code for code in LIBRARY_LANGUAGES.get(page_language, ()) if code in supported), None)


def holiday_name(country: str, day: dt.date, language: str | None = None) -> str:
    """The name of the holiday on ``day`` in ``country`` for a page in ``language`` (a Django
    code; default: the active one), or "" when the library knows no holiday that day."""
    country = country.upper()
    language = (language or translation.get_language() or "ja").lower()
    own = _library_language(country, language)
    if own:
        name = _names(country, own, day.year).get(day, "")
    elif country == "JP" and (name := _names(country, "ja", day.year).get(day, "")) in JP_NAMES:
        with translation.override(language):
            return str(JP_NAMES[name])
    else:
        fallback = _library_language(country, "en")
        name = _names(country, fallback, day.year).get(day, "")
    if not name and country == "JP":
        with translation.override(language):
            return str(YEAR_END)
    return name
