"""Why a hand-over is refused: one stable code each, a Japanese message for the clerk."""

from __future__ import annotations

from madoguchi.core.errors import ServiceError

MESSAGES = {
    "handover_unrecognised": "引継ぎQRコードではありません。手続きナビの結果画面に表示された"
                             "QRコードを読み取ってください。",
    "handover_truncated": "引継ぎQRコードを最後まで読み取れませんでした（途中で切れています）。"
                          "もう一度読み取ってください。",
    "handover_tampered": "引継ぎQRコードの内容が壊れているか、書き換えられています。もう一度読み取るか、"
                         "市民の方にQRコードを作成し直してもらってください。",
    "handover_unknown_key": "この引継ぎQRコードを開く鍵がこのシステムにありません（別の市・庁舎向けに"
                            "作成されたか、鍵が削除されています）。作成した庁舎をご確認ください。",
    "handover_expired": "この引継ぎQRコードは有効期限が切れています。市民の方にQRコードを作成し直して"
                        "もらってください。",
    "handover_invalid": "引継ぎQRコードは正しく暗号化されていますが、内容の形式が正しくありません。",
}


class HandoverRefused(ServiceError):
    """A hand-over that is not opened (HTTP 422). Nothing is stored when it is raised."""

    status = 422

    def __init__(self, code: str, *, message: str | None = None, detail=None):
        super().__init__(message or MESSAGES[code], code=code, detail=detail)


class HandoverKeyUnavailable(ServiceError):
    """The office's private key cannot be read: the operator's set-up, not the citizen's QR."""

    status = 503
    code = "handover_key_unavailable"
    message = ("引継ぎQRコードを開く鍵を読み出せません。管理者に連絡してください"
               "（MADOGUCHI_HANDOVER_KEY または MADOGUCHI_SECRET_KEY が鍵の作成時と異なります）。")
