"""Staff screens inside the office: the counter screen (窓口) and floor control (フロア管理).

Who may open them is declared in core/permissions.py and checked before the view runs
(``request.office`` and the acting ``request.actor`` are set there)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from madoguchi.core.errors import ServiceError

from .. import hooks, selectors, services
from ..models import Category, Counter, Office


def counter_pick(request, code):
    office = request.office
    counters = selectors.office_counters(office)
    current = selectors.counters_current(office)
    return render(request, "queueing/counter_pick.html", {
        "office": office, "counters": [(c, current.get(c.pk)) for c in counters]})


def _counter(office: Office, counter_id: int) -> Counter:
    return get_object_or_404(Counter.objects.prefetch_related("categories"), pk=counter_id, office=office)


def _panel_context(office, counter, message=None, error=None):
    version = selectors.office_queue_version(office)
    queue = selectors.counter_queue(counter)
    missed = selectors.counter_missed(counter)
    shown = [t for t in [queue["current"], *queue["waiting"], *queue["held"], *missed] if t is not None]
    memos = selectors.ticket_memos([t.pk for t in shown])  # staff-only notes (フロア管理のメモ)
    for t in shown:
        t.memo_list = memos.get(t.pk, [])
    return {"office": office, "counter": counter, "queue": queue, "message": message, "error": error,
            "transfer_targets": Category.objects.filter(office=office, is_active=True),
            "version": version, "missed": missed, "panel_parts": hooks.counter_panel_parts()}


def counter_screen(request, code, counter_id):
    office = request.office
    counter = _counter(office, counter_id)
    context = _panel_context(office, counter)
    return render(request, "queueing/counter.html", context)


def counter_panel(request, code, counter_id):
    office = request.office
    counter = _counter(office, counter_id)
    return render(request, "queueing/_counter_panel.html", _panel_context(office, counter))


COUNTER_ACTIONS = {
    # The screen sends the ticket it shows as being called: only that one is finished.
    "call-next": lambda actor, counter, post: services.ticket_call_next(
        actor=actor, counter_id=counter.pk, finish_current=post.get("finish_current") or None),
    "call": lambda actor, counter, post: services.ticket_call(
        actor=actor, counter_id=counter.pk, ticket_id=post.get("ticket", ""),
        finish_current=post.get("finish_current") or None),
    "recall": lambda actor, counter, post: services.ticket_recall(actor=actor, counter_id=counter.pk),
    "hold": lambda actor, counter, post: services.ticket_hold(actor=actor, counter_id=counter.pk),
    "finish": lambda actor, counter, post: services.ticket_finish(actor=actor, counter_id=counter.pk),
    "no-show": lambda actor, counter, post: services.ticket_no_show(actor=actor, counter_id=counter.pk),
    "transfer": lambda actor, counter, post: services.ticket_transfer(
        actor=actor, counter_id=counter.pk, category_code=post.get("category", "")),
    "resume": lambda actor, counter, post: services.ticket_resume(actor=actor, ticket_id=post.get("ticket", "")),
    "cancel": lambda actor, counter, post: services.ticket_cancel(actor=actor, ticket_id=post.get("ticket", "")),
    "open": lambda actor, counter, post: services.counter_set_open(actor=actor, counter_id=counter.pk, is_open=True),
    "close": lambda actor, counter, post: services.counter_set_open(actor=actor, counter_id=counter.pk, is_open=False),
}

ACTION_DONE = {
    "call-next": gettext_lazy("{number}番を呼び出しました。"),
    "call": gettext_lazy("{number}番を呼び出しました。"),
    "recall": gettext_lazy("{number}番を再呼出しました。"),
    "hold": gettext_lazy("{number}番を保留にしました。"),
    "finish": gettext_lazy("{number}番を完了にしました。"),
    "no-show": gettext_lazy("{number}番を不在にしました。"),
    "transfer": gettext_lazy("{number}番を回送しました。"),
    "resume": gettext_lazy("{number}番の保留を解除し、待ちに戻しました。"),
    "cancel": gettext_lazy("{number}番を取り消しました。"),
}


@require_POST
def counter_action(request, code, counter_id, action):
    office, actor = request.office, request.actor
    counter = _counter(office, counter_id)
    run = COUNTER_ACTIONS.get(action)
    if run is None:
        raise Http404
    message = error = None
    status = 200
    try:
        result = run(actor, counter, request.POST)
    except ServiceError as exc:
        error, status = exc.message, exc.status
    else:
        if action in ("open", "close"):
            message = _("受付を開始しました。") if action == "open" else _("受付を休止しました。")
        elif result is None:
            message = _("お待ちの方はいません。")
        else:
            message = str(ACTION_DONE[action]).format(number=result.number)
    counter.refresh_from_db()
    response = render(request, "queueing/_counter_panel.html",
                      _panel_context(office, counter, message=message, error=error))
    if status != 200 and not request.headers.get("HX-Request"):
        response.status_code = status
    return response


def supervisor(request, code):
    office = request.office
    return render(request, "queueing/supervisor.html", _supervisor_context(office))


def supervisor_panel(request, code):
    office = request.office
    return render(request, "queueing/_supervisor_panel.html", _supervisor_context(office))


def _supervisor_context(office, message=None, error=None):
    counters = selectors.office_counters(office)
    floor = selectors.floor_tickets(office)
    figures = selectors.floor_figures(office)
    version = selectors.office_queue_version(office)
    categories = list(Category.objects.filter(office=office))
    rows = []
    for c in counters:
        served = list(c.categories.all())
        codes = [cat.code for cat in served]
        # One select per position: what the counter serves now, then empty ones to add more.
        slots = [*codes, *[""] * (len(categories) - len(codes))]
        rows.append({"counter": c, "current": floor["called"].get(c.pk), "served": served,
                     "expected": ",".join(codes), "slots": slots,
                     "figures": figures["counters"].get(c.pk)})
    return {"office": office, "board": selectors.board_snapshot(office), "version": version,
            "counters": rows, "categories": categories, "queue": floor["queue"],
            "no_shows": floor["no_shows"], "clerks": figures["clerks"],
            "totals": selectors.office_today_totals(office), "message": message, "error": error}


def _office_counter(office, post) -> Counter:
    return get_object_or_404(Counter.objects.select_related("office"), pk=_int(post.get("counter")), office=office)


def _office_category(office, post) -> Category:
    return get_object_or_404(Category, pk=_int(post.get("category_id")), office=office)


def _office_ticket(office, post):
    from ..models import Ticket

    return get_object_or_404(Ticket.objects.select_related("category"), public_id=post.get("ticket", "")[:32],
                             office=office)


def _int(value) -> int:
    try:
        return int(str(value or "").strip()) if str(value or "").strip().isascii() else 0
    except ValueError:
        return 0


def _floor_open(actor, office, post):
    counter = _office_counter(office, post)
    services.counter_set_open(actor=actor, counter_id=counter.pk, is_open=True)
    return _("{counter}の受付を開始しました。").format(counter=counter.label)


def _floor_pause(actor, office, post):
    counter = _office_counter(office, post)
    services.counter_set_open(actor=actor, counter_id=counter.pk, is_open=False)
    return _("{counter}を受付休止にしました。").format(counter=counter.label)


def _floor_categories(actor, office, post):
    counter = _office_counter(office, post)
    expected = [c for c in post.get("expected", "").split(",") if c]
    services.counter_set_categories(actor=actor, counter_id=counter.pk, category_codes=post.getlist("category"),
                                    expected=expected)
    return _("{counter}の受付区分を変更しました。").format(counter=counter.label)


def _floor_issuing(actor, office, post):
    category = _office_category(office, post)
    is_active = post.get("is_active") == "1"
    services.category_set_issuing(actor=actor, category_id=category.pk, is_active=is_active)
    if is_active:
        return _("「{name}」の発券を再開しました。").format(name=category.name)
    return _("「{name}」の発券を停止しました。お待ちの方はそのまま呼び出せます。").format(name=category.name)


def _floor_route(actor, office, post):
    ticket = _office_ticket(office, post)
    moved = services.ticket_route(actor=actor, ticket_id=ticket.public_id, category_code=post.get("to", ""),
                                  expected_state=post.get("state") or None,
                                  expected_category=post.get("from") or None)
    return _("{number}番を「{name}」へ移しました（元の順番のまま）。").format(number=moved.number,
                                                                        name=moved.category.name)


def _floor_reinstate(actor, office, post):
    ticket = services.ticket_reinstate(actor=actor, ticket_id=_office_ticket(office, post).public_id)
    return _("{number}番を待ちに戻しました（元の順番）。").format(number=ticket.number)


def _floor_memo(actor, office, post):
    ticket = _office_ticket(office, post)
    services.ticket_memo_add(actor=actor, ticket_id=ticket.public_id, text=post.get("text", ""))
    return _("{number}番にメモを残しました。").format(number=ticket.number)


FLOOR_ACTIONS = {
    "open": _floor_open, "pause": _floor_pause, "categories": _floor_categories, "issuing": _floor_issuing,
    "route": _floor_route, "reinstate": _floor_reinstate, "memo": _floor_memo,
}


@require_POST
def supervisor_action(request, code, action):
    """Floor control: every action goes through a service (event log, audit log, board)."""
    office, actor = request.office, request.actor
    run = FLOOR_ACTIONS.get(action)
    if run is None:
        raise Http404
    message = error = None
    status = 200
    try:
        message = run(actor, office, request.POST)
    except ServiceError as exc:
        error, status = exc.message, exc.status
    response = render(request, "queueing/_supervisor_panel.html",
                      _supervisor_context(office, message=message, error=error))
    if status != 200 and not request.headers.get("HX-Request"):
        response.status_code = status
    return response
