"""Fuzz every public operation against the generated OpenAPI schema, with valid and with
invalid input (schemathesis positive and negative modes): never a 500."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

pytestmark = pytest.mark.slow


def test_no_server_errors_on_any_generated_input(client: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    # Admin operations need an API key; their own tests cover bad input.
    schema = schema.exclude(path_regex="^/api/v1/admin")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    exercised = dict.fromkeys(GenerationMode, 0)
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: schemathesis.Case) -> None:
            response = case.call()
            where = f"{case.method} {case.formatted_path} {case.query} {case.body!r}"
            assert response.status_code < 500, f"{where}: {response.text[:300]}"
            if 400 <= response.status_code < 500 and "json" in response.headers.get(
                "content-type", ""
            ):
                assert "detail" in response.json(), where

        try:
            no_server_error()
        except Unsatisfiable:
            # An operation without parameters has no invalid input to generate.
            assert mode is GenerationMode.NEGATIVE
            continue
        exercised[mode] += 1
    assert exercised[GenerationMode.NEGATIVE] >= 3
