"""The emulator handset page over HTTP: texting the Twilio number as a contact, moving the
emulator's clock, injecting a fault; and its absence when not on the emulator."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from tests.integration.console.conftest import DEMO_CONTACT, Console, started
from tests.integration.console.html import parse
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.console import ConsoleSettings


def test_the_handset_texts_in_and_shows_the_replies(signed_in: Console) -> None:
    """A text from the handset reaches the conversation as an inbound message; a reply sent
    from the console appears in the handset's replies, and moving the clock delivers it."""
    contact = "+14155550150"
    page = signed_in.page("/console/handset")
    assert page.one("input", id="handset-from").attrs["name"] == "from"
    sent = signed_in.post(
        "/console/handset",
        {"from": contact, "body": "Hi from my phone"},
        form_page="/console/handset",
    )
    assert sent.status_code == 303
    thread = signed_in.page(f"/console/conversations/{quote(contact, safe='')}")
    inbound = thread.one("li", class_="message", data_direction="inbound")
    assert inbound.one("p", class_="body").text == "Hi from my phone"
    path = f"/console/conversations/{quote(contact, safe='')}"
    assert signed_in.post(path, {"body": "Hello, phone"}).status_code == 303
    replies = signed_in.page("/console/handset", **{"from": contact}).one(
        "ol", id="handset-replies"
    )
    assert "Hello, phone" in replies.one("li", class_="message").text
    moved = signed_in.post(
        "/console/handset/clock", {"from": contact, "seconds": "60"}, form_page="/console/handset"
    )
    assert moved.status_code == 303
    after = parse(signed_in.get(moved.headers["location"]).text)
    assert "60 s forward" in after.one("p", id="handset-notice").text
    assert after.one("ol", id="handset-replies").one("li").attrs["data-status"] == "delivered"


def test_a_fault_from_the_handset_fails_the_next_send(signed_in: Console) -> None:
    """The fault form makes the emulator answer the next send with 500: the reply is refused
    inline, and the one after goes out."""
    injected = signed_in.post(
        "/console/handset/fault", {"fault": "server-error"}, form_page="/console/handset"
    )
    assert injected.status_code == 303
    path = f"/console/conversations/{quote(DEMO_CONTACT, safe='')}"
    refused = signed_in.post(path, {"body": "first try"})
    assert refused.status_code == 422
    assert parse(refused.text).one("p", id="reply-error").text.startswith("Not sent")
    assert signed_in.post(path, {"body": "second try"}).status_code == 303


def test_bad_handset_input_is_named(signed_in: Console) -> None:
    """A number the emulator cannot take, a clock step that is not a number and an unknown
    fault are each answered 422 with an alert naming the problem."""
    for path, fields, words in (
        ("/console/handset", {"from": "not a number", "body": "x"}, "From"),
        ("/console/handset/clock", {"seconds": "soon"}, "seconds"),
        ("/console/handset/fault", {"fault": "meteor"}, "fault"),
    ):
        response = signed_in.post(path, fields, form_page="/console/handset")
        assert response.status_code == 422, path
        assert words in parse(response.text).one("p", id="handset-error").text


def test_there_is_no_handset_away_from_the_emulator(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """Without an emulator in the console's settings the handset page is a 404 saying why,
    and the navigation does not offer it."""
    with started(emulator, tmp_path / "ledger.sqlite3", console=ConsoleSettings()) as console:
        console.sign_in()
        response = console.get("/console/handset")
        assert response.status_code == 404
        assert "emulator" in parse(response.text).one("p", id="error").text
        nav = console.page("/console/inbox").one("nav")
        assert "Handset" not in nav.text
