"""The JSON API at /api/v1 (OpenAPI at /api/v1/openapi.json), one error shape throughout."""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.signals import got_request_exception
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from madoguchi.core import permissions
from madoguchi.core.errors import ServiceError
from madoguchi.core.throttle import RateLimited
from madoguchi.core.timeutil import to_jst
from madoguchi.forecasting.api import router as forecast_router
from madoguchi.forms.postcode_api import router as postcodes_router
from madoguchi.handover.api import router as handover_router
from madoguchi.notices.api import router as notices_router
from madoguchi.opendata.api import router as opendata_router
from madoguchi.procedures.api import router as procedures_router
from madoguchi.queueing.api import router as queue_router
from madoguchi.reservations.api import router as reservations_router
from madoguchi.reservations.checkin_api import router as checkin_router

logger = logging.getLogger("django.request")

class JSTEncoder(NinjaJSONEncoder):
    """Every time in an answer is ISO 8601 in Japan time (``…+09:00``), never ``Z`` (docs/api.md)."""

    def default(self, o):
        if isinstance(o, dt.datetime) and o.tzinfo is not None:
            return to_jst(o).isoformat()
        return super().default(o)


class JSTRenderer(JSONRenderer):
    encoder_class = JSTEncoder
    # UTF-8 as is, not \uXXXX escapes: Japanese text is half the bytes on a citizen's phone.
    json_dumps_params = {"ensure_ascii": False}


# Answers every operation may give before its own code runs (core/middleware.py's request
# guard, the upload limit): documented once here rather than on each operation.
GUARD_RESPONSES = {
    422: "入力内容に誤りがあります（NUL 文字など、受け付けられない文字を含む）。",
}
BODY_RESPONSES = {
    413: "送信された内容が大きすぎます（DATA_UPLOAD_MAX_MEMORY_SIZE を超えています）。",
}


class MadoguchiAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """The operation's URL name: the key of its row in core/permissions.py."""
        return permissions.operation_name(operation)

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                extra = dict(GUARD_RESPONSES)
                if method in ("post", "put", "patch"):
                    extra.update(BODY_RESPONSES)
                for status, description in extra.items():
                    operation["responses"].setdefault(
                        status, {"description": description, "content": error})
        return schema


api = MadoguchiAPI(title="Madoguchi API", version="1", urls_namespace="api-v1", renderer=JSTRenderer(),
                   description="書かない・待たない・回らない窓口 — queue, board and tickets.")


def _error(request, status: int, code: str, message: str, detail=None):
    return api.create_response(request, {"code": code, "message": message, "detail": detail},
                               status=status)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return _error(request, exc.status, exc.code, exc.message, exc.detail)


@api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    response = _error(request, 429, exc.code, exc.message, exc.detail)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return _error(request, 401, "unauthorized",
                  "認証が必要です。トークンまたはログイン情報を確認してください。")


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return _error(request, 422, "invalid_request", "入力内容に誤りがあります。", exc.errors)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", "見つかりません。")


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc):
    return _error(request, 413, "too_large", "送信された内容が大きすぎるため受け付けられませんでした。",
                  f"The limit is {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")


@api.exception_handler(Exception)
def server_error(request, exc):
    """A bug: logged with its trace, answered in the error shape (never Django's HTML)."""
    logger.error("API error on %s", request.path, exc_info=exc)
    got_request_exception.send(sender=None, request=request)  # the test client re-raises it
    return _error(request, 500, "server_error",
                  "システムでエラーが発生しました。しばらくしてからもう一度お試しください。")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if exc.status_code == 400:
        # django-ninja's "Cannot parse request body": a malformed body is bad input like any other.
        return _error(request, 422, "invalid_request",
                      "入力内容を読み取れませんでした。JSON 形式で送信してください。", str(exc))
    return _error(request, exc.status_code, "http_error", "リクエストを処理できませんでした。", str(exc))


api.add_router("/", queue_router)
api.add_router("/", opendata_router)
api.add_router("/", notices_router)
api.add_router("/", handover_router)
api.add_router("/", procedures_router)
api.add_router("/", postcodes_router)
api.add_router("/", reservations_router)
api.add_router("/", checkin_router)
api.add_router("/", forecast_router)
if settings.ROLE != "public":  # cases hold personal data: never on the internet side
    from madoguchi.cases.api import router as cases_router
    from madoguchi.dx.api import router as dx_router  # the DX office: city hall's own network
    from madoguchi.dx.kpi_api import router as dx_kpis_router
    from madoguchi.forms.api import router as forms_router

    api.add_router("/", cases_router)
    api.add_router("/", forms_router)
    api.add_router("/", dx_router)       # paper use
    api.add_router("/", dx_kpis_router)  # KPIs
# Who may call each operation: its row in core/permissions.py (refused without one).
permissions.bind_api(api)
