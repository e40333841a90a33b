"""The citizen's booking pages (来庁予約, phone first, both zones, six languages, no log-in).

Three steps, each a plain page that works without script but the last: the type → a day and
a time from the free slots → the confirmation (optional e-mail; the card's notice number and
birth date for a card pickup; the life event and the navigator's answers for a one-stop visit)
with the ALTCHA proof of work, whose widget (vendored) solves it in the browser. The result is
the booking's page, ``/r/<code>/``: the code read aloud, the QR the kiosk reads, the time, the
calendar file, and the cancel button. The code is the authority (as in the API); the e-mail's
link adds the booking's manage token.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

import segno
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from madoguchi.core.errors import ServiceError
from madoguchi.core.throttle import (
    RateLimited,
    check_rate,
    client_address,
    lookup_by_code,
    rate_limited_response,
)
from madoguchi.core.timeutil import JST, business_date, now, to_jst

from . import calendar_file, checkin, codes, selectors, services, slots
from .models import Availability, ReservationKind, ReservationStatus

# The services' refusals, in the citizen's language (their messages are Japanese).
MESSAGES = {
    "slot_full": gettext_lazy("選択した時間の予約枠は満席になりました。別の時間を選んでください。"),
    "slot_unavailable": gettext_lazy("選択した日時は予約を受け付けていません。空いている時間から選んでください。"),
    "card_notice_required": gettext_lazy("交付通知書の番号と生年月日を入力してください。"),
    "card_notice_unknown": gettext_lazy(
        "交付通知書の番号または生年月日が、受取の準備ができたカードと一致しません。通知書の番号と生年月日をお確かめください。"),
    "card_already_booked": gettext_lazy(
        "このカードの受取はすでに予約されています。予約を変更するときは、先に今の予約を取り消してください。"),
    "life_event_required": gettext_lazy("ワンストップの予約では、ライフイベント（転入・転出など）を選んでください。"),
    "invalid_birth_date": gettext_lazy("生年月日の形式が正しくありません。"),
    "invalid_email": gettext_lazy("メールアドレスの形式が正しくありません。"),
    "altcha_invalid": gettext_lazy("ロボットでないことの確認ができませんでした。もう一度「予約する」を押してください。"),
    "rate_limited": gettext_lazy("このネットワークからの予約が多すぎるため、しばらく予約を受け付けられません。時間をおいてもう一度お試しください。"),
    "reservation_started": gettext_lazy("予約の時刻を過ぎたため取り消せません。"),
    "reservation_not_booked": gettext_lazy("この予約はすでに取り消されたか、受付が済んでいます。"),
    "bad_manage_token": gettext_lazy("予約の変更・取消のリンクが正しくありません。"),
}


def message_for(exc: ServiceError) -> str:
    text = MESSAGES.get(exc.code)
    return str(text) if text is not None else exc.message


def _office(code: str):
    try:
        return services.office_by_code(code)
    except ServiceError:
        raise Http404 from None


def _type(office, type_code: str):
    try:
        return services.type_by_code(office, type_code)
    except ServiceError:
        raise Http404 from None


def _horizon(rtype) -> int:
    """How many days the type's schedule lets a citizen look ahead."""
    until = max((a.bookable_until_days for a in Availability.objects.filter(type=rtype)), default=0)
    return max(1, min(slots.MAX_DAYS, until + 1))


def _days(rtype, today: dt.date) -> dict[dt.date, list[dict]]:
    """Every bookable start of the coming weeks by day (full ones kept, with free 0)."""
    by_day: dict[dt.date, list[dict]] = {}
    for item in slots.bookable(rtype, first=today, days=_horizon(rtype)):
        by_day.setdefault(to_jst(item["start"]).date(), []).append(item)
    return by_day


def book_start(request, code):
    """Step 1: what to book."""
    office = _office(code)
    types = [(t, selectors.type_name(t)) for t in selectors.reservation_types(office)]
    return render(request, "reservations/book_types.html", {"office": office, "types": types})


def book_time(request, code, type_code):
    """Step 2: a day, then a time."""
    office = _office(code)
    rtype = _type(office, type_code)
    today = business_date()
    days = _days(rtype, today)
    chosen = None
    try:
        chosen = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        chosen = None
    if chosen not in days:
        chosen = None
    day_list = [{"date": d, "free": sum(s["free"] for s in items)} for d, items in sorted(days.items())]
    times = [{"start": to_jst(s["start"]), "end": to_jst(s["end"]), "free": s["free"]}
             for s in days.get(chosen, [])]
    return render(request, "reservations/book_time.html", {
        "office": office, "rtype": rtype, "type_name": selectors.type_name(rtype), "days": day_list,
        "chosen": chosen, "times": times, "minutes": _slot_minutes(rtype)})


def _slot_minutes(rtype) -> int:
    avail = Availability.objects.filter(type=rtype).first()
    return (avail.slot_minutes if avail else 30) * max(1, rtype.slots_needed or 1)


def _start_from(value: str) -> dt.datetime | None:
    try:
        start = dt.datetime.fromisoformat(str(value or "").replace(" ", "+"))
    except ValueError:
        return None
    return start if start.tzinfo else start.replace(tzinfo=JST)


def _life_events() -> list[dict]:
    try:
        from madoguchi.procedures import selectors as procedure_selectors
        from madoguchi.procedures.views import catalogue_lang
    except ImportError:
        return []
    from django.utils.translation import get_language

    return procedure_selectors.life_events(catalogue_lang(get_language()))


def book_confirm(request, code, type_code):
    """Step 3: the details, the proof of work, 「予約する」."""
    office = _office(code)
    rtype = _type(office, type_code)
    form = request.POST if request.method == "POST" else request.GET
    start = _start_from(form.get("start", ""))
    if start is None:
        return redirect(reverse("reserve-time", args=[office.code, rtype.code]))
    error = None
    if request.method == "POST":
        try:
            reservation = _book(request, office, rtype, start, form)
        except ServiceError as exc:
            error = message_for(exc)
        else:
            return redirect(reverse("reservation-page", args=[reservation.code]) + "?booked=1")
    end = start + dt.timedelta(minutes=_slot_minutes(rtype))
    return render(request, "reservations/book_confirm.html", {
        "office": office, "rtype": rtype, "type_name": selectors.type_name(rtype), "start": to_jst(start),
        "end": to_jst(end), "error": error, "form": form, "kinds": ReservationKind,
        "onestop_minutes": _slot_minutes(rtype) // max(1, rtype.slots_needed or 1) * max(1, rtype.max_slots),
        "life_events": _life_events() if rtype.kind == ReservationKind.ONESTOP else [],
        "navi_url": _navi_url(office.code),
        "challenge_url": reverse("api-v1:altcha_challenge"), "altcha_lang": _altcha_language(),
    }, status=422 if error else 200)


# The widget's own words (「私はロボットではありません」…) in the page's language: its i18n codes.
ALTCHA_LANGUAGES = {"ja": "ja", "en": "en", "zh-hans": "zh-cn", "ko": "ko", "vi": "vi", "pt-br": "pt-br"}


def _altcha_language() -> str:
    from django.utils.translation import get_language

    return ALTCHA_LANGUAGES.get(get_language() or "ja", "en")


def _navi_url(office_code: str) -> str | None:
    try:
        return reverse("navigator", args=[office_code])
    except Exception:  # noqa: BLE001 - a city without the navigator
        return None


def _answers(form) -> dict | None:
    life_event = (form.get("life_event") or "").strip()
    if not life_event:
        return None
    try:
        answers = json.loads(form.get("answers") or "{}")
    except ValueError:
        answers = {}
    if not isinstance(answers, dict):
        answers = {}
    return {**answers, "life_event": life_event}


def _book(request, office, rtype, start, form):
    from . import altcha  # the booking contract's proof of work (reservations/altcha.py)

    try:
        check_rate(request, "reserve", "address", client_address(request),
                   settings.THROTTLE.get("reserve", {}).get("address"))
    except RateLimited:
        raise ServiceError("rate limited", code="rate_limited", status=429) from None
    altcha.verify(form.get("altcha"))
    email = (form.get("email") or "").strip()
    if email:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise ServiceError("invalid e-mail", code="invalid_email", status=422) from None
    from . import mail

    mail.request_base.set(request.build_absolute_uri("/").rstrip("/"))
    return services.reservation_book(
        actor=services.CITIZEN, office=office, type_code=rtype.code, start=start, email=email or None,
        lang=getattr(request, "LANGUAGE_CODE", None),
        answers=_answers(form) if rtype.kind == ReservationKind.ONESTOP else None,
        notice_number=(form.get("notice_number") or None) if rtype.kind == ReservationKind.CARD_PICKUP else None,
        birth_date=(form.get("birth_date") or None) if rtype.kind == ReservationKind.CARD_PICKUP else None)


# ---------------------------------------------------------------- the booking's page


def _reservation(request, code: str):
    """The booking of ``code``; an address that keeps trying codes that do not exist is refused
    (RateLimited) before the look-up, whatever the code."""
    reservation = lookup_by_code(request, selectors.LOOKUP_SCOPE, lambda: selectors.reservation_by_code(code))
    if reservation is None:
        raise Http404
    return reservation


def _guarded(view):
    """A page that looks a booking up by its code: past the misses' limit, the 429 page."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except RateLimited as exc:
            return rate_limited_response(request, exc)
    return wrapper


def qr_svg(reservation) -> str:
    """What the kiosk reads: ``RSV:`` and the code (QR alphanumeric mode)."""
    return segno.make(f"{codes.QR_PREFIX}{reservation.code}", error="m").svg_inline(scale=6, border=2, omitsize=True)


@_guarded
def reservation_page(request, code):
    reservation = _reservation(request, code)
    if reservation.code != code:  # typed as read aloud (abcd-2345): one address per booking
        return redirect(reverse("reservation-page", args=[reservation.code]))
    window = checkin.window(reservation)
    at = now()
    procedures = _procedure_names(reservation)
    return render(request, "reservations/reservation.html", {
        "reservation": reservation, "office": reservation.office,
        "type_name": selectors.type_name(reservation.type), "start": to_jst(reservation.start),
        "end": to_jst(reservation.end), "opens": to_jst(window.opens), "closes": to_jst(window.closes),
        "qr_svg": qr_svg(reservation), "booked": reservation.status == ReservationStatus.BOOKED,
        "cancellable": reservation.status == ReservationStatus.BOOKED and reservation.start > at,
        "just_booked": request.GET.get("booked") == "1", "token": request.GET.get("token", "")[:64],
        "procedures": procedures, "statuses": ReservationStatus,
        "cancelled": request.GET.get("cancelled") == "1",
    })


def _procedure_names(reservation) -> list[str]:
    if not reservation.procedures:
        return []
    try:
        from madoguchi.procedures import selectors as procedure_selectors
        from madoguchi.procedures.engine import text
        from madoguchi.procedures.views import catalogue_lang
    except ImportError:
        return list(reservation.procedures)
    from django.utils.translation import get_language

    lang = catalogue_lang(get_language())
    out = []
    for code in reservation.procedures:
        info = procedure_selectors.procedure(str(code), to_jst(reservation.start).date()) or {}
        out.append(text(info.get("name"), lang) if info.get("name") else str(code))
    return out


@require_POST
@_guarded
def reservation_cancel(request, code):
    reservation = _reservation(request, code)
    token = request.POST.get("token") or None
    try:
        services.reservation_cancel(actor=services.CITIZEN, code=reservation.code, token=token)
    except ServiceError as exc:
        return render(request, "reservations/reservation_error.html",
                      {"message": message_for(exc), "reservation": reservation}, status=exc.status)
    return redirect(reverse("reservation-page", args=[reservation.code]) + "?cancelled=1")


@_guarded
def reservation_ics(request, code):
    reservation = _reservation(request, code)
    body = calendar_file.ics(reservation, url=request.build_absolute_uri(
        reverse("reservation-page", args=[reservation.code])))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reservation-{reservation.code}.ics"'
    return response

