"""lookup_phone_number and raw_request end to end against the emulator."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.helpers.sink import run_sink as serve_sink
from tests.integration.actions.conftest import Run
from tests.integration.actions.helpers import FAST_RETRY, TO, count_messages
from twiliokit.actions import ActionContext, invoke
from twiliokit.actions.lookup import LookupPhoneNumberInput, lookup_phone_number
from twiliokit.actions.raw import RawRequestInput, raw_request
from twiliokit.client import AsyncClient
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import NotFoundError, TwilioError, ValidationError

pytestmark = pytest.mark.anyio

MESSAGES = r"/Messages\.json$"


async def test_lookup_formats_and_classifies_a_number(run: Run) -> None:
    """A valid number comes back in E.164 and national format with its line type."""
    found = await run(
        "lookup_phone_number",
        {
            "phone_number": "(415) 555-2671",
            "country_code": "us",
            "fields": ["line_type_intelligence"],
        },
    )
    assert (found["valid"], found["phone_number"], found["country_code"]) == (True, TO, "US")
    assert found["national_format"] == "(415) 555-2671"
    assert found["line_type"] is not None
    assert found["raw"]["phone_number"] == TO


async def test_lookup_of_an_invalid_number_is_an_answer_not_an_error(run: Run) -> None:
    """An impossible number is valid=false with Twilio's reason (that is the lookup's job)."""
    found = await run("lookup_phone_number", {"phone_number": "+1415555"})
    assert found["valid"] is False
    assert found["validation_errors"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"phone_number": "call me maybe"}, "phone_number"),
        ({"phone_number": TO, "fields": ["everything"]}, "fields.0"),
        ({"phone_number": TO, "country_code": "USA"}, "country_code"),
    ],
)
async def test_lookup_refuses_what_cannot_be_a_number(
    run: Run, arguments: dict[str, Any], field: str
) -> None:
    """Text that is no number, unknown data packages and bad countries name their field."""
    with pytest.raises(ValidationError) as caught:
        await run("lookup_phone_number", arguments)
    assert caught.value.field == field


async def test_raw_get_fills_in_the_account_and_api_version(
    run: Run, emulator: RunningEmulator
) -> None:
    """rawRequest with Prismatic's path style (/Accounts/$TWILIO_ACCOUNT_SID/...) lists."""
    await run("send_sms", {"to": TO, "body": "raw"})
    answer = await run(
        "rawRequest",
        {
            "method": "get",
            "url": "/Accounts/$TWILIO_ACCOUNT_SID/Messages.json",
            "query": {"PageSize": 5, "To": TO},
        },
    )
    assert (answer["status_code"], answer["data_encoding"]) == (200, "json")
    assert [m["body"] for m in answer["data"]["messages"]] == ["raw"]
    assert f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json" in answer["url"]


async def test_raw_post_sends_form_data(run: Run, emulator: RunningEmulator) -> None:
    """A raw POST with form data changes a resource (here it redacts a message's body)."""
    sent = await run("send_sms", {"to": TO, "body": "secret"})
    answer = await run(
        "raw_request",
        {
            "method": "POST",
            "path": f"/2010-04-01/Accounts/{{AccountSid}}/Messages/{sent['sid']}.json",
            "data": {"Body": ""},
        },
    )
    assert answer["status_code"] == 200
    assert answer["data"]["body"] == ""
    assert count_messages(emulator) == 1


@pytest.mark.parametrize(
    ("path", "product", "action"),
    [
        ("/2010-04-01/Accounts/{AccountSid}/Messages.json", "api", "send_sms"),
        ("/Accounts/$TWILIO_ACCOUNT_SID/Calls", "api", "make_call"),
        ("https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json?x=1", "api", "send_sms"),
        ("/v2/Services/VA" + "0" * 32 + "/Verifications", "verify", "start_verification"),
    ],
)
async def test_a_raw_post_that_sends_is_refused(
    run: Run, emulator: RunningEmulator, path: str, product: str, action: str
) -> None:
    """A raw POST creating a message, call or verification would go around compliance and
    the outbox: refused naming path and the action to use; nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await run(
            "raw_request",
            {"method": "POST", "path": path, "product": product, "data": {"To": TO}},
        )
    assert caught.value.field == "path"
    assert action in (caught.value.hint or "")
    assert count_messages(emulator) == 0


async def test_raw_media_fetch_gives_the_public_redirect(run: Run) -> None:
    """GET on a media URL answers 307 with redirect_url, the file's public location."""
    sent = await run(
        "send_sms", {"to": TO, "body": "pic", "media_urls": ["https://example.com/cat.jpg"]}
    )
    [media] = (await run("list_message_media", {"message_sid": sent["sid"]}))["media"]
    answer = await run(
        "raw_request", {"method": "GET", "path": media["url"], "response_type": "binary"}
    )
    assert answer["status_code"] == 307
    assert answer["redirect_url"] == "https://example.com/cat.jpg"
    assert (answer["data"], answer["data_encoding"]) == ("", "base64")


async def test_raw_text_and_product_hosts(run: Run) -> None:
    """Other products are reached by name (here lookups) and text comes back as text."""
    answer = await run(
        "raw_request",
        {
            "method": "GET",
            "path": f"/v2/PhoneNumbers/{TO}",
            "product": "lookups",
            "response_type": "text",
        },
    )
    assert answer["data_encoding"] == "text"
    assert TO in answer["data"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"method": "GET", "path": "https://evil.example.com/steal"}, "path"),
        ({"method": "GET", "path": "https://api.twilio.com.evil.example/x"}, "path"),
        ({"method": "GET", "path": "Messages.json"}, "path"),
        ({"method": "GET", "path": "/x", "data": {"a": "b"}}, "data"),
        ({"method": "POST", "path": "/x", "data": {"a": "b"}, "json": {"a": 1}}, "json"),
        ({"method": "GET", "path": "/x", "headers": {"Authorization": "Basic x"}}, "headers"),
        ({"method": "TRACE", "path": "/x"}, "method"),
        ({"method": "GET", "path": "/x", "response_type": "xml"}, "response_type"),
        ({"method": "GET", "path": "/x", "max_retries": 11}, "max_retries"),
    ],
)
async def test_raw_refuses_other_hosts_and_bad_requests(
    run: Run, emulator: RunningEmulator, arguments: dict[str, Any], field: str
) -> None:
    """Hosts other than Twilio's are refused (credentials never leave), as are bad shapes."""
    with pytest.raises(ValidationError) as caught:
        await run("raw_request", arguments)
    assert caught.value.field == field


async def test_raw_errors_and_retry_settings(run: Run, emulator: RunningEmulator) -> None:
    """A 404 raises not_found; max_retries 0 gives up on a 503 at once; retry_on_all_errors
    retries a 400."""
    with pytest.raises(NotFoundError):
        await run(
            "raw_request",
            {
                "method": "GET",
                "path": "/2010-04-01/Accounts/{AccountSid}/Messages/SM" + "0" * 32 + ".json",
            },
        )

    emulator.control.add_fault(method="GET", path=MESSAGES, status=503, times=1)
    with pytest.raises(TwilioError) as caught:
        await run(
            "raw_request",
            {
                "method": "GET",
                "path": "/2010-04-01/Accounts/{AccountSid}/Messages.json",
                "max_retries": 0,
            },
        )
    assert caught.value.status == 503

    emulator.control.add_fault(method="GET", path=MESSAGES, status=400, code=20001, times=2)
    answer = await run(
        "raw_request",
        {
            "method": "GET",
            "path": "/2010-04-01/Accounts/{AccountSid}/Messages.json",
            "retry_on_all_errors": True,
            "max_retries": 3,
            "retry_delay": 0.01,
            "exponential_backoff": False,
        },
    )
    assert answer["status_code"] == 200


async def test_raw_multipart_upload_sends_files_and_fields(emulator: RunningEmulator) -> None:
    """Files go out as multipart form data next to the form fields; binary answers come back
    base64. (A recording HTTP server stands in for the Twilio host, via the connection's
    base_url.)"""
    with serve_sink() as sink:
        sink.respond("/v1/Upload", '{"ok": true}', status=201, content_type="application/json")
        connection = emulator.connection(base_url=sink.base_url)
        async with AsyncClient(connection, retry=FAST_RETRY) as client:
            context = ActionContext(client=client, connection=connection)
            answer = await invoke(
                "raw_request",
                {
                    "method": "POST",
                    "path": "/v1/Upload",
                    "product": "serverless",
                    "data": {"FriendlyName": "logo"},
                    "files": [
                        {
                            "field": "Content",
                            "filename": "a.png",
                            "content_base64": "iVBORw0K",
                            "content_type": "image/png",
                        },
                        {"field": "Note", "filename": "n.txt", "content": "hello"},
                    ],
                    "response_type": "binary",
                },
                context=context,
            )
        [received] = sink.at("/v1/Upload")
    assert received.headers["content-type"].startswith("multipart/form-data")
    body = received.body
    assert b'name="FriendlyName"\r\n\r\nlogo' in body
    assert b'name="Content"; filename="a.png"\r\nContent-Type: image/png' in body
    assert base64.b64decode("iVBORw0K") in body
    assert b'name="Note"; filename="n.txt"' in body
    assert b"hello" in body
    assert answer["status_code"] == 201
    assert base64.b64decode(answer["data"]) == b'{"ok": true}'


async def test_raw_answers_never_carry_the_auth_token(run: Run, emulator: RunningEmulator) -> None:
    """Twilio's account resource includes its auth token; raw_request masks it."""
    answer = await run(
        "raw_request", {"method": "GET", "path": "/2010-04-01/Accounts/{AccountSid}.json"}
    )
    assert answer["data"]["sid"] == emulator.account_sid
    assert answer["data"]["auth_token"] != emulator.auth_token
    assert answer["data"]["auth_token"] == "****"


async def test_lookup_and_raw_as_python_calls(context: ActionContext) -> None:
    """lookup_phone_number and raw_request called directly with typed inputs."""
    found = await lookup_phone_number(context, LookupPhoneNumberInput(phone_number=TO))
    assert found.valid is True
    answer = await raw_request(
        context, RawRequestInput(method="GET", path="/2010-04-01/Accounts/{AccountSid}.json")
    )
    assert answer.data["sid"] == context.connection.account_sid
