"""schemathesis against our own OpenAPI schema: no 5xx, and every answer matches what the schema promises.

Bounded (50 examples per operation, no deadline) so the suite stays quick. Schema-valid requests may still be
refused with 422 (an unknown hyperparameter, a typed formula that does not parse, the work budget), so the
"positive data acceptance" check is not run; schema-invalid requests must be refused.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    case.call_and_validate(checks=CHECKS)
