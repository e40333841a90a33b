"""Pages of the notices app: the service worker at the site root, and the email form without JS."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from madoguchi.core.errors import ServiceError
from madoguchi.core.throttle import limit, ticket_device

from . import selectors, services

SW_PATH = Path(__file__).resolve().parent.parent / "static" / "madoguchi" / "js" / "sw.js"


def service_worker(request):
    """``/sw.js``: served from the root so its scope covers every ticket page."""
    response = HttpResponse(SW_PATH.read_bytes(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_POST
@limit("notices", device=ticket_device)
def email_form(request, ticket_id):
    """The opt-in form's email channel for browsers without JavaScript."""
    path = reverse("ticket-page", args=[ticket_id])
    page_url = f"{settings.PUBLIC_URL}{path}" if settings.PUBLIC_URL else request.build_absolute_uri(path)
    try:
        sub, _created, status = services.email_subscribe(
            ticket_id=ticket_id, email=request.POST.get("email", ""),
            lang=request.POST.get("lang") or request.LANGUAGE_CODE, page_url=page_url)
    except ServiceError as exc:
        return render(request, "notices/email_result.html",
                      {"ok": False, "message": exc.message, "ticket_url": path}, status=exc.status)
    return render(request, "notices/email_result.html", {
        "ok": True, "ticket_url": path,
        "message": selectors.subscribed_message(status["notify_ahead"], lang=sub.lang, email=True)})
