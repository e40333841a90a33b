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

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def _in_process(office, settings):
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
    case.call_and_validate(headers={"Authorization": "Bearer demo-staff"}, checks=CHECKS)
