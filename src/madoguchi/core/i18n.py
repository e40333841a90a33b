"""Languages of the citizen pages, and Japanese-only staff screens.

Citizen pages (kiosk, ticket page, public board, lobby display, notices) speak
Japanese, English, Simplified Chinese, Korean, Vietnamese and Brazilian
Portuguese. The language comes from ``?lang=`` (remembered in the
``django_language`` cookie), else the browser's Accept-Language, else Japanese.

Staff screens (counter, supervisor, admin, log-in) always render in Japanese:
counter staff work in Japanese whatever their browser is set to, and the
screens' wording must match the operator guide.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _

# Paths of staff screens (whatever the office code) and the DX office's: always Japanese.
STAFF_PATH = re.compile(r"^/(admin|accounts|dx)/|^/o/[^/]+/(counter|supervisor|interview)/")
# The kiosk is a shared device: a visitor's choice must not stick for the next one.
KIOSK_PATH = re.compile(r"^/o/[^/]+/kiosk/")

# BCP 47 tags for <html lang>, hreflang and speech synthesis (Django codes are lower case).
HTML_LANG = {"ja": "ja", "en": "en", "zh-hans": "zh-Hans", "ko": "ko", "vi": "vi", "pt-br": "pt-BR"}
SPEECH_LANG = {"ja": "ja-JP", "en": "en-US", "zh-hans": "zh-CN", "ko": "ko-KR", "vi": "vi-VN",
               "pt-br": "pt-BR"}
COUNTER_LABEL = re.compile(r"^(\d+)番窓口$")


def supported(value: str | None) -> str | None:
    """The LANGUAGES code for ``value`` (``pt-BR``, ``zh_CN``, ``zh`` …), or None."""
    value = (value or "").strip().lower().replace("_", "-")
    if not value or len(value) > 20:
        return None
    try:
        return get_supported_language_variant(value, strict=False)
    except LookupError:
        return None


def html_lang(code: str | None = None) -> str:
    code = code or translation.get_language() or settings.LANGUAGE_CODE
    return HTML_LANG.get(code, code)


def is_staff_path(path: str) -> bool:
    return bool(STAFF_PATH.match(path))


class LanguageMiddleware(MiddlewareMixin):
    """After Django's LocaleMiddleware: staff paths in Japanese; ``?lang=`` picks and remembers.

    The kiosk is shared by every visitor, so there ``?lang=`` applies to the
    request only and the cookie is neither read nor written. (MiddlewareMixin
    keeps the SSE view async.)
    """

    def process_request(self, request):
        path = request.path_info
        remember = chosen = None
        if is_staff_path(path):
            lang = settings.LANGUAGE_CODE
        else:
            chosen = supported(request.GET.get("lang"))
            kiosk = bool(KIOSK_PATH.match(path))
            if chosen:
                lang = chosen
                remember = None if kiosk else chosen
            elif kiosk:  # the device's own setting, never a previous visitor's cookie
                lang = _accept_language_only(request)
            else:
                lang = request.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        request.language_chosen = chosen  # an explicit ?lang= (links and QR codes carry it on)
        request.language_remember = remember

    def process_response(self, request, response):
        remember = getattr(request, "language_remember", None)
        if remember and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != remember:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, remember, max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH, samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
        return response


def _accept_language_only(request) -> str:
    from django.utils.translation.trans_real import parse_accept_lang_header

    for code, _q in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        found = supported(code)
        if found:
            return found
    return settings.LANGUAGE_CODE


def counter_label(label: str | None) -> str:
    """Counter.label is 「4番窓口」 (or a custom Japanese name): say it in the active language."""
    if not label:
        return _("窓口")
    match = COUNTER_LABEL.match(label)
    if match:
        return _("{n}番窓口").format(n=match.group(1))
    return label


def category_name(info: dict | None, fallback: str = "", lang: str | None = None) -> str:
    """A category's name in ``lang``: ``names[lang]``, else ``name_en`` outside Japanese, else ``name``."""
    lang = lang or translation.get_language() or settings.LANGUAGE_CODE
    info = info or {}
    name = info.get("name") or fallback
    if lang == settings.LANGUAGE_CODE:
        return name
    names = info.get("names") or {}
    return names.get(lang) or info.get("name_en") or name


def office_name(office, lang: str | None = None) -> str:
    lang = lang or translation.get_language() or settings.LANGUAGE_CODE
    if lang != settings.LANGUAGE_CODE and getattr(office, "name_en", ""):
        return office.name_en
    return office.name


def localize_board(board: dict | None, names: dict[str, dict], lang: str | None = None) -> dict | None:
    """A copy of a board snapshot with category names and counter labels in ``lang``."""
    if not board:
        return board
    lang = lang or translation.get_language() or settings.LANGUAGE_CODE
    if lang == settings.LANGUAGE_CODE:
        return board
    with translation.override(lang):
        return {
            **board,
            "rows": [{**row, "name": category_name(names.get(row["category"]), row["name"], lang)}
                     for row in board.get("rows", [])],
            "calling": [{**c, "counter": counter_label(c.get("counter"))} for c in board.get("calling", [])],
        }
