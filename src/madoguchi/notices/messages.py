"""Notice texts in the subscriber's language (Japanese first, every string through gettext)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from madoguchi.core.i18n import counter_label, supported


def normalize_lang(value: str | None) -> str:
    """The subscriber's language as one of settings.LANGUAGES; Japanese when unknown."""
    return supported(value) or settings.LANGUAGE_CODE


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
            minutes = int(status.get("wait_minutes") or 0)
            if ahead <= 0:
                body = _("次にお呼びします（{number}番）").format(number=number)
            elif minutes > 0:  # the P50 the ticket page shows (queueing/estimates.py)
                body = _("あと{n}人・約{m}分で順番です（{number}番）").format(n=ahead, m=minutes, number=number)
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
