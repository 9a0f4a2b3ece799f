"""Messages in the emulator: create, validation with Twilio's codes, magic numbers, list
filters and paging, fetch, redaction, deletion, media, and test credentials."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from tests.helpers.oai import assert_conforms
from twiliokit.emulator import TEST_ACCOUNT_SID
from twiliokit.emulator.testing import RunningEmulator

FROM = "+14155550100"
OTHER_FROM = "+14155550101"
TO = "+14155550123"
SPEC_FIELDS = {
    "account_sid",
    "api_version",
    "body",
    "date_created",
    "date_sent",
    "date_updated",
    "direction",
    "error_code",
    "error_message",
    "from",
    "messaging_service_sid",
    "num_media",
    "num_segments",
    "price",
    "price_unit",
    "sid",
    "status",
    "subresource_uris",
    "to",
    "uri",
}


def base(account_sid: str) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/Messages"


def post(api: httpx.Client, account_sid: str, **params: Any) -> httpx.Response:
    form: dict[str, Any] = {"To": TO, "From": FROM, "Body": "Hello from the emulator", **params}
    return api.post(
        base(account_sid) + ".json", data={k: v for k, v in form.items() if v is not None}
    )


def create(api: httpx.Client, emulator: RunningEmulator, **params: Any) -> dict[str, Any]:
    response = post(api, emulator.account_sid, **params)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = assert_conforms(response)
    return body


def fetch(api: httpx.Client, emulator: RunningEmulator, sid: str) -> dict[str, Any]:
    response = api.get(f"{base(emulator.account_sid)}/{sid}.json")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = assert_conforms(response)
    return body


def error_code(response: httpx.Response) -> tuple[int, int]:
    body = response.json()
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
    assert body["status"] == response.status_code
    return response.status_code, body["code"]


# --- create -----------------------------------------------------------------------------------


def test_create_answers_a_queued_message_with_every_field(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """A new message is 201, queued, with every spec field, numbers as strings, RFC 2822 dates."""
    message = create(api, emulator)
    assert set(message) == SPEC_FIELDS
    assert message["sid"].startswith("SM")
    assert message["status"] == "queued"
    assert message["direction"] == "outbound-api"
    assert (message["to"], message["from"]) == (TO, FROM)
    assert (message["num_segments"], message["num_media"]) == ("1", "0")
    assert (message["price"], message["price_unit"], message["date_sent"]) == (None, "USD", None)
    assert message["date_created"].endswith("+0000")
    assert message["uri"] == f"{base(emulator.account_sid)}/{message['sid']}.json"
    assert message["subresource_uris"] == {
        "media": f"{base(emulator.account_sid)}/{message['sid']}/Media.json"
    }
    assert message["messaging_service_sid"] is None


def test_to_is_normalised_to_e164(api: httpx.Client, emulator: RunningEmulator) -> None:
    """A human-formatted To comes back in E.164, as Twilio stores it."""
    assert create(api, emulator, To="+1 (415) 555-0123")["to"] == TO


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, "1"),
        ("a" * 161, "2"),
        ("é" * 160, "1"),  # é is GSM-7
        ("ę" * 70, "1"),  # ę forces UCS-2
        ("ę" * 71, "2"),
        ("a" * 1600, "11"),
    ],
)
def test_num_segments_follows_the_encoding(
    api: httpx.Client, emulator: RunningEmulator, body: str, segments: str
) -> None:
    """num_segments counts GSM-7 / UCS-2 segments as Twilio's calculator does."""
    assert create(api, emulator, Body=body)["num_segments"] == segments


def test_smart_encoding_replaces_look_alikes(api: httpx.Client, emulator: RunningEmulator) -> None:
    """SmartEncoded=true turns curly quotes into GSM-7 ones: one segment instead of two."""
    body = "\u201cQuoted\u201d " + "x" * 100
    assert create(api, emulator, Body=body)["num_segments"] == "2"
    smart = create(api, emulator, Body=body, SmartEncoded="true")
    assert smart["num_segments"] == "1"
    assert smart["body"].startswith('"Quoted"')


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"To": None}, 21604),
        ({"From": None}, 21603),
        ({"Body": None}, 21602),
        ({"Body": ""}, 21602),
        ({"To": "not a number"}, 21211),
        ({"To": "+1415555"}, 21211),
        ({"From": "+1-not-valid!"}, 21212),
        ({"From": "+14155559999"}, 21606),
        ({"From": "12345"}, 21606),
        ({"Body": "a" * 1601}, 21617),
        ({"MediaUrl": [f"https://example.com/{n}.jpg" for n in range(11)]}, 21623),
        ({"MediaUrl": "ftp://example.com/cat.jpg"}, 21620),
        ({"MediaUrl": "cat.jpg"}, 21620),
        ({"To": "+81312345678"}, 21408),
        ({"To": FROM}, 21266),
        ({"From": "MyBrand"}, 21612),
        ({"To": "whatsapp:+14155550123"}, 21910),
        ({"MessagingServiceSid": "MGnot-a-sid", "From": None}, 21705),
        ({"ValidityPeriod": "0"}, 21624),
        ({"ValidityPeriod": "36001"}, 21624),
        ({"StatusCallback": "not-a-url"}, 21609),
        ({"ContentVariables": '{"1": "x"}'}, 21654),
        ({"ContentSid": "HX00000000000000000000000000000000"}, 21655),
        ({"To": "+15005550001"}, 21211),
        ({"To": "+15005550002"}, 21612),
        ({"To": "+15005550003"}, 21408),
        ({"To": "+15005550004"}, 21610),
        ({"To": "+15005550009"}, 21614),
    ],
)
def test_bad_input_gets_twilios_error(
    api: httpx.Client, emulator: RunningEmulator, params: dict[str, Any], code: int
) -> None:
    """Each invalid create is a 400 with Twilio's code, magic To numbers included."""
    assert error_code(post(api, emulator.account_sid, **params)) == (400, code)


def test_a_json_body_reads_as_no_to(api: httpx.Client, emulator: RunningEmulator) -> None:
    """JSON instead of a form gets 21604, exactly what Twilio answers."""
    response = api.post(base(emulator.account_sid) + ".json", json={"To": TO, "Body": "x"})
    assert error_code(response) == (400, 21604)


def test_alphanumeric_sender_works_outside_north_america(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """An alphanumeric sender ID may send to the UK (but not the US: 21612)."""
    message = create(api, emulator, From="MyBrand", To="+442071838750")
    assert message["from"] == "MyBrand"


def test_magic_to_numbers_apply_only_exactly(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Other +1500555 numbers are ordinary recipients."""
    assert create(api, emulator, To="+15005550005")["status"] == "queued"


# --- test credentials -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "code"),
    [("+15005550001", 21212), ("+15005550007", 21606), ("+15005550008", 21611), (FROM, 21606)],
)
def test_test_credentials_magic_from_numbers(
    test_api: httpx.Client, sender: str, code: int
) -> None:
    """With test credentials only +15005550006 may send; the other magic From numbers fail."""
    assert error_code(post(test_api, TEST_ACCOUNT_SID, From=sender)) == (400, code)


def test_test_credentials_send_without_side_effects(
    test_api: httpx.Client, emulator: RunningEmulator
) -> None:
    """A test send is a normal queued Message, never progresses and fires no callback."""
    response = post(
        test_api, TEST_ACCOUNT_SID, From="+15005550006", StatusCallback="http://127.0.0.1:9/x"
    )
    assert response.status_code == 201, response.text
    message = assert_conforms(response)
    assert (message["status"], message["account_sid"]) == ("queued", TEST_ACCOUNT_SID)
    assert (message["num_segments"], message["num_media"]) == ("1", "0")
    emulator.control.advance(60)
    assert emulator.control.webhooks() == []
    listing = test_api.get(base(TEST_ACCOUNT_SID) + ".json")
    assert error_code(listing) == (403, 20008)


def test_magic_to_numbers_work_with_test_credentials(test_api: httpx.Client) -> None:
    """+15005550004 (opted out) fails the same way with test credentials."""
    response = post(test_api, TEST_ACCOUNT_SID, From="+15005550006", To="+15005550004")
    assert error_code(response) == (400, 21610)


# --- list, fetch ------------------------------------------------------------------------------


def test_list_is_newest_first_and_filters(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Lists come newest first; To and From filter exactly."""
    first = create(api, emulator, To=TO)["sid"]
    second = create(api, emulator, To="+14155550124", From=OTHER_FROM)["sid"]
    third = create(api, emulator, To=TO, Body="third")["sid"]
    path = base(emulator.account_sid) + ".json"
    everything = assert_conforms(api.get(path))
    assert [m["sid"] for m in everything["messages"]] == [third, second, first]
    to_filter = assert_conforms(api.get(path, params={"To": TO}))
    assert [m["sid"] for m in to_filter["messages"]] == [third, first]
    from_filter = assert_conforms(api.get(path, params={"From": OTHER_FROM}))
    assert [m["sid"] for m in from_filter["messages"]] == [second]


def test_date_sent_filters(api: httpx.Client, emulator: RunningEmulator) -> None:
    """DateSent matches the day; DateSent< and DateSent> are inclusive; unsent never match."""
    sent = create(api, emulator)["sid"]
    emulator.control.advance(5)
    unsent = create(api, emulator)["sid"]
    date_sent = fetch(api, emulator, sent)["date_sent"]
    today = parsedate_to_datetime(date_sent).date().isoformat()
    path = base(emulator.account_sid) + ".json"

    def sids(**params: str) -> list[str]:
        return [m["sid"] for m in assert_conforms(api.get(path, params=params))["messages"]]

    assert sids(DateSent=today) == [sent]
    assert sids(DateSent=today + "T00:00:00Z") == [sent]  # the SDK's form of a date
    assert sids(**{"DateSent<": today}) == [sent]
    assert sids(**{"DateSent>": today}) == [sent]
    assert sids(**{"DateSent>": "2999-01-01"}) == []
    assert sids(**{"DateSent<": "2000-01-01T00:00:00Z"}) == []
    assert sids() == [unsent, sent]
    bad = api.get(path, params={"DateSent": "yesterday"})
    assert error_code(bad) == (400, 20001)


def test_paging_follows_next_page_uri(api: httpx.Client, emulator: RunningEmulator) -> None:
    """PageSize splits the list; next_page_uri walks it without repeats or gaps."""
    sids = [create(api, emulator, Body=f"n{n}")["sid"] for n in range(7)]
    page = assert_conforms(api.get(base(emulator.account_sid) + ".json", params={"PageSize": 3}))
    seen = []
    while True:
        seen += [m["sid"] for m in page["messages"]]
        if page["next_page_uri"] is None:
            break
        page = assert_conforms(api.get(page["next_page_uri"]))
    assert seen == list(reversed(sids))
    assert page["previous_page_uri"] is not None


def test_fetch_unknown_message_is_404(api: httpx.Client, emulator: RunningEmulator) -> None:
    """An unknown SID gets Twilio's 404 / 20404, naming the whole path as Twilio does."""
    path = f"{base(emulator.account_sid)}/SM{'0' * 32}.json"
    response = api.get(path)
    assert error_code(response) == (404, 20404)
    assert response.json()["message"] == f"The requested resource {path} was not found"


# --- update, delete ---------------------------------------------------------------------------


def test_redaction_empties_the_body(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Body='' redacts; any other body or status is refused with 400."""
    sid = create(api, emulator)["sid"]
    path = f"{base(emulator.account_sid)}/{sid}.json"
    redacted = assert_conforms(api.post(path, data={"Body": ""}))
    assert redacted["body"] == ""
    assert fetch(api, emulator, sid)["body"] == ""
    assert error_code(api.post(path, data={"Body": "new text"})) == (400, 20001)
    assert error_code(api.post(path, data={"Status": "delivered"})) == (400, 20001)
    assert error_code(api.post(path, data={})) == (400, 20001)


def test_only_scheduled_messages_can_be_canceled(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Status=canceled on a message that is not scheduled gets 30409."""
    sid = create(api, emulator)["sid"]
    response = api.post(f"{base(emulator.account_sid)}/{sid}.json", data={"Status": "canceled"})
    assert error_code(response) == (400, 30409)


def test_delete_waits_for_the_message_to_finish(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """A queued, sending or sent message cannot be deleted (20009); a delivered one can."""
    sid = create(api, emulator)["sid"]
    path = f"{base(emulator.account_sid)}/{sid}.json"
    for _ in range(3):  # queued, sending, sent
        assert error_code(api.delete(path)) == (400, 20009)
        emulator.control.advance(1)
    assert fetch(api, emulator, sid)["status"] == "delivered"
    assert api.delete(path).status_code == 204
    assert error_code(api.get(path)) == (404, 20404)


# --- media ------------------------------------------------------------------------------------


def test_media_urls_make_media_records(api: httpx.Client, emulator: RunningEmulator) -> None:
    """MediaUrl makes an MM message with one Media record per URL, typed by suffix."""
    urls = ["https://example.com/cat.jpg", "https://example.com/doc.pdf?x=1"]
    message = create(api, emulator, MediaUrl=urls, Body=None)
    assert message["sid"].startswith("MM")
    assert message["num_media"] == "2"
    assert message["num_segments"] == "1"
    media_path = message["subresource_uris"]["media"]
    listing = assert_conforms(api.get(media_path))
    types = sorted(m["content_type"] for m in listing["media_list"])
    assert types == ["application/pdf", "image/jpeg"]
    one = listing["media_list"][0]
    assert one["parent_sid"] == message["sid"]
    assert one["sid"].startswith("ME")
    fetched = assert_conforms(api.get(one["uri"]))
    assert fetched == one
    content = api.get(one["uri"].removesuffix(".json"))
    assert content.status_code == 307
    assert content.headers["location"] in urls


def test_media_can_be_deleted(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Deleting a Media record answers 204 and it is gone from the list."""
    message = create(api, emulator, MediaUrl="https://example.com/a.png")
    [media] = api.get(message["subresource_uris"]["media"]).json()["media_list"]
    assert api.delete(media["uri"]).status_code == 204
    assert api.get(message["subresource_uris"]["media"]).json()["media_list"] == []
    assert error_code(api.get(media["uri"])) == (404, 20404)


def test_mms_needs_mms_capable_sender_and_is_one_segment(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Media and a long body still count as one MMS, priced as one."""
    message = create(api, emulator, Body="x" * 500, MediaUrl="https://example.com/a.gif")
    assert message["num_segments"] == "1"
    emulator.control.advance(2)
    assert fetch(api, emulator, message["sid"])["price"] == "-0.02000"
