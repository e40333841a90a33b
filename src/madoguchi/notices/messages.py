"""Notice texts in the subscriber's language (Japanese first, every string through gettext)."""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Languages a citizen page may ask for; anything else falls back to Japanese.
NOTICE_LANGUAGES = ("ja", "en", "zh-hans", "ko", "vi", "pt-br")
_COUNTER_LABEL = re.compile(r"^(\d+)番窓口$")


def normalize_lang(value: str | None) -> str:
    value = (value or "").strip().lower().replace("_", "-")
    if value in NOTICE_LANGUAGES:
        return value
    aliases = {"zh": "zh-hans", "zh-cn": "zh-hans", "zh-sg": "zh-hans", "pt": "pt-br"}
    if value in aliases:
        return aliases[value]
    base = value.split("-")[0]
    return base if base in NOTICE_LANGUAGES else "ja"


def counter_label(label: str | None) -> str:
    """The internal side sends 「4番窓口」; say it in the subscriber's language."""
    if not label:
        return _("窓口")
    match = _COUNTER_LABEL.match(label)
    if match:
        return _("{n}番窓口").format(n=match.group(1))
    return label


def render(kind: str, status: dict, *, lang: str, url: str) -> dict:
    """Title, body and link of one notice, in ``lang``."""
    number = status.get("number")
    if url and lang != "ja" and "lang=" not in url:
        # The notice opens the ticket page in the language the citizen chose.
        url += ("&" if "?" in url else "?") + f"lang={lang}"
    with translation.override(lang):
        if kind == "called":
            title = _("お呼びしています")
            body = _("{number}番の方、{counter}へお越しください").format(
                number=number, counter=counter_label(status.get("counter")))
        else:
            ahead = int(status.get("waiting_ahead") or 0)
            title = _("まもなく順番です")
            if ahead <= 0:
                body = _("次にお呼びします（{number}番）").format(number=number)
            else:
                body = ngettext("あと{n}人で順番です（{number}番）", "あと{n}人で順番です（{number}番）",
                                ahead).format(n=ahead, number=number)
    return {"title": title, "body": body, "url": url, "kind": kind, "lang": lang,
            "tag": f"madoguchi-{status.get('public_id', '')[:12]}"}


def email_text(message: dict) -> tuple[str, str]:
    """Subject and plain-text body of a notice email."""
    with translation.override(message.get("lang") or "ja"):
        subject = "{title}: {body}".format(title=message["title"], body=message["body"])
        lines = [
            message["body"],
            "",
            _("整理券の状況はこちらで確認できます:"),
            message.get("url") or "",
            "",
            _("このメールは、整理券の画面でお知らせを申し込まれた方にお送りしています。"
              "整理券の受付が終わると、メールアドレスは削除され、お知らせも止まります。"),
            _("このメールには返信できません。"),
        ]
    return subject, "\n".join(lines)
