"""Property-based fuzzing of the whole API from its OpenAPI document, as a customer's
integration: valid and invalid requests alike never make the server fail (no 5xx)."""

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402

# Examples per operation and mode: 21 operations × 9 ≈ 190 requests.
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 4}


@pytest.fixture
def fuzz_token(make_token, customer, stocked):
    return make_token(customer=customer, rate_limit=100_000)


@pytest.fixture
def application():
    """The WSGI application, keeping the test's database connection open between requests (as
    Django's own test client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from depot.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_request_makes_the_server_fail(fuzz_token, application):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    statuses, failures = [], []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 21
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            def run(case):
                response = case.call(headers=headers)
                statuses.append(response.status_code)
                if response.status_code >= 500:
                    failures.append((case.method, case.formatted_path, case.query, case.body,
                                     response.status_code, response.text[:300]))

            run()
    assert failures == []
    assert any(200 <= s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)
