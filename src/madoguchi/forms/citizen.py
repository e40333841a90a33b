"""The citizen's move form (住所異動の事前入力): the public side, no log-in, phone first.

Like the navigator, the page is a shell: the browser keeps the draft in its own storage, looks
postcodes up through ``GET /api/v1/postcodes/{zip7}`` (a postcode is not personal data) and
seals the form into the hand-over QR with the office's public key (handover/seal.js). The page
sends no name, address, birth date or phone number to any server. There is no field for the
個人番号. Texts are gettext (citizen languages: ja, en, zh_Hans, ko, vi, pt_BR).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from madoguchi.core.i18n import html_lang
from madoguchi.core.timeutil import business_date
from madoguchi.queueing import public_state

from . import data

KEYS_URL = "/api/v1/handover/keys"
POSTCODE_URL = "/api/v1/postcodes/"
DRAFT_DAYS = 7


def relationship_labels() -> dict[str, str]:
    """The navigator's labels (the same msgids: one translation)."""
    return {
        "head": pgettext("relationship", "世帯主（ご本人）"), "spouse": pgettext("relationship", "配偶者"),
        "child": pgettext("relationship", "子"), "parent": pgettext("relationship", "親"),
        "grandparent": pgettext("relationship", "祖父母"), "grandchild": pgettext("relationship", "孫"),
        "sibling": pgettext("relationship", "兄弟姉妹"), "other": pgettext("relationship", "その他"),
    }


def citizen_texts() -> dict:
    """Every text citizen.js shows (never written in the script)."""
    return {
        "lang": html_lang(),
        "required": _("入力してください。"),
        "kanaInvalid": _("ふりがなは、ひらがなかカタカナで入力してください。"),
        "dateInvalid": _("日付が正しくありません。年・月・日を数字で入力してください。"),
        "eraRange": _("この元号にない日付です。元号と年を確かめてください。"),
        "birthFuture": _("生年月日が今日より後になっています。"),
        "moveDateRange": _("引越しの日は、今日の前後1年以内の日付を入力してください。"),
        "phoneInvalid": _("電話番号は0から始まる10桁か11桁の数字で入力してください。"),
        "emailInvalid": _("メールアドレスの形式が正しくありません。"),
        "postcodeInvalid": _("郵便番号は7桁の数字で入力してください。"),
        "postcodeNotFound": _("この郵便番号の住所が見つかりません。番号を確かめるか、住所を入力してください。"),
        "postcodeFailed": _("住所を検索できませんでした。住所を入力してください。"),
        "postcodeFound": _("住所を入力しました。番地と建物名を続けて入力してください。"),
        "pickTown": _("町名を選んでください"),
        "addressRequired": _("都道府県・市区町村・町名を入力してください。"),
        "headRelationship": _("世帯主の方は続柄を「世帯主（ご本人）」にしてください。"),
        "noMembers": _("世帯の方を1人以上入力してください。"),
        "tooMany": _("一度に届け出できるのは{n}人までです。"),
        "fixErrors": _("入力内容を確認してください（{n}か所）。"),
        "member": _("{n}人目"),
        "removeMember": _("この人を削除"),
        "removeConfirm": _("{n}人目の方の入力を消しますか？"),
        "relationships": relationship_labels(),
        "kinds": {"tennyu": _("転入"), "tenshutsu": _("転出"), "tenkyo": _("転居")},
        "sexes": {"male": _("男"), "female": _("女"), "unspecified": _("その他・回答しない")},
        "head": _("世帯主"),
        "abroad": _("国外"),
        "none": _("なし"),
        "draftRestored": _("前回の入力を復元しました（{date}に保存）。"),
        "fromNavigator": _("手続きナビの回答（続柄・生年月日・引越しの日）を入力しました。"),
        "handoverTitle": _("窓口でこのQRコードをお見せください"),
        "handoverHint": _("入力した内容は暗号化されてこのQRコードに入っています。市のサーバーには送られていません。"),
        "handoverExpires": _("有効期限 {time}"),
        "handoverFailed": _("QRコードを作れませんでした。この画面を窓口でお見せください。"),
        "splitHint": _("QRコードが{m}つに分かれています。窓口で1つずつ読み取ってもらい、「次のQRコード」を押してください。"),
        "partOf": _("{n}/{m}つ目"),
        "nextCode": _("次のQRコード"),
        "prevCode": _("前のQRコード"),
        "doneConfirm": _("この端末に保存した届出の内容を消しますか？"),
        "forgotten": _("届出の内容をこの端末から消しました。"),
        "loading": _("読み込んでいます…"),
    }


def _url_or_none(name: str, code: str) -> str | None:
    try:
        return reverse(name, kwargs={"code": code})
    except NoReverseMatch:
        return None


def citizen_form(request, code):
    """住所異動の届出の事前入力 (public, no log-in). The server sees nothing typed here."""
    office = public_state.get_office(code)
    if office is None:
        raise Http404
    return render(request, "forms/citizen_form.html", {
        "office": office, "texts": citizen_texts(), "keys_url": KEYS_URL,
        "postcode_url": POSTCODE_URL, "today": business_date().isoformat(),
        "navigator_url": _url_or_none("navigator", code), "draft_days": DRAFT_DAYS,
        "relationships": relationship_labels(), "max_members": data.MAX_MEMBERS,
        "addresses": [("old_address", _("引越し前の住所"), _("国外から引越してきた")),
                      ("new_address", _("引越し後の住所"), _("国外へ引越す"))],
        "lang": translation.to_locale(request.LANGUAGE_CODE),  # as the navigator's: ja, en, pt_BR …
    })
