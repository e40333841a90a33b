"""E-mail to a citizen who gave an address: the confirmation when booked and the reminder
the day before — each with the calendar file (.ics) and the link
to the booking's page that can cancel it (the manage token in the link).

Sent in the booking's language. The confirmation runs from ``hooks.BOOKED`` (after commit; a
failure is logged by the hooks and never undoes the booking); reminders from
``services.reservation_remind_due`` (``madoguchi manage reservations_remind``, e.g. hourly).
"""

from __future__ import annotations

import contextvars
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from madoguchi.core.i18n import office_name
from madoguchi.core.timeutil import to_jst

from . import calendar_file, codes, hooks, selectors

log = logging.getLogger(__name__)

# The address the citizen used (set by the page that books, for the hook that mails after the
# commit); MADOGUCHI_PUBLIC_URL wins where it is set.
request_base: contextvars.ContextVar[str] = contextvars.ContextVar("reservation_mail_base", default="")


def page_url(reservation, *, token: bool = True) -> str:
    path = reverse("reservation-page", args=[reservation.code])
    base = settings.PUBLIC_URL or request_base.get() or "http://127.0.0.1:8000"
    url = f"{base.rstrip('/')}{path}"
    return f"{url}?token={reservation.manage_token}" if token else url


def _when(reservation) -> str:
    start, end = to_jst(reservation.start), to_jst(reservation.end)
    return f"{date_format(start, 'DATE_FORMAT')} {start:%H:%M}–{end:%H:%M}"


def _lines(reservation) -> list[str]:
    return [
        _("予約番号: %(code)s") % {"code": codes.display(reservation.code)},
        _("庁舎: %(office)s") % {"office": office_name(reservation.office)},
        _("ご用件: %(type)s") % {"type": selectors.type_name(reservation.type)},
        _("日時: %(when)s") % {"when": _when(reservation)},
    ]


def _send(reservation, subject: str, intro: str) -> None:
    if not reservation.email:
        return
    body = [intro, "", *_lines(reservation), "", _("予約の確認・取消:"), page_url(reservation), "",
            _("このメールは送信専用です。")]
    message = EmailMessage(subject=subject, body="\n".join(body), to=[reservation.email])
    message.attach(f"reservation-{reservation.code}.ics",
                   calendar_file.ics(reservation, url=page_url(reservation, token=False)), "text/calendar")
    message.send(fail_silently=False)


def send_confirmation(reservation) -> None:
    with translation.override(reservation.lang or settings.LANGUAGE_CODE):
        _send(reservation, _("【来庁予約】予約を受け付けました（%(code)s）") % {"code": codes.display(reservation.code)},
              _("来庁予約を受け付けました。当日は庁舎の発券機で予約のQRコード（予約の画面）をかざすか、予約番号を入力してください。"))


def send_reminder(reservation) -> None:
    with translation.override(reservation.lang or settings.LANGUAGE_CODE):
        _send(reservation, _("【来庁予約】明日のご予約のお知らせ（%(code)s）") % {"code": codes.display(reservation.code)},
              _("明日、次の来庁予約があります。都合が悪くなったときは、下のリンクから取り消してください。"))


def connect() -> None:
    """Called once from ReservationsConfig.ready."""
    hooks.subscribe(hooks.BOOKED, send_confirmation)
    # No mail of its own on a cancel: the citizen who cancels sees it on the page, and a slot
    # closed by a supervisor is told by staff_services with the reason.
