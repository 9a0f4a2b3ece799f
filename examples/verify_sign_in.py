"""A Verify sign-in: send a one-time code by SMS, ask the user for it, check it.

What a sign-in or sign-up form does with Twilio Verify: create (or reuse) a Verify service,
start a verification to the user's phone (Twilio texts them a code), prompt for the code and
check it. A wrong code may be retried (``--attempts``, default 3; Twilio allows 5); the right
one prints ``approved``.

Against the emulator (no account needed): the emulator sends no real SMS, so read the code
the way a test does, from its control API, in another terminal::

    twiliokit emulator            # in another terminal; paste the `export ...` line it prints
    python examples/verify_sign_in.py +14155552671
    # when it asks for the code, in another terminal:
    curl -s "$TWILIOKIT_BASE_URL/_emulator/verifications"     # {"verifications": [{"code": ...}]}

Against Twilio: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or an API key), leave
TWILIOKIT_BASE_URL unset, and use your own phone number: the code arrives by SMS (each
verification is billed). ``--service VA...`` reuses a Verify service instead of creating one.

Exit status: 0 when approved, 1 when not, 2 for bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from twiliokit import ActionContext, AsyncClient, TwiliokitError, invoke, resolve_connection


async def sign_in(phone: str, service_sid: str | None, attempts: int) -> bool:
    connection = resolve_connection(environ=os.environ)
    async with AsyncClient(connection) as client:
        context = ActionContext(client=client, connection=connection)
        if service_sid is None:
            service = await invoke(
                "create_verify_service", {"friendly_name": "Example App"}, context=context
            )
            service_sid = service["sid"]
            print(f"created Verify service {service_sid}")
        started = await invoke(
            "start_verification",
            {"service_sid": service_sid, "to": phone, "channel": "sms"},
            context=context,
        )
        print(f"code sent to {started['to']} ({started['sid']}, {started['status']})", flush=True)
        for attempt in range(1, attempts + 1):
            # input() blocks: run it in a thread so that the event loop is not held.
            code = (await asyncio.to_thread(input, "Enter the code: ")).strip()
            try:
                checked = await invoke(
                    "check_verification",
                    {"service_sid": service_sid, "to": phone, "code": code},
                    context=context,
                )
            except TwiliokitError as exc:  # a malformed code, or too many attempts
                print(f"not accepted: {exc.message}", flush=True)
                if exc.field != "code":
                    return False
                continue
            if checked["approved"]:
                print("approved: signed in", flush=True)
                return True
            left = attempts - attempt
            print(f"wrong code ({checked['status']}); {left} attempt(s) left", flush=True)
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phone", help="the user's phone number, in E.164 (+14155552671)")
    parser.add_argument("--service", help="an existing Verify service (VA...)")
    parser.add_argument("--attempts", type=int, default=3, help="codes to accept (3)")
    options = parser.parse_args(argv)
    try:
        approved = asyncio.run(sign_in(options.phone, options.service, options.attempts))
    except TwiliokitError as exc:
        print(f"error: {exc.message}" + (f" Hint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 2
    except EOFError:
        print("\nno code given", file=sys.stderr)
        return 1
    return 0 if approved else 1


if __name__ == "__main__":
    sys.exit(main())
