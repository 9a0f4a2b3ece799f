"""`twiliokit serve --emulator`: the service on the built-in emulator, wired and seeded.

The emulator runs in a background thread with time running; its number (+15005550006) sends
inbound messages and calls to this service's webhook routes, signed with the development auth
token, so the demo exercises the same path real Twilio does. A demo contact has already texted
in when the guide is printed.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from twiliokit.emulator import DEV_ACCOUNT_SID, DEV_AUTH_TOKEN, MAGIC_FROM, EmulatorConfig
from twiliokit.emulator.testing import run_emulator
from twiliokit.server.http_api import API_TOKEN_ENV

if TYPE_CHECKING:
    from twiliokit.server.service import ApiToken

#: The demo contact who has texted the emulator's number.
DEMO_CONTACT = "+14155550123"
DEMO_GREETING = "Hi! Is my order on its way?"

#: The environment the service resolves its connection from when it runs on the emulator.
_CREDENTIAL_VARS = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_KEY",
    "TWILIO_API_SECRET",
    "TWILIO_PHONE_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_REGION",
    "TWILIO_EDGE",
    "TWILIOKIT_BASE_URL",
    "TWILIOKIT_PROFILE",
)


@dataclass(frozen=True)
class EmulatorDemo:
    base_url: str

    def environ(self, environ: dict[str, str]) -> dict[str, str]:
        """``environ`` with the emulator's development credentials in place of any others."""
        clean = {k: v for k, v in environ.items() if k not in _CREDENTIAL_VARS}
        clean.update(
            TWILIO_ACCOUNT_SID=DEV_ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=DEV_AUTH_TOKEN,
            TWILIO_PHONE_NUMBER=MAGIC_FROM,
            TWILIOKIT_BASE_URL=self.base_url,
        )
        return clean


@contextlib.contextmanager
def running_emulator() -> Iterator[EmulatorDemo]:
    """The emulator, with time running, in a background thread."""
    with run_emulator(EmulatorConfig(time_rate=1.0)) as emu:
        yield EmulatorDemo(base_url=emu.base_url)


def wire_and_seed(demo: EmulatorDemo, service_url: str) -> None:
    """Point the emulator number's webhooks at the service, then have the demo contact text in.
    Runs in its own thread: the service must be answering while this waits for it."""
    auth = (DEV_ACCOUNT_SID, DEV_AUTH_TOKEN)
    numbers = f"/2010-04-01/Accounts/{DEV_ACCOUNT_SID}/IncomingPhoneNumbers"
    with httpx.Client(base_url=demo.base_url, auth=auth, timeout=30) as http:
        found = http.get(f"{numbers}.json", params={"PhoneNumber": MAGIC_FROM}).json()
        sid = found["incoming_phone_numbers"][0]["sid"]
        http.post(
            f"{numbers}/{sid}.json",
            data={
                "SmsUrl": f"{service_url}/webhooks/twilio/messaging",
                "SmsMethod": "POST",
                "VoiceUrl": f"{service_url}/webhooks/twilio/voice",
                "VoiceMethod": "POST",
                "StatusCallback": f"{service_url}/webhooks/twilio/call-status",
            },
        ).raise_for_status()
        http.post(
            "/_emulator/inbound",
            json={"From": DEMO_CONTACT, "To": MAGIC_FROM, "Body": DEMO_GREETING},
        ).raise_for_status()


def wire_in_background(demo: EmulatorDemo, service_url: str) -> None:
    """:func:`wire_and_seed` in a thread. Stopped early (Ctrl-C right after the guide, the
    emulator already gone) it gives up quietly: one line on stderr, no traceback."""

    def run() -> None:
        try:
            wire_and_seed(demo, service_url)
        except httpx.HTTPError as exc:
            print(f"the demo was not set up: {type(exc).__name__}", file=sys.stderr)

    threading.Thread(target=run, name="twiliokit-demo", daemon=True).start()


def guide(
    *,
    service_url: str,
    token: ApiToken,
    demo: EmulatorDemo | None,
    ledger: str,
    console: bool = True,
) -> str:
    """What `make run` prints: where everything is and how to use it (``console``: whether
    the web console is served).

    The token itself is shown only on the run that generated it; otherwise the guide says
    where it is, and its commands read it from there (``$TWILIOKIT_API_TOKEN``, the file).
    """
    auth = _auth_header(token)
    send = " ".join(
        [
            shlex.join(["curl", "-s", f"{service_url}/v1/actions/send_sms", "-H"]),
            auth,
            shlex.join(
                [
                    "-H",
                    "Content-Type: application/json",
                    "-d",
                    f'{{"to": "{DEMO_CONTACT}", "body": "Hello from twiliokit!"}}',
                ]
            ),
        ]
    )
    conversation = " ".join(
        [shlex.join(["curl", "-s", f"{service_url}/v1/conversations/{DEMO_CONTACT}", "-H"]), auth]
    )
    lines = [
        "twiliokit is running" + (" on the built-in Twilio emulator" if demo else ""),
        *(
            [f"  console:    {service_url}/console   (in a browser; sign in with the API token)"]
            if console
            else []
        ),
        f"  HTTP API:   {service_url}/v1/actions   (OpenAPI: {service_url}/openapi.json)",
        f"  MCP:        {service_url}/mcp   (streamable HTTP, same bearer token)",
        f"  webhooks:   {service_url}/webhooks/twilio/...",
        f"  metrics:    {service_url}/metrics   (Prometheus, same bearer token)",
        *_token_lines(token),
        f"  ledger:     {ledger}",
    ]
    if demo is not None:
        lines += [
            f"  emulator:   {demo.base_url}   (account {DEV_ACCOUNT_SID}, number {MAGIC_FROM},"
            " its webhooks point here)",
            "",
            f"{DEMO_CONTACT} has texted {MAGIC_FROM}: {DEMO_GREETING!r}",
            "",
            "Send an SMS (through the emulator; delivery status comes back to the ledger):",
            f"  {send}",
            "Read the conversation:",
            f"  {conversation}",
            "Text the number as a user would (try STOP, then send again):",
            "  "
            + shlex.join(
                [
                    "curl",
                    "-s",
                    f"{demo.base_url}/_emulator/inbound",
                    "-H",
                    "Content-Type: application/json",
                    "-d",
                    f'{{"From": "{DEMO_CONTACT}", "To": "{MAGIC_FROM}", "Body": "STOP"}}',
                ]
            ),
        ]
    lines += [
        "Use it from an MCP client (Claude Code):",
        "  "
        + shlex.join(
            ["claude", "mcp", "add", "--transport", "http", "twiliokit", f"{service_url}/mcp"]
        )
        + f" --header {auth}",
        "  (or `twiliokit mcp` over stdio: see docs/mcp.md)",
        "Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def _token_lines(token: ApiToken) -> list[str]:
    """The guide's ``API token:`` line: the value only when it was generated just now."""
    if token.source == "generated":
        return [
            f"  API token:  {token.value}",
            f"              (generated now and kept in {token.path}; later runs do not show it)",
        ]
    if token.source == "environment":
        return [f"  API token:  ${API_TOKEN_ENV} (from the environment; not shown)"]
    return [f"  API token:  kept in {token.path} (not shown)"]


def _auth_header(token: ApiToken) -> str:
    """The ``Authorization`` header as one shell word. A token that was not generated just now
    is not printed: the shell reads it from the variable or the file when the line is run."""
    if token.source == "generated":
        return shlex.quote(f"Authorization: Bearer {token.value}")
    if token.source == "environment":
        return f'"Authorization: Bearer ${API_TOKEN_ENV}"'
    # Inside $(...) the shell parses the path afresh, so single quotes protect it.
    return f'"Authorization: Bearer $(cat {shlex.quote(str(token.path))})"'
