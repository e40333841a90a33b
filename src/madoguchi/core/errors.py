"""One error shape for the whole system: ``{"code", "message", "detail"}``.

``code`` is stable and meant for programs; ``message`` is Japanese and meant
for people (a clerk or a citizen sees it as is).
"""

from typing import Any


class ServiceError(Exception):
    """A refusal that a user can understand. Never a bug."""

    status = 400
    code = "bad_request"
    message = "リクエストを処理できませんでした。"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 detail: Any = None, status: int | None = None):
        self.message = message or self.message
        self.code = code or self.code
        self.detail = detail
        if status is not None:
            self.status = status
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    message = "見つかりません。"


class Conflict(ServiceError):
    """An illegal transition or a state that forbids the action (HTTP 409)."""

    status = 409
    code = "conflict"
    message = "現在の状態ではこの操作はできません。"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"
    message = "認証が必要です。トークンまたはログイン情報を確認してください。"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    message = "この操作を行う権限がありません。"


class Busy(ServiceError):
    """The database stayed locked after retries; the user may simply retry."""

    status = 503
    code = "busy"
    message = "混み合っています。もう一度お試しください。"
