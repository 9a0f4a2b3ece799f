"""Screenshots of every console page for docs/console.md, from the browser tests' own fixtures
and flows (tests/browser/): a real `twiliokit serve --emulator` on a free port, Debian's
Chromium through Playwright, headless.

It plays a small scene first (the demo contact's greeting and a delivered reply, a failed
message with its error code, a STOP from the handset, a body full of markup shown as text),
then saves one PNG per page in docs/console/ (overwriting the last run's). Re-run it whenever
the console changes:

    .venv/bin/python scripts/console_screenshots.py            # into docs/console/
    .venv/bin/python scripts/console_screenshots.py --out /tmp/shots

Exit status 1 when a page could not be shown (it names which); the others are still saved.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

# The tests' fixtures and flows, importable from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from playwright.sync_api import Error, expect, sync_playwright
from tests.browser.console_server import (
    DEMO_CONTACT,
    ConsoleServer,
    chromium_missing,
    launch_chromium,
    running_console,
)
from tests.browser.flows import (
    PHONE,
    open_conversation,
    reply,
    sign_in,
    submit_reply,
    text_from_handset,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

ROOT = Path(__file__).resolve().parents[1]

#: Wide enough for the tables; the small-screen shots use PHONE (375 px).
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
LEAVER = "+14155550161"
UNREACHABLE = "+14155550162"
PRANKSTER = "+14155550163"


def play_scene(page: Page, server: ConsoleServer) -> None:
    """What the pictures show: a delivered reply, a failed send, an opt-out, markup as text.
    The emulator's clock runs in real time here, so every timestamp reads as it happened; each
    step waits (Playwright's expectations) for the live page to show its outcome."""
    open_conversation(page, server, DEMO_CONTACT)
    sent = reply(page, "Yes! It left the warehouse this morning and arrives tomorrow.")
    expect(sent).to_have_attribute("data-status", "delivered", timeout=60_000)
    server.handset_fails(UNREACHABLE, 30003)
    server.text_in(UNREACHABLE, "Can you text me the tracking number?")
    failed = server.send_sms(UNREACHABLE, "Sure: 1Z999AA10123456784")
    open_conversation(page, server, UNREACHABLE)
    row = page.locator(f'#thread li.message[data-sid="{failed["sid"]}"]')
    expect(row).to_have_attribute("data-status", "undelivered", timeout=60_000)
    server.text_in(PRANKSTER, '<script>alert("hi")</script> is this shown as text?')
    text_from_handset(page, server, LEAVER, "STOP")
    forged = httpx.post(  # a forged webhook: the webhooks page shows why it was refused
        f"{server.url}/webhooks/twilio/messaging",
        data={"MessageSid": "SM" + "f" * 32, "From": PRANKSTER, "Body": "forged"},
        headers={"X-Twilio-Signature": "bm90IGEgcmVhbCBzaWduYXR1cmU="},
        timeout=30,
    )
    assert forged.status_code == 403, forged.text


def shoot(page: Page, out: Path, name: str, url: str | None, ready: str, failed: list[str]) -> None:
    """Open ``url`` (``None``: stay), wait for ``ready`` (a selector) to show, save
    ``out/NAME.png``; a page that does not show is named in ``failed`` and the run goes on."""
    try:
        if url is not None:
            page.goto(url)
        expect(page.locator(ready).first).to_be_visible()
        page.screenshot(path=out / f"{name}.png", full_page=True)
    except (Error, AssertionError) as exc:
        failed.append(name)
        print(f"  {name}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return
    print(f"  {name}.png  {page.url}")


def refused_reply(page: Page, server: ConsoleServer) -> None:
    """The opted-out contact's conversation with a reply just refused under the box."""
    open_conversation(page, server, LEAVER)
    submit_reply(page, "We miss you! 20% off this week.")


def start_batch(server: ConsoleServer, failed: list[str]) -> str | None:
    """A bulk send to a dozen contacts, paced, so the batch page has progress to show; its id,
    or ``None`` (named in ``failed``) when the service would not take it."""
    recipients = [{"to": f"+1415555{200 + n:04d}", "variables": {"n": n}} for n in range(12)]
    try:
        started = server.action(
            "send_bulk", {"recipients": recipients, "body": "Your table for {n} is ready."}
        )
    except AssertionError as exc:
        failed.append("batch")
        print(f"  batch: {str(exc).splitlines()[0]}", file=sys.stderr)
        return None
    return str(started["batch_id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "console")
    args = parser.parse_args()
    missing = chromium_missing()
    if missing is not None:
        raise SystemExit(missing)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="console-shots-") as directory,
        running_console(Path(directory), frozen=False) as server,
        sync_playwright() as playwright,
    ):
        expect.set_options(timeout=15_000)
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        shoot(page, out, "sign-in", server.console(), "#sign-in", failed)
        sign_in(page, server)
        play_scene(page, server)
        refused_reply(page, server)
        shoot(page, out, "conversation-opted-out", None, "#reply-error", failed)
        batch = start_batch(server, failed)
        pages: list[tuple[str, str, str]] = [
            ("inbox", server.console("inbox"), "#conversations"),
            ("conversation", server.conversation(DEMO_CONTACT), "#thread"),
            ("conversation-failed", server.conversation(UNREACHABLE), "#thread"),
            ("outbox", server.console("outbox"), "#outbox-items"),
            ("opt-outs", server.console("opt-outs"), "#opt-outs"),
            *([("batch", server.console(f"batches/{batch}"), "#batch-progress")] if batch else []),
            ("webhooks", server.console("webhooks"), "#deliveries"),
            ("chart", server.console("chart"), "#chart-statuses"),
            ("handset", server.console("handset"), "#handset"),
        ]
        for name, url, ready in pages:
            shoot(page, out, name, url, ready, failed)
        phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
        small = phone.new_page()
        shoot(small, out, "inbox-375px", server.console("inbox"), "#conversations", failed)
        shoot(
            small, out, "conversation-375px", server.conversation(DEMO_CONTACT), "#thread", failed
        )
        browser.close()
    if failed:
        print("not shown: " + ", ".join(failed), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
