"""Never run: webhook handlers and the receiver app written the way users write them, so mypy
checks their typing."""

from __future__ import annotations

from starlette.applications import Starlette

from twiliokit import twiml
from twiliokit.webhooks import (
    CallReceived,
    Handlers,
    MessageReceived,
    OptOutChanged,
    StatusChanged,
    VerifyEvent,
    WebhookSettings,
    create_receiver_app,
    validate_signature,
)

handlers = Handlers()


@handlers.on_message
async def answer(event: MessageReceived) -> str | None:
    if not event.body:
        return None
    return f"Got it: {event.body}"


@handlers.on_call
def greet(event: CallReceived) -> twiml.Response:
    response = twiml.Response()
    response.say(f"Hello {event.from_}")
    return response


@handlers.on_status
def track(event: StatusChanged) -> None:
    print(event.sid, event.status, event.outcome)


@handlers.on_opt_out
async def forget(event: OptOutChanged) -> None:
    print(event.recipient, event.action, event.keyword)


@handlers.on_verify
def verified(event: VerifyEvent) -> None:
    print(event.type, event.verification_sid)


def build_app() -> Starlette:
    settings = WebhookSettings(
        auth_token="00000000000000000000000000000000", public_url="https://abc.example.com"
    )
    return create_receiver_app(settings, "sqlite:///ledger.db", handlers)


def check(url: str, params: list[tuple[str, str]], signature: str) -> bool:
    valid: bool = validate_signature(
        url=url, params=params, signature=signature, auth_token="0" * 32
    )
    return valid
