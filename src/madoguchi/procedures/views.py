"""Navigator screens (手続きナビ): the citizen's phone, the office kiosk, the clerk's interview.

The citizen's answers never reach the public server (issue 9 §5). The citizen page is a
shell: the browser fetches the public catalogue (``GET /api/v1/procedures/catalogue``, nothing
personal), determines there (``static/madoguchi/procedures/engine.js``), keeps the draft in the
browser's own storage and seals the answers for the counter into a QR code
(``static/madoguchi/handover/seal.js``) with the office's public key. The page makes no
request that carries an answer.

Only screens inside the office send answers, to the internal side, to open a one-stop case:
the kiosk (the visitor takes a ticket for the first counter; the case code is printed on it)
and the clerk's interview (聞き取り). Both run the same browser code (``navi.js``) in another
mode; the server determines again with the Python engine before it opens the case.
"""

from __future__ import annotations

import json
from dataclasses import replace

import segno
from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from madoguchi.core.actors import SYSTEM, Actor, actor_for_token
from madoguchi.core.auth import DEVICE_SESSION_KEY, device_actor, remember_device
from madoguchi.core.errors import ServiceError
from madoguchi.core.i18n import html_lang
from madoguchi.core.throttle import limit
from madoguchi.core.timeutil import business_date, to_jst
from madoguchi.queueing import public_state
from madoguchi.queueing import selectors as queue_selectors
from madoguchi.queueing import services as queue_services
from madoguchi.queueing.views.common import office_or_404

CATALOGUE_URL = "/api/v1/procedures/catalogue"
KEYS_URL = "/api/v1/handover/keys"
# Life events' answers sent by the kiosk and the interview are small; anything larger is not ours.
MAX_BODY = 64 * 1024


def catalogue_lang(code: str | None = None) -> str:
    """The catalogue's key for a Django language code (``zh-hans`` → ``zh_Hans``, ``pt-br`` → ``pt_BR``)."""
    return translation.to_locale(code or translation.get_language() or settings.LANGUAGE_CODE)


def navigator_texts() -> dict:
    """Every text navi.js shows, in the active language (never hard-coded in the script)."""
    return {
        "lang": html_lang(),
        "pickEvent": _("どのような手続きですか"),
        "pickEventHint": _("当てはまるものを選んでください。質問に答えると、必要な手続きと持ち物がわかります。"),
        "sample": _("見本の手続き一覧です"),
        "loading": _("読み込んでいます…"),
        "loadFailed": _("手続きの一覧を読み込めませんでした。時間をおいて、もう一度お試しください。"),
        "retry": _("再読み込み"),
        "question": _("質問"),
        "answered": _("回答済み"),
        "change": _("変更"),
        "yes": _("はい"),
        "no": _("いいえ"),
        "unknown": _("わからない"),
        "next": _("次へ"),
        "back": _("前の質問へ"),
        "showResult": _("結果を見る"),
        "restart": _("最初からやり直す"),
        "restartConfirm": _("入力した回答を消して、最初からやり直しますか？"),
        "required": _("入力してください。わからない場合は「わからない」を選んでください。"),
        "numberInvalid": _("0以上の数字を入力してください。"),
        "member": _("{n}人目"),
        "relationship": _("続柄"),
        "birthDate": _("生年月日"),
        "birthUnknown": _("生年月日がわからない"),
        # 和暦 entry of a birth date (offered on the Japanese page)
        "warekiInput": _("和暦で入力する"),
        "era": pgettext("wareki", "元号"),
        "eraYear": pgettext("wareki", "年"),
        "eraMonth": pgettext("wareki", "月"),
        "eraDay": pgettext("wareki", "日"),
        "eras": {"reiwa": pgettext("wareki", "令和"), "heisei": pgettext("wareki", "平成"),
                 "showa": pgettext("wareki", "昭和"), "taisho": pgettext("wareki", "大正")},
        "addMember": _("人を追加"),
        "removeMember": _("この人を削除"),
        "householdEmpty": _("世帯の人を1人以上入力してください。"),
        "birthRequired": _("生年月日を入力するか「生年月日がわからない」を選んでください。"),
        "ageYears": _("{n}歳"),
        "people": _("{n}人"),
        "listSeparator": _("、"),
        "relationships": {
            "head": pgettext("relationship", "世帯主（ご本人）"), "spouse": pgettext("relationship", "配偶者"),
            "child": pgettext("relationship", "子"), "parent": pgettext("relationship", "親"),
            "grandparent": pgettext("relationship", "祖父母"), "grandchild": pgettext("relationship", "孫"),
            "sibling": pgettext("relationship", "兄弟姉妹"), "other": pgettext("relationship", "その他"),
        },
        "resultTitle": _("必要な手続き"),
        "resultSummary": _("{n}件の手続きがあります。"),
        "toCheckSummary": _("うち{n}件は「要確認」です。窓口で確認します。"),
        "noProcedures": _("この回答で必要な手続きは見つかりませんでした。窓口でご相談ください。"),
        "toCheck": _("要確認"),
        "toCheckWhat": _("確認すること"),
        "why": _("対象となる理由"),
        "documents": _("持ち物"),
        "deadline": _("期限"),
        "deadlineRule": _("{date}（{rule}）"),
        "fee": _("手数料"),
        "online": _("オンラインでも手続きできます"),
        "notes": _("備考"),
        "law": _("根拠"),
        "otherPlaces": _("窓口以外の手続き"),
        "handoverTitle": _("窓口でこのQRコードをお見せください"),
        "handoverJump": _("窓口でお見せするQRコードへ"),
        "handoverHint": _("回答は暗号化されてこのQRコードに入っています。市のサーバーには送られていません。"),
        "handoverExpires": _("有効期限 {time}"),
        "handoverExpired": _("QRコードの有効期限が切れました。作り直してください。"),
        "handoverRemake": _("QRコードを作り直す"),
        "handoverFailed": _("QRコードを作れませんでした。この画面を窓口でお見せください。"),
        "print": _("印刷する"),
        "editAnswers": _("回答を見直す"),
        "forget": _("この端末から回答を消す"),
        "forgetHint": _("窓口での受付が済んだら、回答を消してください。"),
        "forgetConfirm": _("この端末に保存した回答を消しますか？"),
        "forgotten": _("回答を消しました。"),
        "draftKept": _("回答はこの端末のブラウザーだけに保存されます。"),
        "printedOn": _("作成日 {date}"),
        # the move form (forms/): ワンスオンリー between the two pages, and codes in turn
        "prepareForm": _("届出書を準備する"),
        "prepareFormHint": _("氏名・住所などを入力しておくと、窓口で届出書を書かずに済みます（この端末の中だけに保存されます）。"),
        "formIncluded": _("届出書の内容（{n}人分）もこのQRコードに入っています。"),
        "splitHint": _("QRコードが{m}つに分かれています。窓口で1つずつ読み取ってもらい、「次のQRコード」を押してください。"),
        "partOf": _("{n}/{m}つ目"),
        "nextCode": _("次のQRコード"),
        "prevCode": _("前のQRコード"),
        # kiosk (inside the office)
        "kioskIssue": _("番号札を発券する"),
        "kioskIssueHint": _("最初の窓口の番号札が出ます。この番号札で、ほかの窓口でも手続きの内容が引き継がれます。"),
        "kioskIssuing": _("発券しています…"),
        "kioskFailed": _("発券できませんでした。職員にお声がけください。"),
        # interview (a staff screen: always Japanese)
        "createCase": _("案件を作成"),
        "creatingCase": _("案件を作成しています…"),
        "caseFailed": _("案件を作成できませんでした。"),
    }


def _url_or_none(name: str, code: str) -> str | None:
    try:
        return reverse(name, kwargs={"code": code})
    except NoReverseMatch:  # the cases app is not installed
        return None


def _office_or_404(code: str):
    office = public_state.get_office(code)
    if office is None:
        raise Http404
    return office


def _page(request, office, *, mode: str, extra: dict | None = None):
    context = {
        "office": office, "mode": mode, "texts": navigator_texts(),
        "catalogue_url": CATALOGUE_URL, "keys_url": KEYS_URL,
        "catalogue_lang": catalogue_lang(request.LANGUAGE_CODE),
        "today": business_date().isoformat(),
        **(extra or {}),
    }
    return render(request, f"procedures/navigator_{mode}.html", context)


def navigator(request, code):
    """The citizen's navigator (public, no log-in). The server sees no answer."""
    return _page(request, _office_or_404(code), mode="citizen",
                 extra={"form_url": _url_or_none("citizen-form", code)})


def kiosk_navigator(request, code):
    """The navigator on the office's kiosk: big buttons, receipt print, a ticket at the end.

    Like the kiosk's menu, a device key given once (``?device=``) registers this browser as the
    office's kiosk; a browser that is not the kiosk (nor staff of the office) is refused.
    """
    office = office_or_404(code)
    device_key = request.GET.get("device")
    if device_key:
        actor = actor_for_token(device_key)
        if actor is not None and actor.kind == "kiosk" and actor.device_office_id == office.pk:
            remember_device(request, actor)
            query = request.GET.copy()
            query.pop("device")
            return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    if device_actor(request, office.pk, kind="kiosk") is None:
        return render(request, "core/forbidden.html", {
            "office": office, "code": "forbidden_device",
            "message": _("この端末は発券機として登録されていません。職員にお声がけください。")}, status=403)
    return _page(request, office, mode="kiosk", extra={"issue_url": _url_or_none("navi-kiosk-issue", code)})


def interview(request, code):
    """The clerk's interview (聞き取り, 北見方式): the same questions, fast with the keyboard."""
    ticket = queue_selectors.get_ticket(request.GET.get("ticket", "")[:32])
    if ticket is not None and ticket.office_id != request.office.pk:
        ticket = None
    return _page(request, request.office, mode="interview",
                 extra={"case_url": _url_or_none("interview-case", code), "ticket": ticket})


# ---------------------------------------------------------------- opening a case from inside


def _read_answers(request) -> tuple[str, dict]:
    if len(request.body) > MAX_BODY:
        raise ServiceError("回答が大きすぎます。", code="answers_too_large", status=413)
    try:
        if request.content_type == "application/json":
            data = json.loads(request.body or b"{}")
        else:  # a plain form post: the answers as one JSON field
            data = {"life_event": request.POST.get("life_event"),
                    "answers": json.loads(request.POST.get("answers") or "null")}
    except ValueError as exc:
        raise ServiceError("回答を読み取れませんでした。", code="bad_request") from exc
    life_event, answers = data.get("life_event"), data.get("answers")
    if not isinstance(life_event, str) or not isinstance(answers, dict):
        raise ServiceError("ライフイベントと回答が必要です。", code="bad_request")
    return life_event, answers


def first_category(result: dict, office_categories: set[str]) -> str | None:
    """The counter category the visitor goes to first: the first procedure that applies (then
    the first to check) whose category this office serves."""
    for status in ("applies", "to_check"):
        for item in result.get("procedures", []):
            if item.get("status") == status and item.get("category") in office_categories:
                return item["category"]
    return None


def _kiosk_device(request, **_kwargs) -> str | None:
    token_id = request.session.get(DEVICE_SESSION_KEY["kiosk"])
    if token_id:
        return f"token:{token_id}"
    return f"user:{request.user.pk}" if request.user.is_authenticated else None


def _case_url(office_code: str, case_code: str) -> str | None:
    try:
        return reverse("case-page", kwargs={"code": office_code, "case_code": case_code})
    except NoReverseMatch:
        return None


def _kiosk_opener(actor: Actor) -> Actor:
    """Who opens the kiosk's case: the kiosk itself may not open cases (a device is no clerk),
    but this one route, checked as the office's kiosk and tied to the ticket it just issued,
    opens one on its behalf; the case's history and the audit log name the kiosk."""
    if actor.kind != "kiosk":
        return actor
    return replace(SYSTEM, label=f"発券機 {actor.label}")


@require_POST
@limit("issue", device=_kiosk_device)
def kiosk_issue(request, code):
    """The kiosk's 「番号札を発券する」: a ticket for the first counter and a case on it.

    One tap = one ticket (an Idempotency-Key per tap, as on the kiosk's menu); a repeated
    tap answers the same ticket and its case, and opens nothing new.
    """
    from madoguchi.cases import selectors as case_selectors
    from madoguchi.cases import services as case_services

    from . import selectors

    office, actor = request.office, request.actor
    try:
        life_event, answers = _read_answers(request)
        result = selectors.determine(life_event=life_event, answers=answers,
                                     lang=catalogue_lang(request.LANGUAGE_CODE))
        categories = set(office.categories.filter(is_active=True).values_list("code", flat=True))
        category = first_category(result, categories)
        if category is None:
            raise ServiceError(_("この手続きの番号札はここでは発行できません。職員にお声がけください。"),
                               code="no_counter", status=409)
        if not request.session.session_key:
            request.session.save()
        ticket = queue_services.ticket_issue(
            actor=actor, office_code=office.code, category_code=category,
            idempotency_key=request.headers.get("Idempotency-Key") or None,
            device=f"session:{request.session.session_key}")
        case = case_selectors.case_for_ticket(ticket.public_id) if ticket.replayed else None
        if case is None:
            case = case_services.case_open(actor=_kiosk_opener(actor), office=office,
                                           life_event=life_event, answers=answers, source="kiosk",
                                           ticket_id=ticket.public_id,
                                           lang=catalogue_lang(request.LANGUAGE_CODE))
    except ServiceError as exc:
        return render(request, "procedures/_kiosk_error.html", {"message": exc.message},
                      status=exc.status)
    from madoguchi.queueing.api import status_url

    url = status_url(request, ticket)
    if getattr(request, "language_chosen", None):
        url += f"?lang={request.language_chosen}"
    status = queue_selectors.ticket_status(ticket)
    return render(request, "procedures/_kiosk_ticket.html", {
        "office": office, "ticket": ticket, "case": case, "ahead": status["waiting_ahead"], "status": status,
        "issued_at": to_jst(ticket.issued_at), "status_url": url,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=4, border=2),
        "result": result,
    }, status=200 if ticket.replayed else 201)


@require_POST
def interview_case(request, code):
    """「案件を作成」 on the interview screen: open the case with the answers heard."""
    from madoguchi.cases import services as case_services

    try:
        life_event, answers = _read_answers(request)
        ticket = (request.GET.get("ticket") or "")[:64] or None
        case = case_services.case_open(actor=request.actor, office=request.office,
                                       life_event=life_event, answers=answers,
                                       source="interview", ticket_id=ticket)
    except ServiceError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"code": case.code, "url": _case_url(code, case.code)}, status=201)
