"""Input at the edges (dates past the calendar, deep nesting, malformed SIDs, a missing
signature, wrong Python types) gets a clear error naming what is wrong, over real HTTP and
from the Python client: never a 500 or a bare Python exception."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.surfaces.conftest import service_settings
from twiliokit import Client, ValidationError
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.service import create_service_app
from twiliokit.serving import serve_in_thread

TOKEN = "edges-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: Past year 9999 once in UTC, and before year 1.
LATE = "9999-12-31T23:59:59-05:00"
EARLY = "0001-01-01T00:00:00+05:00"


@pytest.fixture
def url(emulator: RunningEmulator, tmp_path: Path) -> Iterator[str]:
    """The service (HTTP API and webhooks, SQLite ledger) on a free port."""
    settings = service_settings(emulator, tmp_path / "ledger.db", TOKEN)
    with serve_in_thread(create_service_app(settings)) as served:
        yield served


def _error(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize(
    ("action", "arguments", "field"),
    [
        ("search_ledger", {"since": EARLY}, "since"),
        ("list_messages", {"sent_after": EARLY}, "sent_after"),
        ("list_messages", {"sent_before": LATE}, "sent_before"),
        ("list_calls", {"started_after": EARLY}, "started_after"),
        ("list_outbox", {"due_before": LATE}, "due_before"),
        ("send_sms", {"to": "+14155552671", "body": "hi", "send_at": LATE}, "send_at"),
    ],
)
def test_a_date_past_the_calendar_is_a_400_naming_its_field(
    url: str, action: str, arguments: dict[str, Any], field: str
) -> None:
    """A timestamp whose offset takes it before year 1 or past 9999 in UTC is refused as out
    of range, naming the argument, instead of failing the server."""
    error = _error(httpx.post(f"{url}/v1/actions/{action}", json=arguments, headers=AUTH))
    assert error["field"] == field
    assert "out of range" in error["message"]


@pytest.mark.parametrize("given", ["30m", "2030-03-01", "tomorrow", "2030-03-01T09:00:00"])
def test_send_at_takes_only_a_timestamp_with_a_zone(url: str, given: str) -> None:
    """send_at is a moment to come: a duration (which a date filter reads as "ago"), a day
    alone or a timestamp without a zone is refused with what to write instead."""
    arguments = {"to": "+14155552671", "body": "hi", "send_at": given}
    error = _error(httpx.post(f"{url}/v1/actions/send_sms", json=arguments, headers=AUTH))
    assert error["field"] == "send_at"
    assert "time zone" in error["message"]
    assert "ago" not in error["message"] + (error.get("hint") or "")


@pytest.mark.parametrize(
    "body", ["[" * 100_000 + "]" * 100_000, '{"to": ' + "[" * 50 + "]" * 50 + "}"]
)
def test_a_deeply_nested_body_is_a_400_naming_the_body(url: str, body: str) -> None:
    """A body nesting arrays past what any action takes (or past what JSON decoding can
    recurse) is a 400 about the body, not a server error."""
    headers = {**AUTH, "Content-Type": "application/json"}
    for path in ("/v1/actions/send_sms", "/v1/actions"):
        error = _error(httpx.post(f"{url}{path}", content=body, headers=headers))
        assert error["field"] == "body"
        assert "levels deep" in error["message"]


def test_a_malformed_message_sid_is_described_not_shown_as_a_pattern(url: str) -> None:
    """A bad SID in the status-history route says what a message SID looks like."""
    error = _error(httpx.get(f"{url}/v1/messages/SMx/events", headers=AUTH))
    assert "SM or MM followed by 32 hex characters" in error["message"]
    assert "[0-9" not in error["message"]


def test_a_webhook_without_a_signature_is_told_it_has_none(url: str) -> None:
    """A webhook POST with no X-Twilio-Signature is refused (403) saying the header is
    missing, rather than that it does not match."""
    response = httpx.post(
        f"{url}/webhooks/twilio/message-status",
        data={"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"},
    )
    error = _error(response, 403)
    assert "no X-Twilio-Signature header" in error["message"]


def test_the_python_client_names_wrong_types_and_dates_past_the_calendar(
    emulator: RunningEmulator,
) -> None:
    """The client refuses, naming the parameter: a date past the calendar, ``extra`` that
    is not a mapping, a ``to`` that is not a string, and a next_page of no page."""
    with Client(emulator.connection()) as client:
        east = timezone(timedelta(hours=5))
        with pytest.raises(ValidationError, match="DateSent> is out of range"):
            client.list_messages(date_sent_after=datetime(1, 1, 1, tzinfo=east))
        with pytest.raises(ValidationError, match="extra must be a mapping") as caught:
            client.create_message(to="+14155552671", body="x", extra=5)  # type: ignore[arg-type]
        assert caught.value.field == "extra"
        with pytest.raises(ValidationError, match="to must be a string, not int"):
            client.create_message(to=5, body="hi")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="next_page takes a Page"):
            client.next_page(None)  # type: ignore[arg-type]


def test_json_decoding_depth_is_bounded_by_the_same_rule(url: str) -> None:
    """Thirty-two levels of nesting pass the body check (the action then judges the value);
    thirty-three are refused."""
    inside = {"to": "+14155552671", "body": "hi", "content_variables": None}
    for depth, refused in ((31, False), (33, True)):
        nested: Any = inside
        for _ in range(depth):
            nested = [nested]
        response = httpx.post(
            f"{url}/v1/actions/send_sms", content=json.dumps(nested), headers=AUTH
        )
        assert response.status_code == 400
        assert ("levels deep" in response.text) is refused


def test_invalid_json_names_its_position_once(url: str) -> None:
    """An unterminated string is reported with JSON's reason and position, read once."""
    headers = {**AUTH, "Content-Type": "application/json"}
    error = _error(httpx.post(f"{url}/v1/actions/send_sms", content='{"to": "abc', headers=headers))
    assert "Unterminated string starting at line 1 column 8" in error["message"]


def test_a_ledger_route_refuses_a_query_parameter_it_does_not_take(url: str) -> None:
    """A misspelt filter (``?stauts=failed``) is a 400 naming it and listing the parameters,
    not an answer with every message as if it matched."""
    error = _error(httpx.get(f"{url}/v1/messages", params={"stauts": "failed"}, headers=AUTH))
    assert error["field"] == "stauts"
    assert "GET /v1/messages" in error["message"]
    assert "status" in error["hint"]
    conversation = httpx.get(
        f"{url}/v1/conversations/+14155552671", params={"limit": "5", "x": "1"}, headers=AUTH
    )
    assert _error(conversation)["field"] == "x"
    assert "+1415" not in conversation.text  # the route's template, not the contact


def test_a_message_the_ledger_lacks_is_a_404_that_is_not_twilios(url: str) -> None:
    """The status history of a message the ledger never saw is a 404 whose error object
    names the SID and carries no Twilio status or request id (Twilio was not asked)."""
    error = _error(httpx.get(f"{url}/v1/messages/SM{'0' * 32}/events", headers=AUTH), 404)
    assert (error["type"], error["field"], error["status"]) == ("not_found", "sid", None)
    assert "request_id" not in error


def test_catalogue_hints_point_at_the_http_api_not_the_command_line(url: str) -> None:
    """An argument error's hint names GET /v1/actions/{name}, where HTTP clients read the
    schema, not a twiliokit command."""
    error = _error(httpx.post(f"{url}/v1/actions/send_sms", json={"to": 5}, headers=AUTH))
    assert "GET /v1/actions/send_sms" in error["hint"]
    error = _error(
        httpx.post(f"{url}/v1/actions/send_sms", json={"body": "hi", "bogus": 1}, headers=AUTH)
    )
    assert "twiliokit actions" not in (error["hint"] or "")


def test_a_contact_with_letters_is_told_to_be_a_phone_number(url: str) -> None:
    """/v1/conversations/notanumber says a contact is a phone number, not only that sender
    IDs are for senders."""
    error = _error(httpx.get(f"{url}/v1/conversations/notanumber", headers=AUTH))
    assert error["hint"].startswith("Give a phone number in E.164 format")


def test_a_string_that_is_not_text_is_named_in_words(url: str) -> None:
    """A body whose string holds an unpaired surrogate (\\ud800) is a 400 saying the argument
    must be text, in our words, not pydantic's."""
    body = '{"to": "+14155552671", "body": "a\\ud800"}'
    headers = {**AUTH, "Content-Type": "application/json"}
    error = _error(httpx.post(f"{url}/v1/actions/send_sms", content=body, headers=headers))
    assert error["field"] == "body"
    assert error["message"].startswith("'body' must be text (it holds an unpaired surrogate")
    assert "input should" not in error["message"].lower()


def test_an_envelope_with_extra_keys_names_them_in_words(url: str) -> None:
    """POST /v1/actions with keys besides action and arguments names them, not as a Python
    list."""
    envelope = {"action": "list_messages", "arguments": {}, "extra": 1}
    error = _error(httpx.post(f"{url}/v1/actions", json=envelope, headers=AUTH))
    assert error["message"] == "the request takes only 'action' and 'arguments', not 'extra'"
    assert error["field"] == "extra"


def test_outbox_items_show_from_as_every_output_does(url: str) -> None:
    """A scheduled send's outbox item shows its sender as "from" in request, not "from_"."""
    later = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    arguments = {"to": "+14155552671", "body": "later", "send_at": later}
    sent = httpx.post(f"{url}/v1/actions/send_sms", json=arguments, headers=AUTH)
    assert sent.status_code == 200, sent.text
    one = {"outbox_id": sent.json()["outbox_id"]}
    item = httpx.post(f"{url}/v1/actions/get_send", json=one, headers=AUTH).json()
    assert "from_" not in item["request"]
    assert item["request"]["from"] == sent.json()["from"]
