"""Appointment reminders sent later: a CSV of appointments in, one scheduled SMS each out.

For each row of the CSV (``appointment_id,name,phone,starts_at``, times in ISO 8601 UTC) it
sends "see you at ..." a chosen time before the appointment (``--lead-hours``, default 24):

- scheduled (``send_sms`` with ``send_at``) when that time is ahead, up to 35 days: twiliokit
  holds the reminder in its outbox, in the ledger, and a worker sends it then (``twiliokit
  worker``, or the one ``twiliokit serve`` runs), checking opt-outs and the other rules again
  when it leaves; no Messaging Service is needed;
- sent now when that time has passed and the appointment has not;
- skipped, with the reason printed, when the appointment has started or the reminder is more
  than 35 days ahead (a later run schedules it).

The sender is the connection's (TWILIO_PHONE_NUMBER), or a Messaging Service with
``--messaging-service MG...`` or TWILIO_MESSAGING_SERVICE_SID.

**Safe to re-run.** Each reminder is sent with an idempotency key made of the appointment's
id and time, kept in the ledger (TWILIOKIT_DATABASE_URL, else twiliokit's default SQLite
ledger): running the script again within 24 hours (how long keys are kept) sends nothing new
and says so, while a moved appointment gets a new reminder. A reminder whose appointment is
cancelled can be cancelled before it leaves with ``cancel_send`` and the printed outbox id.

Against the emulator (no account needed)::

    twiliokit emulator            # in another terminal; paste the `export ...` line it prints
    python examples/appointment_reminders.py examples/appointments.csv
    twiliokit worker              # sends each reminder when it is due

Against Twilio: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (or an API key) and
TWILIO_PHONE_NUMBER, leave TWILIOKIT_BASE_URL unset, and use a CSV of people who agreed to be
texted: each reminder is a real SMS, which costs money. Edit the dates in
examples/appointments.csv first; appointments in the past are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from twiliokit import TwiliokitError, resolve_connection
from twiliokit.compliance import LedgerHooks
from twiliokit.ledger import open_ledger
from twiliokit.server.guardrails import GuardedCatalogue, Guardrails
from twiliokit.server.runtime import AgentRuntime, open_runtime

#: twiliokit holds a scheduled send for up to 35 days.
LATEST = timedelta(days=35)


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    name: str
    phone: str
    starts_at: datetime


def read_appointments(path: Path) -> list[Appointment]:
    """The CSV's rows; a bad row stops the run with its line number, before anything is sent."""
    appointments = []
    with path.open(newline="", encoding="utf-8") as file:
        for line, row in enumerate(csv.DictReader(file), start=2):
            try:
                starts_at = datetime.fromisoformat(row["starts_at"])
                if starts_at.tzinfo is None:
                    raise ValueError("give the time zone, e.g. 2026-12-08T09:30:00Z")
                appointments.append(
                    Appointment(
                        row["appointment_id"], row["name"], row["phone"], starts_at.astimezone(UTC)
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                sys.exit(
                    f"{path}, line {line}: expected appointment_id,name,phone,starts_at "
                    f"(ISO 8601 with a zone): {exc}"
                )
    return appointments


def plan(appointment: Appointment, lead: timedelta, now: datetime) -> datetime | str | None:
    """When to send its reminder: a time to schedule it at, ``None`` to send it now, or the
    reason it is skipped."""
    if appointment.starts_at <= now:
        return "the appointment has started"
    remind_at = appointment.starts_at - lead
    if remind_at - now > LATEST:
        return "more than 35 days ahead: a later run schedules it"
    if remind_at <= now:
        return None
    return remind_at


async def remind(runtime: AgentRuntime, appointment: Appointment, when: datetime | None) -> str:
    """Send (or schedule) one reminder; what happened, in a few words."""
    local = appointment.starts_at.strftime("%a %d %b at %H:%M UTC")
    arguments: dict[str, object] = {
        "to": appointment.phone,
        "body": f"Hi {appointment.name}, a reminder of your appointment on {local}. "
        "Reply STOP to stop these texts.",
        # The same appointment at the same time is the same reminder, whatever run sends it.
        "idempotency_key": f"reminder-{appointment.appointment_id}-"
        f"{appointment.starts_at:%Y%m%dT%H%M%SZ}",
    }
    if when is not None:
        arguments["send_at"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    outcome = await runtime.call("send_sms", arguments)
    message = outcome.output
    verb = "already accepted in an earlier run" if outcome.replayed else "accepted"
    # A scheduled reminder has no message SID until it leaves: its outbox item names it.
    return f"{verb}: {message['sid'] or message['outbox_id']} ({message['status']})"


async def run(path: Path, lead: timedelta, service: str | None) -> int:
    appointments = read_appointments(path)
    overrides = {"messaging_service_sid": service} if service else None
    connection = resolve_connection(environ=os.environ, overrides=overrides)
    failures = 0
    async with (
        await open_ledger(os.environ.get("TWILIOKIT_DATABASE_URL")) as ledger,
        open_runtime(
            connection, GuardedCatalogue(Guardrails()), ledger=ledger, hooks=LedgerHooks(ledger)
        ) as runtime,
    ):
        for appointment in appointments:
            # The clock send_sms checks the scheduling window with.
            decision = plan(appointment, lead, runtime.context.now())
            label = f"{appointment.appointment_id} {appointment.phone}"
            if isinstance(decision, str):
                print(f"{label}: skipped, {decision}")
                continue
            when = "now" if decision is None else f"at {decision:%Y-%m-%dT%H:%M:%SZ}"
            try:
                print(f"{label}: reminder {when}, {await remind(runtime, appointment, decision)}")
            except TwiliokitError as exc:  # one refused reminder does not stop the others
                failures += 1
                print(f"{label}: not sent: {exc.message}")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="appointment_id,name,phone,starts_at rows")
    parser.add_argument("--lead-hours", type=float, default=24.0, help="hours before (24)")
    parser.add_argument("--messaging-service", help="MG... (or TWILIO_MESSAGING_SERVICE_SID)")
    options = parser.parse_args(argv)
    lead = timedelta(hours=options.lead_hours)
    return asyncio.run(run(options.csv, lead, options.messaging_service))


if __name__ == "__main__":
    sys.exit(main())
