"""What a person does in the console, step by step, on a Playwright page: the browser tests
and ``scripts/console_screenshots.py`` both walk these, so the pictures in docs/console.md
show what the tests prove.

Each step finds things the way a person does (labels, button names) where the console contract
(docs/console.md) gives them, and waits with Playwright's auto-waiting expectations, never a
fixed pause.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Response, ViewportSize

    from tests.browser.console_server import ConsoleServer

#: A phone's window: the console must be usable 375 px wide (issue 17).
PHONE: ViewportSize = {"width": 375, "height": 740}

__all__ = [
    "PHONE",
    "advance_clock_on_handset",
    "message_in_thread",
    "open_conversation",
    "reply",
    "sign_in",
    "submit_reply",
    "submit_sign_in",
    "text_from_handset",
]


def submit_sign_in(page: Page, server: ConsoleServer, token: str) -> Response | None:
    """Open the console, land on its sign-in page, type ``token`` and press Sign in; the
    answer to the form's POST."""
    page.goto(server.console())
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    page.get_by_label("API token").fill(token)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return posted.value


def sign_in(page: Page, server: ConsoleServer) -> None:
    """Sign in with the service's token and arrive at the inbox."""
    submit_sign_in(page, server, server.token)
    expect(page).to_have_url(re.compile(r"/console/inbox"))


def open_conversation(page: Page, server: ConsoleServer, contact: str) -> Locator:
    """The conversation with ``contact``; its ``#thread``."""
    page.goto(server.conversation(contact))
    thread = page.locator("#thread")
    expect(thread).to_be_visible()
    return thread


def message_in_thread(page: Page, body: str, *, direction: str) -> Locator:
    """The ``li.message`` of ``direction`` in ``#thread`` whose body is ``body``."""
    return (
        page.locator(f"#thread li.message[data-direction={direction}]")
        .filter(has=page.locator(".body", has_text=body))
        .last
    )


def submit_reply(page: Page, body: str) -> None:
    """Type ``body`` in the open conversation's reply box and press Send."""
    form = page.locator("#reply")
    form.locator("#reply-body").fill(body)
    form.get_by_role("button", name="Send").click()


def reply(page: Page, body: str) -> Locator:
    """:func:`submit_reply`, then the reply's ``li.message`` once it is in the thread."""
    submit_reply(page, body)
    sent = message_in_thread(page, body, direction="outbound")
    expect(sent).to_have_attribute("data-sid", re.compile(r"^(SM|MM)[0-9a-f]{32}$"))
    return sent


def text_from_handset(page: Page, server: ConsoleServer, contact: str, body: str) -> None:
    """On the emulator handset page, text ``body`` to our number from ``contact``."""
    page.goto(server.console("handset"))
    page.locator("#handset-from").fill(contact)
    page.locator("#handset-body").fill(body)
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.locator("#handset").get_by_role("button", name="Text").click()
    page.wait_for_load_state()


def advance_clock_on_handset(page: Page, server: ConsoleServer, seconds: int) -> None:
    """On the emulator handset page, move the emulator's clock on by ``seconds``."""
    page.goto(server.console("handset"))
    page.locator("#clock-seconds").fill(str(seconds))
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.locator("#clock").get_by_role("button", name="Advance clock").click()
    page.wait_for_load_state()
