"""Schemathesis over /api/v1/openapi.json, in-process (WSGI) on the suite's database.

Every operation of the OpenAPI is called with generated valid and invalid input,
as a clerk of the demo office (staff token: the authenticated operations run
too, not only their 401). Every answer must be no server error and documented:
its status code and content type are in the schema (422 included) and its body
matches the declared schema. Bounded (a few examples per operation) so a pass
stays well under a minute; runs in both passes (SQLite, PostgreSQL).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

# In-process WSGI calls do not undo a gzip encoding (an HTTP client does): ask for none, so the
# checks read the body (tests/procedures/test_api.py checks the gzipped catalogue itself).
PLAIN = {"Accept-Encoding": "identity"}

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def _in_process(module_office, db, settings):
    """The WSGI handler closes the database connection after each request; the suite's
    test database lives in that connection (as Django's test client does, keep it open)."""
    settings.TOKEN_CACHE_SECONDS = 0
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_answer_is_documented(case, _in_process):
    case.call_and_validate(headers={**PLAIN, "Authorization": "Bearer demo-staff"}, checks=CHECKS)


@pytest.mark.parametrize("token", [None, "demo-kiosk"], ids=["anonymous", "kiosk"])
@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_refusal_is_documented(case, token, _in_process):
    """The same operations called by a citizen (no token) and by a kiosk: their 401/403 answers
    must be documented too, not only a clerk's."""
    headers = {**PLAIN, **({"Authorization": f"Bearer {token}"} if token else {})}
    case.call_and_validate(headers=headers, checks=CHECKS)


def _operations():
    spec = schema.raw_schema
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _concrete(path: str) -> str:
    return path.replace("{code}", "demo").replace("{ticket_id}", "x").replace("{counter_id}", "1")


@pytest.mark.parametrize("path,method,operation", list(_operations()),
                         ids=[f"{m.upper()} {p}" for p, m, _ in _operations()])
def test_guard_answers_are_documented_on_every_operation(client, module_office, db, settings,
                                                         path, method, operation):
    """The request guard answers before any operation runs (a NUL in a header: 422; a body
    over the upload limit: 413); every operation documents what it can get from the guard."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    call = getattr(client, method)
    refused = call(_concrete(path), headers={"X-Note": "a\x00b"})
    assert refused.status_code == 422, refused.content
    assert "422" in operation["responses"]
    if method in ("post", "put", "patch"):
        too_large = call(_concrete(path), data="{" + '"a": "' + "x" * 2_000 + '"}',
                         content_type="application/json")
        assert too_large.status_code == 413, too_large.content
        assert too_large.json()["code"] == "too_large"
        assert "413" in operation["responses"]
