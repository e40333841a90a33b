"""Staff screens of reservations (internal side only; Japanese only): the day's bookings by slot
with their procedures and the 準備済 tick, a supervisor's change of a slot, the card list import
and the card preparation list (PDF and CSV) to print.

Who may open them is declared in core/permissions.py (``request.office`` and ``request.actor``
are set before the view runs); the services check the office and role again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.core.errors import NotFound, ServiceError
from madoguchi.core.models import ROLE_RANK, Role
from madoguchi.core.timeutil import JST, business_date

from . import staff_selectors, staff_services
from .models import CardNotice, CardNoticeHash, ReservationType

WEEKDAYS_JA = "月火水木金土日"
MAX_UPLOAD = 20 * 1024 * 1024


def _day(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date") or request.POST.get("date") or "")
    except ValueError:
        return business_date()


def _is_supervisor(actor, office) -> bool:
    role = actor.role_at(office.pk)
    return role is not None and ROLE_RANK[Role(role)] >= ROLE_RANK[Role.SUPERVISOR]


def day_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"


def _day_url(office, day: dt.date, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"date": day.isoformat(), **extra}.items())
    return f"{reverse('reservations-day', args=[office.code])}?{query}"


def _flash(request, message=None, error=None) -> None:
    request.session["reservations.flash"] = {"message": message, "error": error}


def day_view(request, code):
    """予約一覧: the day's slots of every type, each with its bookings, procedures and 準備済."""
    flash = request.session.pop("reservations.flash", None) or {}
    return _day_page(request, message=flash.get("message"), error=flash.get("error"))


def _day_page(request, *, message=None, error=None, status=200):
    """The day's page; a refused change shows it again with the reason (and the refusal's status)."""
    office, day = request.office, _day(request)
    show_all = (request.GET.get("all") or request.POST.get("all")) == "1"
    sheet = staff_selectors.day_sheet(office, day, empty=show_all)
    context = {
        "office": office, "day": day, "day_label": day_label(day), "rows": sheet,
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "today": business_date(), "supervisor": _is_supervisor(request.actor, office),
        "has_cards": ReservationType.objects.filter(office=office, kind="card_pickup").exists(),
        "show_all": show_all,
        "total": sum(r.booked for r in sheet),
        "prepared": sum(1 for r in sheet for b in r.bookings if b["prepared"]),
        "internal": settings.ROLE == "internal",
        "message": message, "error": error,
    }
    return render(request, "reservations/staff/day.html", context, status=status)


@require_POST
def prepare(request, code, reservation_code):
    """The 準備済 tick (htmx: the row's cell comes back; without JS: back to the list)."""
    office = request.office
    prepared = request.POST.get("prepared", "1") == "1"
    try:
        if not staff_selectors.reservation_of_office(office, reservation_code):
            raise NotFound(_("この庁舎の予約が見つかりません。"), code="reservation_not_found")
        reservation = staff_services.reservation_prepare(actor=request.actor, code=reservation_code,
                                                         prepared=prepared)
    except ServiceError as exc:
        if request.headers.get("HX-Request"):
            return render(request, "reservations/staff/_error.html", {"error": exc.message}, status=exc.status)
        return _day_page(request, error=exc.message, status=exc.status)
    if request.headers.get("HX-Request"):
        booking = {"reservation": reservation, "prepared": reservation.prepared_at is not None,
                   "prepared_by": reservation.prepared_by}
        return render(request, "reservations/staff/_prepared.html",
                      {"office": office, "b": booking, "day": reservation.start.astimezone(JST).date()})
    return redirect(_day_url(office, _day(request)))


@require_POST
def hand_over(request, code, reservation_code):
    """「交付済」 on a card-pickup booking: the card is out of the safe and in the holder's hands."""
    office = request.office
    try:
        if not staff_selectors.reservation_of_office(office, reservation_code):
            raise NotFound(_("この庁舎の予約が見つかりません。"), code="reservation_not_found")
        notice = staff_services.card_notice_hand_over(actor=request.actor, code=reservation_code)
    except ServiceError as exc:
        return _day_page(request, error=exc.message, status=exc.status)
    _flash(request, message=_("交付通知書 %(number)s のカードを交付済にしました。") % {"number": notice.number})
    return redirect(_day_url(office, _day(request)))


@require_POST
def slot_change(request, code):
    """Supervisors: another capacity for one slot, closed, or back to the schedule."""
    office, day = request.office, _day(request)
    action = request.POST.get("action", "")
    try:
        start = dt.datetime.fromisoformat(request.POST.get("start", ""))
    except ValueError:
        return _day_page(request, error=_("枠の日時が正しくありません。"), status=422)
    capacity, closed = None, False
    if action == "close":
        closed = True
    elif action == "capacity":
        try:
            capacity = int(request.POST.get("capacity", ""))
        except ValueError:
            return _day_page(request, error=_("予約数を数字で入力してください。"), status=422)
    elif action != "reset":
        return _day_page(request, error=_("操作が正しくありません。"), status=422)
    try:
        result = staff_services.slot_override_set(
            actor=request.actor, office=office, type_code=request.POST.get("type", ""), start=start,
            capacity=capacity, closed=closed, note=request.POST.get("note", "").strip())
    except ServiceError as exc:
        return _day_page(request, error=exc.message, status=exc.status)
    when = f"{start.astimezone(JST):%H:%M}"
    what = {"close": _("%(when)s の枠を閉じました。"), "capacity": _("%(when)s の枠の予約数を %(n)s にしました。"),
            "reset": _("%(when)s の枠を設定どおりに戻しました。")}[action] % {"when": when, "n": capacity}
    cancelled, left_over = result["cancelled"], result["affected"]
    if cancelled:
        mailed = sum(1 for r in cancelled if r.email)
        what += " " + _("入りきらない予約 %(n)s 件を取り消し、メールアドレスのある %(m)s 件に知らせました。") % {
            "n": len(cancelled), "m": mailed}
        without = len(cancelled) - mailed
        if without:
            what += " " + _("メールアドレスのない %(n)s 件は、来庁時に窓口でご案内ください。") % {"n": without}
    elif left_over:
        what += " " + _("入りきらない予約 %(n)s 件は、公開側に変更が届いたときに取り消され、"
                        "メールアドレスのある方に知らされます。") % {"n": len(left_over)}
    _flash(request, message=what)
    return redirect(_day_url(office, day, **({"all": "1"} if request.POST.get("all") == "1" else {})))


def card_list(request, code):
    """Supervisors: import the card system's CSV (交付通知書番号, 生年月日, 氏名)."""
    office = request.office
    context = {"office": office, "result": None, "problems": None, "error": None}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("CSV ファイルを選んでください。")
        elif upload.size > MAX_UPLOAD:
            context["error"] = _("ファイルが大きすぎます（20MB まで）。")
        else:
            try:
                context["result"] = staff_services.card_notices_import(
                    actor=request.actor, office=office, data=upload.read(),
                    replace=request.POST.get("replace") == "1")
            except ServiceError as exc:
                context["error"] = _("CSV ファイルを取り込めませんでした。何も取り込んでいません。")
                problems = exc.detail.get("problems") if isinstance(exc.detail, dict) else None
                context["problems"] = problems or [exc.message]
    context.update(
        notices=CardNotice.objects.filter(office=office).count(),
        waiting=CardNotice.objects.filter(office=office, picked_up_at__isnull=True).count(),
        hashes=CardNoticeHash.objects.filter(office=office).count(),
        last_import=CardNotice.objects.filter(office=office).order_by("-imported_at")
        .values_list("imported_at", flat=True).first(),
        card_types=ReservationType.objects.filter(office=office, kind="card_pickup"),
        internal=settings.ROLE == "internal",
    )
    status = 422 if context["error"] else 200
    return render(request, "reservations/staff/cards.html", context, status=status)


# ------------------------------------------------------------------ the preparation list


def _filename(office, day: dt.date, ext: str) -> str:
    return f"card-preparation-{office.code}-{day.isoformat()}.{ext}"


def preparation_csv(request, code):
    """The card preparation list as CSV (UTF-8 with BOM, as Excel opens it)."""
    office, day = request.office, _day(request)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["予約時刻", "予約番号", "交付通知書番号", "氏名", "生年月日", "状態", "準備済"])
    for line in staff_selectors.preparation_list(office, day):
        writer.writerow([f"{line.start.astimezone(JST):%Y-%m-%d %H:%M}", line.code,
                         line.number or "（一覧にありません）", line.name,
                         line.birth_date.isoformat() if line.birth_date else "", line.status,
                         "済" if line.prepared else ""])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(office, day, "csv")}"'
    response["Cache-Control"] = "no-store"
    return response


def preparation_pdf(request, code):
    """The card preparation list to print: the cards to take out of the safe, by slot."""
    from madoguchi.forms import render as pdf_render

    office, day = request.office, _day(request)
    lines = staff_selectors.preparation_list(office, day)
    data = preparation_pdf_bytes(office, day, lines, pdf_render)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(office, day, "pdf")}"'
    response["Cache-Control"] = "no-store"
    return response


COLUMNS = [("時刻", 16), ("予約番号", 24), ("交付通知書番号", 38), ("氏名", 50), ("生年月日", 24),
           ("状態", 16), ("取出し", 12)]


def preparation_pdf_bytes(office, day: dt.date, lines, pdf_render) -> bytes:
    from madoguchi.core.timeutil import now

    pdf = pdf_render.new_document(title=f"カード準備リスト {day.isoformat()}")
    family = pdf_render.FONT_FAMILY
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(10, 12, 10)

    def header():
        pdf.set_font(family, size=15)
        pdf.cell(0, 9, f"マイナンバーカード 準備リスト　{day_label(day)}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=9)
        printed = now().astimezone(JST)
        pdf.cell(0, 6, f"{office.name}　予約 {len(lines)} 件　印刷 {printed:%Y-%m-%d %H:%M}",
                 new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font(family, size=9)
        pdf.set_fill_color(230)
        for title, width in COLUMNS:
            pdf.cell(width, 7, title, border=1, fill=True, align="C")
        pdf.ln()

    pdf.add_page()
    header()
    pdf.set_font(family, size=10)
    previous = None
    for line in lines:
        if pdf.will_page_break(8):
            pdf.add_page()
            header()
            pdf.set_font(family, size=10)
            previous = None
        start = line.start.astimezone(JST)
        cells = [f"{start:%H:%M}" if start != previous else "〃", line.code,
                 line.number or "一覧にありません", line.name,
                 line.birth_date.isoformat() if line.birth_date else "", line.status,
                 "済" if line.prepared else "□"]
        previous = start
        for (_title, width), text in zip(COLUMNS, cells, strict=True):
            pdf.cell(width, 8, text, border=1, align="C" if width <= 24 else "L")
        pdf.ln()
    if not lines:
        pdf.cell(0, 10, "この日のカード受取の予約はありません。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, size=8)
    pdf.multi_cell(0, 5, "個人情報を含みます。使用後は所定の方法で廃棄してください。"
                         "交付後は窓口で「受付済」になります。")
    return pdf_render.finish_document(pdf)
