"""The console's reply box and live stream over HTTP: replies go through the send pipeline
(refusals inline), and /console/events streams new messages and status changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx

from tests.integration.console.conftest import DEMO_CONTACT, Console, started
from tests.integration.console.html import parse
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.guardrails import Guardrails


def _thread(console: Console, contact: str) -> list[dict[str, str]]:
    page = console.page(f"/console/conversations/{quote(contact, safe='')}")
    return [
        {**m.attrs, "body": m.one("p", class_="body").text}
        for m in page.one("ol", id="thread").all("li", class_="message")
    ]


def _reply(console: Console, contact: str, body: str) -> httpx.Response:
    path = f"/console/conversations/{quote(contact, safe='')}"
    return console.post(path, {"body": body})


def test_a_reply_is_sent_and_recorded_then_refused_after_stop(signed_in: Console) -> None:
    """A reply goes out through the pipeline (it is in the thread, outbound, with its SID);
    after the contact texts STOP from the handset the next reply is refused inline with the
    reason, and nothing more is sent."""
    sent = _reply(signed_in, DEMO_CONTACT, "Your order ships today")
    assert sent.status_code == 303
    outbound = [m for m in _thread(signed_in, DEMO_CONTACT) if m["data-direction"] == "outbound"]
    assert [m["body"] for m in outbound] == ["Your order ships today"]
    assert outbound[0]["data-sid"].startswith("SM")
    stop = signed_in.post(
        "/console/handset", {"from": DEMO_CONTACT, "body": "STOP"}, form_page="/console/handset"
    )
    assert stop.status_code == 303
    refused = _reply(signed_in, DEMO_CONTACT, "One more thing")
    assert refused.status_code == 422
    page = parse(refused.text)
    alert = page.one("p", id="reply-error")
    assert alert.attrs["role"] == "alert"
    assert "opted out" in alert.text
    assert "STOP" in alert.text
    assert page.one("textarea", id="reply-body").text == "One more thing"
    assert page.one(id="opt-out-badge")
    bodies = [m["body"] for m in _thread(signed_in, DEMO_CONTACT)]
    assert "One more thing" not in bodies


def test_an_empty_reply_is_refused_naming_the_problem(signed_in: Console) -> None:
    """An empty reply box is answered 422 with an alert, and nothing is sent."""
    response = _reply(signed_in, DEMO_CONTACT, "   ")
    assert response.status_code == 422
    assert "empty" in parse(response.text).one("p", id="reply-error").text


def _events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, object]]]:
    kind = ""
    for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield kind, json.loads(line.removeprefix("data: "))


def test_the_event_stream_yields_messages_and_status_changes(signed_in: Console) -> None:
    """With /console/events open, an inbound text yields a `message` event, and a reply's
    delivery (the emulator's status callback after its clock moves) a `status` event for the
    reply's SID, without any page being reloaded."""
    with signed_in.http.stream("GET", "/console/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")  # subscribed from here on
        signed_in.text_in(DEMO_CONTACT, "Any news?")
        assert _reply(signed_in, DEMO_CONTACT, "Out for delivery").status_code == 303
        sid = next(
            m["data-sid"]
            for m in _thread(signed_in, DEMO_CONTACT)
            if m["body"] == "Out for delivery"
        )
        signed_in.emulator.control.advance(60)
        seen: list[tuple[str, dict[str, object]]] = []
        for kind, data in _events(lines):
            seen.append((kind, data))
            if kind == "status" and data["sid"] == sid and data["status"] == "delivered":
                break
    assert ("message", {"contact": DEMO_CONTACT, "sid": seen[0][1]["sid"]}) == seen[0]
    assert any(kind == "message" and data["sid"] == sid for kind, data in seen)
    statuses = [data["status"] for kind, data in seen if kind == "status" and data["sid"] == sid]
    assert statuses[-1] == "delivered"
    delivered = [m for m in _thread(signed_in, DEMO_CONTACT) if m["data-sid"] == sid]
    assert delivered[0]["data-status"] == "delivered"


def test_the_event_stream_needs_a_session(console: Console) -> None:
    """Without a session /console/events answers 401 and streams nothing."""
    response = console.get("/console/events")
    assert response.status_code == 401


def test_a_reply_on_a_dry_run_server_sends_nothing_and_says_so(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """With the guardrails' dry run on, a reply answers the page with a notice that nothing
    was sent, and the thread gains no outbound message."""
    with started(emulator, tmp_path / "ledger.sqlite3", guardrails=Guardrails(dry_run=True)) as c:
        c.sign_in()
        answer = _reply(c, DEMO_CONTACT, "Only a preview")
        assert answer.status_code == 200
        assert "nothing was sent" in parse(answer.text).one("p", id="reply-notice").text
        assert [m for m in _thread(c, DEMO_CONTACT) if m["data-direction"] == "outbound"] == []
