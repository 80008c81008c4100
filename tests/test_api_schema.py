"""The API tried against its own OpenAPI document by schemathesis, in-process (WSGI): a
fixed budget of deterministic examples per operation, as a tenant user's token. No
answer may be a server error, and every answer must be one the document describes
(status, content type, body schema)."""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import FIELDS, bearer, gen_api_token, gen_contact, gen_fields, gen_organisation

EXAMPLES_PER_OPERATION = 10
EXISTING = (1, 2, 3)  # ids of the records the fixture makes (of each table, from 1)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def token(tenant_a) -> str:
    gen_fields(tenant_a.id, visits=FIELDS["visits"], level=FIELDS["level"])
    organisation = gen_organisation(tenant_a.id)
    for number in range(3):
        gen_contact(tenant_a.id, organisation, f"Person{number}", "Berg")
    return gen_api_token(tenant_a.id, "admin@alpha.example")


def test_every_operation_answers_as_its_document_says(app, token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        _try(operation, token)


def _try(operation, token: str) -> None:
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
              database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), real=st.sampled_from([None, *EXISTING]))
    def examples(case, real) -> None:
        if real is not None and "number" in (case.path_parameters or {}):
            case.path_parameters["number"] = real  # half the time a record that exists
        # each request in a context of its own, as a server runs it (tests.conftest)
        response = contextvars.Context().run(case.call, headers=bearer(token))
        case.validate_response(response, checks=CHECKS)

    examples()
