"""The web console in a real browser (headless Chromium driven by Playwright) against a real
`twiliokit serve --emulator`: signing in, the demo conversation, a reply delivered as the
emulator's clock moves, STOP from the handset refusing the next reply, live status updates,
and bodies shown as text, never run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.browser.console_server import DEMO_CONTACT, DEMO_GREETING, ConsoleServer
from tests.browser.flows import (
    PHONE,
    advance_clock_on_handset,
    message_in_thread,
    open_conversation,
    reply,
    sign_in,
    submit_reply,
    submit_sign_in,
    text_from_handset,
)

# One worker runs them all (make test's --dist loadgroup): one server and one Chromium to start.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(180), pytest.mark.xdist_group("browser")]

#: Contacts of their own per test, so that the tests hold in any order on the shared server.
LEAVER = "+14155550142"
LIVE = "+14155550143"
PRANKSTER = "+14155550144"
FORGETFUL = "+14155550145"
#: Long enough for any message the emulator holds to reach its final status.
PAST_DELIVERY = 120
#: How wide the page lays out (Playwright reads it even with the page's own scripts off).
SCROLL_WIDTH = "document.documentElement.scrollWidth"


def test_signing_in_with_the_token_opens_the_inbox(
    page: Page, console_server: ConsoleServer
) -> None:
    """Without a session the console sends the visitor to sign in; the API token opens the
    inbox with an HttpOnly, SameSite=Strict session cookie, and no URL ever carries the token."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    answer = submit_sign_in(page, console_server, console_server.token)
    assert answer is not None
    assert answer.status in {200, 303}
    expect(page).to_have_url(re.compile(r"/console/inbox"))
    expect(page.locator("main")).to_be_visible()
    expect(page.locator("nav")).to_be_visible()
    session = {c["name"]: c for c in page.context.cookies()}["twiliokit_console"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert console_server.token not in session["value"]
    assert not [url for url in requested if console_server.token in url]


def test_a_wrong_token_is_refused(page: Page, console_server: ConsoleServer) -> None:
    """A wrong token gets 401 and an alert saying it is not right, sets no session, and the
    inbox still sends the visitor back to sign in."""
    answer = submit_sign_in(page, console_server, "not-the-token-0123456789")
    assert answer is not None
    assert answer.status == 401
    expect(page.locator("#sign-in-error")).to_contain_text("not right")
    expect(page.locator("#sign-in-error")).to_have_attribute("role", "alert")
    assert "twiliokit_console" not in {c["name"] for c in page.context.cookies()}
    page.goto(console_server.console("inbox"))
    expect(page).to_have_url(re.compile(r"/console/sign-in"))


def test_the_demo_conversation_is_in_the_inbox(
    signed_in: Page, console_server: ConsoleServer
) -> None:
    """The demo contact's greeting is in the inbox as the last message of their conversation,
    whose link opens the thread with the greeting as an inbound message."""
    page = signed_in
    page.goto(console_server.console())
    expect(page).to_have_url(re.compile(r"/console/inbox"))
    row = page.locator(f'#conversations li.conversation[data-contact="{DEMO_CONTACT}"]')
    expect(row.locator(".last-body")).to_have_text(DEMO_GREETING)
    row.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/console/conversations/%2B14155550123$"))
    expect(message_in_thread(page, DEMO_GREETING, direction="inbound")).to_be_visible()


def test_a_reply_reaches_delivered_as_the_clock_advances(
    signed_in: Page, console_server: ConsoleServer
) -> None:
    """A reply typed in the conversation is sent and shown not yet delivered while the
    emulator's clock stands still; once the handset page moves the clock on, the thread shows it
    delivered with `delivered` in its status timeline."""
    page = signed_in
    open_conversation(page, console_server, DEMO_CONTACT)
    expect(page.locator('label[for="reply-body"]')).to_have_count(1)
    sent = reply(page, "Your order ships today.")
    expect(sent).not_to_have_attribute("data-status", "delivered")
    sid = sent.get_attribute("data-sid")
    advance_clock_on_handset(page, console_server, PAST_DELIVERY)
    open_conversation(page, console_server, DEMO_CONTACT)
    delivered = page.locator(f'#thread li.message[data-sid="{sid}"]')
    expect(delivered).to_have_attribute("data-status", "delivered")
    expect(delivered.locator('.timeline li[data-status="delivered"]')).to_have_count(1)


def test_stop_from_the_handset_refuses_the_next_reply_inline(
    signed_in: Page, console_server: ConsoleServer
) -> None:
    """A contact texting STOP from the handset page shows in their conversation, which then
    wears the opt-out badge; a reply is refused inline ("opted out") and nothing is sent."""
    page = signed_in
    text_from_handset(page, console_server, LEAVER, "STOP")
    open_conversation(page, console_server, LEAVER)
    expect(message_in_thread(page, "STOP", direction="inbound")).to_be_visible()
    expect(page.locator("#opt-out-badge")).to_be_visible()
    submit_reply(page, "Are you still there?")
    expect(page.locator("#reply-error")).to_contain_text(re.compile("opted out|replied STOP"))
    expect(page.locator("#reply-error")).to_have_attribute("role", "alert")
    expect(message_in_thread(page, "Are you still there?", direction="outbound")).to_have_count(0)
    assert "Are you still there?" not in console_server.conversation_bodies(LEAVER)


def test_a_status_update_arrives_without_reload(
    signed_in: Page, console_server: ConsoleServer
) -> None:
    """With a conversation open, a message's delivery (the clock moved outside the browser)
    changes its data-status on the page through server-sent events, without a reload."""
    page = signed_in
    sent = console_server.send_sms(LIVE, "Watching this one live")
    open_conversation(page, console_server, LIVE)
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    row = page.locator(f'#thread li.message[data-sid="{sent["sid"]}"]')
    expect(row).not_to_have_attribute("data-status", "delivered")
    page.evaluate("window.stillTheSamePage = true")
    console_server.advance_clock(PAST_DELIVERY)
    expect(row).to_have_attribute("data-status", "delivered")
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_script_body_is_shown_as_text(signed_in: Page, console_server: ConsoleServer) -> None:
    """A text whose body is a <script> and an <img onerror> shows as those characters in the
    inbox and the thread; nothing runs (no dialog, no global set), under a CSP without inline
    script."""
    page = signed_in
    body = (
        '<script>window.pwned = 1; alert("script ran")</script>'
        '<img src="x" onerror="window.pwned = 2; alert(\'img ran\')">'
    )
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    console_server.text_in(PRANKSTER, body)
    page.goto(console_server.console("inbox"))
    row = page.locator(f'#conversations li.conversation[data-contact="{PRANKSTER}"]')
    expect(row.locator(".last-body")).to_have_text(body)
    answer = page.goto(console_server.conversation(PRANKSTER))
    assert answer is not None
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    shown = message_in_thread(page, "<script>", direction="inbound")
    expect(shown.locator(".body")).to_have_text(body)
    expect(page.locator("#thread script")).to_have_count(0)
    expect(page.locator('#thread img[src="x"]')).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    assert dialogs == []


def test_a_form_without_its_csrf_token_is_refused(
    signed_in: Page, console_server: ConsoleServer
) -> None:
    """A reply posted without the form's CSRF token is refused 403 ("form expired") and sends
    nothing, even with a valid session."""
    page = signed_in
    console_server.text_in(FORGETFUL, "Hello?")
    open_conversation(page, console_server, FORGETFUL)
    page.locator('#reply input[name="csrf_token"]').evaluate("input => input.remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        submit_reply(page, "Sent without a token")
    assert answer.value.status == 403
    assert "form expired" in answer.value.text()
    assert "Sent without a token" not in console_server.conversation_bodies(FORGETFUL)


def test_reading_pages_work_without_javascript_at_375px(
    browser: Browser, console_server: ConsoleServer
) -> None:
    """With JavaScript off in a 375 px wide window, signing in (a plain form post), the inbox
    and a conversation all work, and neither page is wider than the window."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, console_server)
        row = page.locator(f'#conversations li.conversation[data-contact="{DEMO_CONTACT}"]')
        expect(row).to_be_visible()
        assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
        open_conversation(page, console_server, DEMO_CONTACT)
        expect(message_in_thread(page, DEMO_GREETING, direction="inbound")).to_be_visible()
        assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    finally:
        context.close()


def test_the_keyboard_reaches_the_content_with_a_visible_focus(
    signed_in: Page, console_server: ConsoleServer
) -> None:
    """From the inbox, the first Tab lands on a "Skip to content" link shown on screen; Enter
    follows it, and the next Tab focuses the search box inside <main> with a visible outline."""
    page = signed_in
    page.goto(console_server.console("inbox"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert skip.bounding_box() is not None
    assert skip.evaluate("link => link.getBoundingClientRect().left") >= 0
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    search = page.locator("main #search")
    expect(search).to_be_focused()
    assert search.evaluate("input => getComputedStyle(input).outlineStyle") != "none"
