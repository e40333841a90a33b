"""Template helpers for the citizen pages' languages (see madoguchi.core.i18n)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from madoguchi.core import i18n

register = template.Library()


@register.simple_tag
def html_lang() -> str:
    """The active language as a BCP 47 tag for ``<html lang>`` (zh-Hans, pt-BR …)."""
    return i18n.html_lang()


@register.filter
def l10n_name(obj) -> str:
    """An office's or category's name in the active language (model, dataclass or dict)."""
    if obj is None:
        return ""
    get = obj.get if isinstance(obj, dict) else (lambda key, default=None: getattr(obj, key, default))
    return i18n.category_name({"name": get("name", ""), "name_en": get("name_en", ""),
                               "names": get("names", None) or {}})


@register.filter
def counter_label(label) -> str:
    return i18n.counter_label(label)


@register.simple_tag
def category_label(status: dict) -> str:
    """A ticket status's category name in the active language."""
    if translation.get_language() == settings.LANGUAGE_CODE:
        return status.get("category_name", "")
    from madoguchi.queueing import public_state

    info = public_state.category_names(status.get("office", "")).get(status.get("category"))
    return i18n.category_name(info, status.get("category_name", ""))


@register.simple_tag
def localize_board(board):
    """The board snapshot with category names and counter labels in the active language."""
    if not board or translation.get_language() == settings.LANGUAGE_CODE:
        return board
    from madoguchi.queueing import public_state

    return i18n.localize_board(board, public_state.category_names(board.get("office", "")))


@register.simple_tag(takes_context=True)
def lang_query(context) -> str:
    """``?lang=xx`` when the visitor chose the language explicitly (for forms and printed links)."""
    request = context.get("request")
    chosen = getattr(request, "language_chosen", None)
    return f"?lang={chosen}" if chosen else ""


@register.inclusion_tag("core/_language_switcher.html", takes_context=True)
def language_switcher(context, size: str = ""):
    """Links to this page in every language, each named in itself."""
    request = context.get("request")
    current = translation.get_language()
    links = []
    for code, name in settings.LANGUAGES:
        query = request.GET.copy() if request else {}
        if request:
            query.pop("fragment", None)
            query["lang"] = code
            url = f"{request.path}?{query.urlencode()}"
        else:
            url = f"?lang={code}"
        links.append({"code": code, "tag": i18n.html_lang(code), "name": name, "url": url,
                      "current": code == current})
    return {"links": links, "size": size, "label": _("言語") if current == "en" else _("言語") + " / Language"}


def live_texts(lang: str | None = None) -> dict:
    """Texts live.js and display.js format on the client, in ``lang`` (never hard-coded in JS)."""
    lang = lang or translation.get_language()
    with translation.override(lang):
        def forms(singular, plural):
            return {"one": ngettext(singular, plural, 1) % {"n": "{n}"},
                    "other": ngettext(singular, plural, 2) % {"n": "{n}"}}

        return {
            "lang": i18n.html_lang(lang),
            "people": forms("%(n)s人", "%(n)s人"),
            "minutes": forms("%(n)s分", "%(n)s分"),
            "offline": _("接続が切れました。再接続しています…"),
            "counter": _("{n}番窓口"),
            "counterPattern": i18n.COUNTER_LABEL.pattern,
        }


@register.simple_tag
def client_texts(**extra) -> dict:
    """For ``|json_script``: the common client texts plus a page's own (already translated)."""
    return {**live_texts(), **extra}


def display_languages(lang: str | None = None) -> list[str]:
    """The lobby display alternates its own language with English (English's partner: Japanese)."""
    lang = lang or translation.get_language() or settings.LANGUAGE_CODE
    return [lang, settings.LANGUAGE_CODE if lang == "en" else "en"]


@register.simple_tag
def display_texts(office) -> dict:
    """Every text of the lobby display in both of its languages (display.js alternates them)."""
    from madoguchi.queueing import public_state

    names = public_state.category_names(office.code)
    out = {}
    for lang in display_languages():
        with translation.override(lang):
            out[lang] = {
                **live_texts(lang),
                "speechLang": i18n.SPEECH_LANG.get(lang, lang),
                "office": i18n.office_name(office, lang),
                "calling": _("お呼び出し中"),
                "missed": _("お呼びしましたがお越しでない番号"),
                "missedHint": _("この番号の方は、窓口の職員にお声がけください。"),
                "board": _("混雑状況"),
                "updated": _("更新"),
                "colCategory": _("手続き内容(発券番号範囲)"),
                "colLastCalled": _("最終呼出番号"),
                "colNext": _("次回呼出予定番号"),
                "colWaiting": _("待ち人数"),
                "colWait": _("待ち時間"),
                "colHold": _("保留人数"),
                "soundEnable": _("音声案内を有効にする"),
                "soundOn": _("音声案内 オン"),
                "announce": _("{number}番の方 {counter}へ"),
                "speak": _("{number}番の方、{counter}へお越しください。"),
                "categories": {code: i18n.category_name(info, info.get("name", ""), lang)
                               for code, info in names.items()},
            }
    return {"order": list(out), "texts": out}
