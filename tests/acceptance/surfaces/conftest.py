"""Fixtures for the end-to-end surface tests: `twiliokit mcp` as a subprocess, and the
service served over real HTTP, both against the emulator."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import StdioServerParameters

from tests.integration.actions.helpers import FAST_RETRY
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.service import ServiceSettings
from twiliokit.webhooks import WebhookSettings

#: The installed console script (the same one MCP clients are configured to run).
TWILIOKIT = str(Path(sys.executable).with_name("twiliokit"))
TO = "+14155552671"

McpServer = Callable[..., StdioServerParameters]


def service_settings(
    emulator: RunningEmulator, ledger: Path, token: str, **overrides: Any
) -> ServiceSettings:
    """The service as these tests serve it: on the emulator, its SQLite ledger at ``ledger``,
    signatures checked with the emulator's token, no MCP; ``overrides`` on top (``webhooks``
    replaces the receiver's settings)."""
    settings: dict[str, Any] = {
        "connection": emulator.connection(),
        "api_token": token,
        "ledger_url": f"sqlite:///{ledger}",
        "retry": FAST_RETRY,
        "mcp": False,
        "webhooks": WebhookSettings(auth_token=emulator.auth_token),
    }
    return ServiceSettings(**(settings | overrides))


def emulator_environment(emulator: RunningEmulator, tmp_path: Path) -> dict[str, str]:
    """What an MCP client's ``env`` block holds to point twiliokit at the emulator; the
    config, data and cache directories are the test's own (no ledger, no developer config)."""
    return {
        "TWILIOKIT_BASE_URL": emulator.base_url,
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIO_PHONE_NUMBER": emulator.phone_number,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # not the developer's kept tool schemas
        "PATH": os.environ.get("PATH", ""),
    }


@pytest.fixture
def mcp_server(emulator: RunningEmulator, tmp_path: Path) -> McpServer:
    """``mcp_server(*args, config=TOML)``: how to spawn `twiliokit mcp ARGS` on the emulator,
    with ``config`` written to a config file it reads (TWILIOKIT_CONFIG)."""

    def parameters(*args: str, config: str | None = None) -> StdioServerParameters:
        env = emulator_environment(emulator, tmp_path)
        if config is not None:
            path = tmp_path / "config.toml"
            path.write_text(config, encoding="utf-8")
            env["TWILIOKIT_CONFIG"] = str(path)
        return StdioServerParameters(command=TWILIOKIT, args=["mcp", *args], env=env)

    return parameters


def structured(result: Any) -> dict[str, Any]:
    """A tool result's structured content, checked against its text form."""
    assert json.loads(result.content[0].text) == result.structured_content
    content: dict[str, Any] = result.structured_content
    return content
