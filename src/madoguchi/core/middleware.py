"""Input no part of the system can store or look up is refused at the door.

PostgreSQL refuses a NUL character in any text (the query fails, the request answered 500), and
a lone UTF-16 surrogate (``"\\ud800"`` in a JSON body) cannot be encoded for either database.
Neither can be part of a valid identifier, code or name, so instead of guarding every lookup the
request is checked once, here, before any view runs:

- a NUL in the path: no such resource, 404;
- a NUL in the query string, a header or a cookie, or a NUL or lone surrogate in a form or JSON
  body: 422 ``invalid_request`` on the API (the code it gives any unusable input), 400 on pages.

A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` raises ``RequestDataTooBig`` while it is read here;
``core.errorpages.bad_request`` turns that into 413 ``too_large``.
"""

from __future__ import annotations

import json
import re

from django.http import Http404
from django.utils.deprecation import MiddlewareMixin

from .errorpages import error_response, is_api

# Cheap pre-check on the raw body: only a body that may carry an escaped NUL or surrogate
# (or a raw NUL) is parsed to be sure (a valid surrogate pair, an emoji, is fine).
_SUSPECT_JSON = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\x00")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def unusable(text: str) -> bool:
    """True when ``text`` holds a NUL or a lone surrogate (nothing we could store)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _any_unusable(value) -> bool:
    if isinstance(value, str):
        return unusable(value)
    if isinstance(value, dict):
        return any(_any_unusable(k) or _any_unusable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_any_unusable(v) for v in value)
    return False


def _is_utf8(body: bytes) -> bool:
    # json.loads decodes bytes with "surrogatepass": raw surrogate bytes become lone surrogates.
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class RequestGuardMiddleware(MiddlewareMixin):
    """Placed after the language middleware (so a refusal page speaks the visitor's language)
    and before sessions, CSRF and authentication are consulted (a NUL cookie never reaches the
    session table). MiddlewareMixin keeps streaming views async."""

    def process_request(self, request):
        if "\x00" in request.path_info:
            raise Http404
        if self._bad_query_or_headers(request) or self._bad_body(request):
            if is_api(request):
                return error_response(request, 422, "invalid_request",
                                      detail="NUL characters and lone surrogates are not accepted.")
            return error_response(request, 400, "invalid_request")
        return None

    @staticmethod
    def _bad_query_or_headers(request) -> bool:
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            if any(_any_unusable(k) or any(unusable(v) for v in vs)
                   for k, vs in request.GET.lists()):
                return True
        if any("\x00" in value for key, value in request.META.items()
               if key.startswith("HTTP_") and isinstance(value, str)):
            return True
        # Quoted cookie values are unquoted by Django: "\000" becomes a NUL only here.
        return any("\x00" in value for value in request.COOKIES.values())

    @staticmethod
    def _bad_body(request) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        # Read (and keep) the raw body first: the view may still want it after the form is
        # parsed. RequestDataTooBig is raised here -> 413 (core.errorpages).
        body = request.body
        if (request.content_type or "") in _FORM_TYPES:
            return any(unusable(k) or any(unusable(v) for v in vs) for k, vs in request.POST.lists())
        if not body or not (_SUSPECT_JSON.search(body) or not _is_utf8(body)):
            return False
        try:
            data = json.loads(body)
        except ValueError:
            return False  # not JSON at all: the view refuses it in its own words
        return _any_unusable(data)
