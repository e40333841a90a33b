"""Error answers in one place: the JSON error shape under ``/api/``, a styled page elsewhere.

Django's own error views answer in bare English HTML, which a citizen at the kiosk or a program
calling the API cannot use. The URLconf points ``handler400/403/404/500`` here, settings point
``CSRF_FAILURE_VIEW`` here, and the API's exception handlers and the request guard
(``core.middleware``) answer through :func:`error_response`, so every refusal looks the same:
``{"code", "message", "detail"}`` for programs, a page of the site in the visitor's language for
people, and an htmx fragment for a screen that swaps the answer into itself (the kiosk).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy

from .i18n import is_staff_path

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

# code -> (title, message) in Japanese first; citizen pages show them in their language.
TEXTS = {
    "bad_request": (gettext_lazy("リクエストを処理できませんでした"),
                    gettext_lazy("送信された内容を読み取れませんでした。もう一度最初からお試しください。")),
    "invalid_request": (gettext_lazy("リクエストを処理できませんでした"),
                        gettext_lazy("入力内容に使用できない文字が含まれています。")),
    "forbidden": (gettext_lazy("権限がありません"),
                  gettext_lazy("このページを表示する権限がありません。")),
    "csrf_failed": (gettext_lazy("画面の有効期限が切れました"),
                    gettext_lazy("ページを読み込み直してから、もう一度操作してください。")),
    "not_found": (gettext_lazy("ページが見つかりません"),
                  gettext_lazy("URL が正しいかご確認ください。")),
    "too_large": (gettext_lazy("送信された内容が大きすぎます"),
                  gettext_lazy("送信された内容が大きすぎるため受け付けられませんでした。")),
    "rate_limited": (gettext_lazy("混み合っています"),
                     gettext_lazy("短い時間に操作が集中したため、受付を一時的に止めています。")),
    "server_error": (gettext_lazy("エラーが発生しました"),
                     gettext_lazy("システムでエラーが発生しました。しばらくしてからもう一度お試しください。")),
}


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(request, status: int, code: str, message: str | None = None, *,
                   detail=None, headers: dict | None = None, retry_after: int | None = None):
    """The answer for a refusal: JSON under /api/, else a page (or an htmx fragment)."""
    title, default_message = TEXTS.get(code, TEXTS["bad_request"])
    headers = dict(headers or {})
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if is_api(request):
        # The API's messages are Japanese whatever the caller's Accept-Language (DESIGN.md).
        with translation.override(settings.LANGUAGE_CODE):
            message = str(message or default_message)
        response = JsonResponse({"code": code, "message": message, "detail": detail}, status=status,
                                json_dumps_params={"ensure_ascii": False})
    else:
        message = str(message or default_message)
        template = ("core/_error_fragment.html" if request.headers.get("HX-Request")
                    else "core/error.html")
        context = {"code": code, "title": str(title), "message": message,
                   "retry_after": retry_after,
                   "show_languages": not is_staff_path(request.path_info)}
        response = HttpResponse(render_to_string(template, context, request=request), status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, 413, "too_large")
    return error_response(request, 400, "bad_request")


def permission_denied(request, exception=None):
    return error_response(request, 403, "forbidden")


def page_not_found(request, exception=None):
    return error_response(request, 404, "not_found")


def csrf_failure(request, reason=""):
    return error_response(request, 403, "csrf_failed")


def server_error(request):
    """A bug or a broken dependency: still the site's page (or JSON), never a trace.

    The page needs no database: if even rendering fails (the database is down and the
    page asks for the session), a plain Japanese page goes out instead."""
    try:
        return error_response(request, 500, "server_error")
    except Exception:  # noqa: BLE001 - the last resort must not raise
        logger.exception("error page failed")
        title, message = TEXTS["server_error"]
        return HttpResponse(f"<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>{title}"
                            f"</title><h1>{title}</h1><p>{message}</p></html>", status=500)


__all__ = ["bad_request", "csrf_failure", "error_response", "page_not_found",
           "permission_denied", "server_error"]
