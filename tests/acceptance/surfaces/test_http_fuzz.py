"""Schemathesis against the service's /openapi.json, in-process (ASGI), backed by the
emulator: with the token and without it, no input gets a 500 and every answer (errors
included) matches the documented status codes, content types and schemas."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.actions.helpers import FAST_RETRY
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.service import ServiceSettings, create_service_app

TOKEN = "fuzzing-token-0123456789abc"
#: 502/503/504 are documented answers about Twilio (its own errors, e.g. a date it refuses)
#: and the network; a 500 (a twiliokit bug) never is.
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"not_a_server_error": {"expected-statuses": ["2XX", "4XX", 502, 503, 504]}}}
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_app(_emulator_server: RunningEmulator) -> Iterator[Any]:
    """One service app for the module (schemathesis starts its lifespan once per app)."""
    settings = ServiceSettings(
        connection=_emulator_server.connection(),
        api_token=TOKEN,
        ledger_url="memory://",
        retry=FAST_RETRY,
        mcp=False,  # /mcp is not in the OpenAPI document; the MCP tests cover it
    )
    yield create_service_app(settings)
    shutdown_lifespans()


def _fuzz(
    app: Any, headers: dict[str, str], *, examples: int, mode: schemathesis.GenerationMode
) -> Counter[tuple[str, int]]:
    """Run every operation with generated cases; validate each answer; count the statuses."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
    seen: Counter[tuple[str, int]] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz_operation(operation, headers, examples=examples, mode=mode, seen=seen)
        except Unsatisfiable:
            # Nothing invalid can be generated for an operation without parameters (GET
            # /healthz, GET /v1/actions) in negative mode: there is nothing to test there.
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
    return seen


def _fuzz_operation(
    operation: schemathesis.APIOperation,
    headers: dict[str, str],
    *,
    examples: int,
    mode: schemathesis.GenerationMode,
    seen: Counter[tuple[str, int]],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        seen[(operation.label, response.status_code)] += 1

    check()


def test_with_the_token_no_input_is_a_server_error(api_app: Any) -> None:
    """Valid and invalid generated input: never a 500, always the documented shapes; some
    actions really run against the emulator (2xx)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    positive = _fuzz(api_app, auth, examples=4, mode=schemathesis.GenerationMode.POSITIVE)
    negative = _fuzz(api_app, auth, examples=2, mode=schemathesis.GenerationMode.NEGATIVE)
    assert 500 not in {status for _, status in positive + negative}
    assert any(200 <= status < 300 for _, status in positive)
    assert any(400 <= status < 500 for _, status in negative)


def test_without_the_token_everything_but_health_is_401(api_app: Any) -> None:
    """No token: every operation answers 401 with the documented error, except /healthz."""
    seen = _fuzz(api_app, {}, examples=2, mode=schemathesis.GenerationMode.POSITIVE)
    for (label, status), _ in seen.items():
        assert status == (200 if label == "GET /healthz" else 401), label
