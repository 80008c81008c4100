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

from app.models import Campaign, Project
from tests.factories import (
    FIELDS,
    bearer,
    gen_activity,
    gen_api_token,
    gen_case,
    gen_contact,
    gen_fields,
    gen_opportunity,
    gen_organisation,
    gen_task,
    gen_with_participants,
)

EXAMPLES_PER_OPERATION = 10
# the records built on the same generic resource as contacts: fewer examples each, so
# the run stays short (their shared code is tried fully through contacts)
FEWER_EXAMPLES, SAME_CODE_AS_CONTACTS = 3, ("/employments", "/tags", "/cases", "/tasks",
                                            "/activities", "/opportunities", "/campaigns",
                                            "/projects", "/dictionaries")
EXISTING = (1, 2, 3)  # ids of the records the fixture makes (of each table, from 1)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def token(tenant_a) -> str:
    gen_fields(tenant_a.id, visits=FIELDS["visits"], level=FIELDS["level"])
    organisation = gen_organisation(tenant_a.id)
    for number in range(3):
        contact = gen_contact(tenant_a.id, organisation, f"Person{number}", "Berg")
        gen_case(tenant_a.id, contact)
        gen_task(tenant_a.id, contact_id=contact)
        gen_activity(tenant_a.id, organisation, [contact], kind="meeting")
        gen_opportunity(tenant_a.id, contact_id=contact)
        gen_with_participants(Campaign, tenant_a.id, f"Kampagne {number}", [contact])
        gen_with_participants(Project, tenant_a.id, f"Projekt {number}", [contact])
    return gen_api_token(tenant_a.id, "admin@alpha.example")


def test_every_operation_answers_as_its_document_says(app, token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    for operation in operations:
        _try(operation, token)


def _try(operation, token: str) -> None:
    path = operation.path.removeprefix("/api/v1")
    examples_wanted = (FEWER_EXAMPLES if path.startswith(SAME_CODE_AS_CONTACTS)
                       else EXAMPLES_PER_OPERATION)

    @settings(max_examples=examples_wanted, derandomize=True, deadline=None,
              database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), real=st.sampled_from([None, *EXISTING]))
    def examples(case, real) -> None:
        if real is not None and "number" in (case.path_parameters or {}):
            case.path_parameters["number"] = real  # half the time a record that exists
        # each request in a context of its own, as a server runs it (tests.conftest)
        response = contextvars.Context().run(case.call, headers=bearer(token))
        case.validate_response(response, checks=CHECKS)

    examples()
