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
from schemathesis.engine import Status, events, from_schema
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.actions.helpers import FAST_RETRY
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import serve_in_thread

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
    """One service app for the module (schemathesis starts its lifespan once per app), on a
    reset emulator: no fault or message left by an earlier test on this worker leaks in."""
    _emulator_server.control.reset()
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


#: What `st run --checks all --max-examples 2` does, from Python (the engine the CLI drives):
#: every check and every phase but the stateful one (no operation's output feeds another's
#: input: there is nothing to chain), a fixed seed, and few examples per operation so that it
#: stays well under a minute.
EVERY_CHECK = schemathesis.Config.from_dict(
    {
        "headers": {"Authorization": f"Bearer {TOKEN}"},
        "seed": 15,
        "cache": {"enabled": False},  # no state kept between runs: each run is the same
        "generation": {"max-examples": 2},
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "enabled": True,
            "not_a_server_error": {"expected-statuses": ["2XX", "4XX", 502, 503, 504]},
            # An action checks more than JSON Schema can say (a number that is a real E.164
            # number, exactly one of two arguments, since before until): schema-valid input
            # may still be a 400 that names the argument. A missing body is not among these:
            # bodies are required where the server requires them (tests/integration/surfaces/
            # test_http_conformance.py).
            "positive_data_acceptance": {
                "expected-statuses": ["2XX", 400, 401, 403, 404, 409, 429, 502, 503, 504]
            },
        },
    }
)


def test_schemathesis_with_every_check_finds_nothing(emulator: RunningEmulator) -> None:
    """schemathesis with all its checks (unsupported methods and their Allow, missing and
    null bodies, negative and positive data, auth, schemas) against /openapi.json, served
    over a real socket, finds nothing."""
    settings = ServiceSettings(
        connection=emulator.connection(),
        api_token=TOKEN,
        ledger_url="memory://",
        retry=FAST_RETRY,
        mcp=False,  # /mcp is not in the OpenAPI document; the MCP tests cover it
    )
    with serve_in_thread(create_service_app(settings)) as base_url:
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=EVERY_CHECK)
        failures: list[str] = []
        tested = 0
        for event in from_schema(schema).execute():
            if isinstance(event, events.FatalError | events.NonFatalError):
                failures.append(f"schemathesis could not run: {event}")
            if not isinstance(event, events.ScenarioFinished):
                continue
            tested += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        interaction = event.recorder.interactions.get(case_id)
                        request = interaction.request if interaction else None
                        where = f"{request.method} {request.uri}" if request else event.label
                        failures.append(f"{check.name}: {where}: {check.failure_info.failure}")
    assert not failures, "\n".join(sorted(set(failures)))
    assert tested > 100  # it did run: every operation, several cases each
