"""Calls in the emulator: validation, the lifecycle in virtual time, TwiML, callbacks, control."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.helpers.oai import assert_conforms
from tests.helpers.sink import Received, WebhookSink
from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.testing import RunningEmulator

FROM = "+14155550100"
TO = "+14155552671"
SAY = "<Response><Say>Hello there, this is a test</Say><Pause length='4'/></Response>"


def calls_path(emulator: RunningEmulator, sid: str | None = None) -> str:
    base = f"/2010-04-01/Accounts/{emulator.account_sid}/Calls"
    return f"{base}/{sid}.json" if sid else f"{base}.json"


def create(api: httpx.Client, emulator: RunningEmulator, **params: Any) -> dict[str, Any]:
    data = {"To": TO, "From": FROM, **params}
    response = api.post(calls_path(emulator), data=data)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = assert_conforms(response)
    return body


def fetch(api: httpx.Client, emulator: RunningEmulator, sid: str) -> dict[str, Any]:
    body: dict[str, Any] = assert_conforms(api.get(calls_path(emulator, sid)))
    return body


def signed(request: Received, emulator: RunningEmulator) -> dict[str, str]:
    """The request's form parameters, after checking its signature with Twilio's SDK."""
    params = dict(request.form)
    validator = RequestValidator(emulator.auth_token)
    assert validator.validate(request.url, params, request.headers["x-twilio-signature"])
    return params


def did(emulator: RunningEmulator, sid: str) -> dict[str, Any]:
    view: dict[str, Any] = emulator.control.request("GET", f"/_emulator/calls/{sid}")
    return view


# --- create and validation --------------------------------------------------------------------


def test_create_answers_a_queued_call(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A new call is queued, outbound-api, with formatted numbers and the owned number's SID."""
    call = create(api, emulator, Url=sink.url("/voice"))
    assert call["sid"].startswith("CA")
    assert (call["status"], call["direction"], call["api_version"]) == (
        "queued",
        "outbound-api",
        "2010-04-01",
    )
    assert (call["to_formatted"], call["from_formatted"]) == ("(415) 555-2671", "(415) 555-0100")
    assert call["phone_number_sid"].startswith("PN")
    assert call["duration"] is None
    assert call["start_time"] is None
    assert call["uri"] == calls_path(emulator, call["sid"])
    assert fetch(api, emulator, call["sid"])["sid"] == call["sid"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"From": FROM, "Url": "https://example.com/v"}, 21201),
        ({"To": TO, "Url": "https://example.com/v"}, 21213),
        ({"To": TO, "From": FROM}, 21205),
        ({"To": TO, "From": FROM, "Url": "not a url"}, 21205),
        ({"To": "+1415", "From": FROM, "Url": "https://example.com/v"}, 21211),
        ({"To": TO, "From": "nope", "Url": "https://example.com/v"}, 21212),
        ({"To": TO, "From": "+14155559999", "Url": "https://example.com/v"}, 21210),
        ({"To": "+5511987654321", "From": FROM, "Url": "https://example.com/v"}, 21215),
        ({"To": TO, "From": FROM, "Url": "https://example.com/v", "Method": "PUT"}, 21200),
        (
            {"To": TO, "From": FROM, "Url": "https://e.com/v", "StatusCallbackEvent": "hung"},
            21200,
        ),
    ],
)
def test_create_rejects_bad_input(
    api: httpx.Client, emulator: RunningEmulator, params: dict[str, str], code: int
) -> None:
    """Missing or invalid To/From/Url, a From not owned and a blocked country get Twilio's 400."""
    response = api.post(calls_path(emulator), data=params)
    assert (response.status_code, response.json()["code"]) == (400, code), response.text


@pytest.mark.parametrize(
    ("to", "sender", "code"),
    [
        (TO, "+15005550001", 21212),
        (TO, "+14155550100", 21210),
        ("+15005550001", "+15005550006", 21217),
        ("+15005550002", "+15005550006", 21214),
        ("+15005550003", "+15005550006", 21215),
        ("+15005550004", "+15005550006", 21216),
    ],
)
def test_test_credential_magic_numbers(
    emulator: RunningEmulator, to: str, sender: str, code: int
) -> None:
    """Test credentials get the documented error for each magic number."""
    response = httpx.post(
        emulator.base_url + f"/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Calls.json",
        data={"To": to, "From": sender, "Url": "https://example.com/v"},
        auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
    )
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_test_credentials_call_stays_queued_without_callbacks(
    emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A test-credentials call succeeds, stays queued and sends nothing; reading is 403."""
    base = emulator.base_url + f"/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Calls"
    auth = (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
    response = httpx.post(
        base + ".json",
        data={
            "To": TO,
            "From": "+15005550006",
            "Url": sink.url("/voice"),
            "StatusCallback": sink.url("/status"),
        },
        auth=auth,
    )
    assert response.status_code == 201
    assert assert_conforms(response)["status"] == "queued"
    emulator.control.advance(120)
    assert sink.received == []
    denied = httpx.get(f"{base}/{response.json()['sid']}.json", auth=auth)
    assert (denied.status_code, denied.json()["code"]) == (403, 20008)


# --- lifecycle --------------------------------------------------------------------------------


def test_answered_call_lifecycle_and_callbacks(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """queued -> ringing -> in-progress -> completed in virtual time, with a signed callback per
    subscribed event and a TwiML request on answer."""
    sink.respond("/voice", SAY)
    events = ["initiated", "ringing", "answered", "completed"]
    sid = create(
        api,
        emulator,
        Url=sink.url("/voice"),
        StatusCallback=sink.url("/status"),
        StatusCallbackEvent=events,
    )["sid"]
    emulator.control.advance(0)
    assert fetch(api, emulator, sid)["status"] == "queued"
    emulator.control.advance(1)
    assert fetch(api, emulator, sid)["status"] == "ringing"
    emulator.control.advance(5)
    assert fetch(api, emulator, sid)["status"] == "in-progress"
    emulator.control.advance(60)
    call = fetch(api, emulator, sid)
    assert (call["status"], call["duration"]) == ("completed", "7")
    started, ended = (
        parsedate_to_datetime(call["start_time"]),
        parsedate_to_datetime(call["end_time"]),
    )
    assert (ended - started).total_seconds() == 1 + 5 + 7

    [voice] = sink.at("/voice")
    asked = signed(voice, emulator)
    assert (asked["CallSid"], asked["CallStatus"], asked["Direction"]) == (
        sid,
        "in-progress",
        "outbound-api",
    )
    assert (asked["Caller"], asked["Called"], asked["ApiVersion"]) == (FROM, TO, "2010-04-01")
    assert "AnsweredBy" not in asked
    callbacks = [signed(r, emulator) for r in sink.at("/status")]
    assert [c["CallStatus"] for c in callbacks] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert [c["SequenceNumber"] for c in callbacks] == ["0", "1", "2", "3"]
    assert {c["CallbackSource"] for c in callbacks} == {"call-progress-events"}
    assert parsedate_to_datetime(callbacks[-1]["Timestamp"]) == ended
    assert (callbacks[-1]["CallDuration"], callbacks[-1]["Duration"]) == ("7", "1")
    view = did(emulator, sid)
    assert [v["name"] for v in view["verbs"]] == ["Say", "Pause"]
    assert view["fetches"][0]["status"] == 200


def test_callbacks_due_in_one_advance_arrive_in_status_order(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A whole call's callbacks falling due in one clock advance reach the app in the order
    of its statuses, each one's retry (the app answered 500) before the next status."""
    sink.respond("/voice", SAY)
    sink.respond("/status", "", status=500)
    create(
        api,
        emulator,
        Url=sink.url("/voice"),
        StatusCallback=sink.url("/status") + "#rc=1&rp=5xx",
        StatusCallbackEvent=["initiated", "ringing", "answered", "completed"],
    )
    emulator.control.advance(120)
    callbacks = [signed(r, emulator) for r in sink.at("/status")]
    statuses = ["initiated", "ringing", "in-progress", "completed"]
    assert [(c["SequenceNumber"], c["CallStatus"]) for c in callbacks] == [
        (str(n), status) for n, status in enumerate(statuses) for _attempt in range(2)
    ]


def test_only_completed_is_sent_by_default(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Without StatusCallbackEvent only the completed event is sent (as GET when asked)."""
    create(
        api,
        emulator,
        Twiml="<Response><Say>Hi</Say></Response>",
        StatusCallback=sink.url("/status"),
        StatusCallbackMethod="GET",
    )
    emulator.control.advance(120)
    [only] = sink.at("/status")
    assert only.method == "GET"
    assert "CallStatus=completed" in only.url
    validator = RequestValidator(emulator.auth_token)
    assert validator.validate(only.url, {}, only.headers["x-twilio-signature"])


def test_inline_twiml_and_hangup(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Inline Twiml is used without a request; <Hangup/> ends the call at once."""
    sid = create(api, emulator, Twiml="<Response><Hangup/><Say>never</Say></Response>")["sid"]
    emulator.control.advance(10)
    call = fetch(api, emulator, sid)
    assert (call["status"], call["duration"]) == ("completed", "0")
    view = did(emulator, sid)
    assert view["fetches"][0]["source"] == "twiml"
    assert view["verbs"][0]["name"] == "Hangup"


@pytest.mark.parametrize(
    ("handset", "status", "seconds"),
    [
        ({"outcome": "busy"}, "busy", 1),
        ({"outcome": "failed"}, "failed", 1),
        ({"outcome": "no-answer"}, "no-answer", 1 + 20),
        ({"ring_seconds": 25}, "no-answer", 1 + 20),
    ],
)
def test_unanswered_outcomes(
    api: httpx.Client,
    emulator: RunningEmulator,
    sink: WebhookSink,
    handset: dict[str, Any],
    status: str,
    seconds: int,
) -> None:
    """Busy and failed handsets end the call at once; unanswered ones after Timeout; no
    duration, and the completed callback carries the final status."""
    emulator.control.request("POST", "/_emulator/call-handsets", {"number": TO, **handset})
    sid = create(
        api, emulator, Url=sink.url("/voice"), Timeout="20", StatusCallback=sink.url("/status")
    )["sid"]
    emulator.control.advance(seconds - 1)
    assert fetch(api, emulator, sid)["status"] != status
    emulator.control.advance(1)
    call = fetch(api, emulator, sid)
    assert (call["status"], call["duration"]) == (status, None)
    assert sink.at("/voice") == []
    [done] = sink.at("/status")
    assert signed(done, emulator)["CallStatus"] == status


def test_handset_hangs_up_an_open_ended_call(api: httpx.Client, emulator: RunningEmulator) -> None:
    """<Dial> holds the line until the handset's talk_seconds run out."""
    emulator.control.request(
        "POST", "/_emulator/call-handsets", {"number": TO, "ring_seconds": 2, "talk_seconds": 42}
    )
    sid = create(api, emulator, Twiml="<Response><Dial>+14155550199</Dial></Response>")["sid"]
    emulator.control.advance(300)
    assert fetch(api, emulator, sid)["duration"] == "42"


def test_machine_detection_reports_answered_by(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """With MachineDetection the TwiML request, callbacks and the call carry AnsweredBy."""
    emulator.control.request(
        "POST", "/_emulator/call-handsets", {"number": TO, "answered_by": "machine_start"}
    )
    sid = create(
        api,
        emulator,
        Url=sink.url("/voice"),
        MachineDetection="Enable",
        StatusCallback=sink.url("/status"),
    )["sid"]
    emulator.control.advance(120)
    assert signed(sink.at("/voice")[0], emulator)["AnsweredBy"] == "machine_start"
    assert signed(sink.at("/status")[0], emulator)["AnsweredBy"] == "machine_start"
    assert fetch(api, emulator, sid)["answered_by"] == "machine_start"


def test_redirect_is_followed_once(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A <Redirect> (relative URLs resolve against the document) is fetched once, signed."""
    sink.respond("/voice", "<Response><Say>one</Say><Redirect>/next</Redirect></Response>")
    sink.respond("/next", "<Response><Say>two</Say><Redirect>/next</Redirect></Response>")
    sid = create(api, emulator, Url=sink.url("/voice"))["sid"]
    emulator.control.advance(120)
    [followed] = sink.at("/next")
    assert signed(followed, emulator)["CallSid"] == sid
    view = did(emulator, sid)
    assert [f["source"] for f in view["fetches"]] == ["url", "redirect"]
    assert [v["text"] for v in view["verbs"] if v["name"] == "Say"] == ["one", "two"]


def test_failing_url_uses_fallback(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A Url answering 500 is error 11200 and the FallbackUrl is asked with ErrorCode."""
    sink.respond("/voice", "boom", status=500, content_type="text/plain")
    sink.respond("/fallback", "<Response><Say>sorry</Say></Response>")
    sid = create(api, emulator, Url=sink.url("/voice"), FallbackUrl=sink.url("/fallback"))["sid"]
    emulator.control.advance(120)
    asked = signed(sink.at("/fallback")[0], emulator)
    assert (asked["ErrorCode"], asked["ErrorUrl"]) == ("11200", sink.url("/voice"))
    view = did(emulator, sid)
    assert [(f["source"], f["error_code"]) for f in view["fetches"]] == [
        ("url", 11200),
        ("fallback", None),
    ]
    assert fetch(api, emulator, sid)["status"] == "completed"


def test_invalid_twiml_is_a_parse_failure(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """TwiML that does not parse is error 12100 and the call hangs up after the error message."""
    sink.respond("/voice", "<Response><Say>unclosed</Response>")
    sid = create(api, emulator, Url=sink.url("/voice"))["sid"]
    emulator.control.advance(120)
    assert did(emulator, sid)["fetches"][0]["error_code"] == 12100
    assert fetch(api, emulator, sid)["duration"] == "3"


# --- update and delete ------------------------------------------------------------------------


def test_cancel_a_ringing_call(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Status=canceled on a ringing call cancels it; the completed callback says canceled."""
    sid = create(api, emulator, Url=sink.url("/voice"), StatusCallback=sink.url("/status"))["sid"]
    emulator.control.advance(1)
    updated = api.post(calls_path(emulator, sid), data={"Status": "canceled"})
    assert assert_conforms(updated)["status"] == "canceled"
    emulator.control.advance(120)
    assert fetch(api, emulator, sid)["status"] == "canceled"
    assert sink.at("/voice") == []
    assert [signed(r, emulator)["CallStatus"] for r in sink.at("/status")] == ["canceled"]


def test_complete_an_in_progress_call(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Status=completed hangs up an in-progress call, with the talk time as duration."""
    sid = create(api, emulator, Twiml="<Response><Dial>+14155550199</Dial></Response>")["sid"]
    emulator.control.advance(6 + 9)
    updated = assert_conforms(api.post(calls_path(emulator, sid), data={"Status": "completed"}))
    assert (updated["status"], updated["duration"]) == ("completed", "9")


def test_canceling_an_in_progress_call_does_nothing(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Status=canceled does not affect a call already in progress."""
    sid = create(api, emulator, Twiml="<Response><Dial>+14155550199</Dial></Response>")["sid"]
    emulator.control.advance(7)
    updated = assert_conforms(api.post(calls_path(emulator, sid), data={"Status": "canceled"}))
    assert updated["status"] == "in-progress"


def test_redirect_a_live_call(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Url on an in-progress call fetches new TwiML; on a finished call it is 21220."""
    sink.respond("/new", "<Response><Say>new instructions</Say></Response>")
    sid = create(api, emulator, Twiml="<Response><Dial>+14155550199</Dial></Response>")["sid"]
    emulator.control.advance(10)
    assert_conforms(api.post(calls_path(emulator, sid), data={"Url": sink.url("/new")}))
    emulator.control.advance(0)
    assert signed(sink.at("/new")[0], emulator)["CallStatus"] == "in-progress"
    emulator.control.advance(60)
    assert fetch(api, emulator, sid)["status"] == "completed"
    late = api.post(calls_path(emulator, sid), data={"Url": sink.url("/new")})
    assert (late.status_code, late.json()["code"]) == (400, 21220)


def test_delete(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Delete answers 204; the call is gone (404 / 20404)."""
    sid = create(api, emulator, Twiml="<Response><Say>x</Say></Response>")["sid"]
    emulator.control.advance(60)
    assert api.delete(calls_path(emulator, sid)).status_code == 204
    gone = api.get(calls_path(emulator, sid))
    assert (gone.status_code, gone.json()["code"]) == (404, 20404)


# --- list -------------------------------------------------------------------------------------


def test_list_filters_and_pages(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Lists are newest first, paged, and filter by To, From, Status and StartTime/EndTime."""
    emulator.control.request("POST", "/_emulator/call-handsets", {"number": TO, "outcome": "busy"})
    busy = create(api, emulator, Twiml="<Response/>")["sid"]
    emulator.control.advance(30)
    others = [
        create(api, emulator, To=f"+1415555020{i}", Twiml="<Response/>")["sid"] for i in range(3)
    ]
    page = assert_conforms(api.get(calls_path(emulator), params={"PageSize": 2}))
    assert [c["sid"] for c in page["calls"]] == [others[2], others[1]]
    rest = assert_conforms(api.get(page["next_page_uri"]))
    assert [c["sid"] for c in rest["calls"]] == [others[0], busy]
    by_to = assert_conforms(api.get(calls_path(emulator), params={"To": TO}))
    assert [c["sid"] for c in by_to["calls"]] == [busy]
    by_status = assert_conforms(api.get(calls_path(emulator), params={"Status": "busy"}))
    assert [c["sid"] for c in by_status["calls"]] == [busy]
    ended = parsedate_to_datetime(fetch(api, emulator, busy)["end_time"])
    after = ended.strftime("%Y-%m-%dT%H:%M:%SZ")
    before = assert_conforms(api.get(calls_path(emulator), params={"EndTime<": after}))
    assert [c["sid"] for c in before["calls"]] == [busy]
    emulator.control.advance(1)
    later = assert_conforms(api.get(calls_path(emulator), params={"StartTime>": after}))
    assert {c["sid"] for c in later["calls"]} == set(others)


# --- inbound ----------------------------------------------------------------------------------


def configure_number(api: httpx.Client, emulator: RunningEmulator, **settings: str) -> None:
    numbers = api.get(
        f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers.json",
        params={"PhoneNumber": FROM},
    ).json()["incoming_phone_numbers"]
    [number] = [n for n in numbers if n["phone_number"] == FROM]
    response = api.post(
        f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers/{number['sid']}.json",
        data=settings,
    )
    assert response.status_code == 200, response.text


def test_inbound_call_asks_the_voice_url(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """An incoming call requests the number's VoiceUrl (signed, ringing, inbound), records the
    TwiML, completes when it ends and tells the number's StatusCallback."""
    sink.respond("/incoming", SAY)
    configure_number(
        api, emulator, VoiceUrl=sink.url("/incoming"), StatusCallback=sink.url("/status")
    )
    result = emulator.control.request("POST", "/_emulator/inbound-call", {"From": TO, "To": FROM})
    assert (result["status"], result["response_body"], result["call_status"]) == (
        200,
        SAY,
        "in-progress",
    )
    assert [v["name"] for v in result["verbs"]] == ["Say", "Pause"]
    asked = signed(sink.at("/incoming")[0], emulator)
    assert (asked["CallStatus"], asked["Direction"], asked["From"], asked["To"]) == (
        "ringing",
        "inbound",
        TO,
        FROM,
    )
    emulator.control.advance(60)
    call = fetch(api, emulator, result["call_sid"])
    assert (call["direction"], call["status"], call["duration"]) == ("inbound", "completed", "7")
    [done] = sink.at("/status")
    assert signed(done, emulator)["CallStatus"] == "completed"


def test_inbound_call_rejected(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """<Reject reason="busy"/> leaves the call unanswered and busy."""
    sink.respond("/incoming", '<Response><Reject reason="busy"/></Response>')
    configure_number(api, emulator, VoiceUrl=sink.url("/incoming"))
    result = emulator.control.request("POST", "/_emulator/inbound-call", {"From": TO, "To": FROM})
    assert result["call_status"] == "busy"
    assert fetch(api, emulator, result["call_sid"])["duration"] is None


def test_inbound_call_needs_an_owned_number_with_a_voice_url(emulator: RunningEmulator) -> None:
    """The control API names the field when To is not owned or has no VoiceUrl."""
    for to in ("+14155559999", FROM):
        response = httpx.post(
            emulator.base_url + "/_emulator/inbound-call", json={"From": TO, "To": to}
        )
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "To"


def test_handset_control_validates(emulator: RunningEmulator) -> None:
    """Handset settings are checked and listed back."""
    bad = httpx.post(
        emulator.base_url + "/_emulator/call-handsets", json={"number": TO, "outcome": "maybe"}
    )
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "outcome")
    emulator.control.request("POST", "/_emulator/call-handsets", {"number": TO, "talk_seconds": 9})
    [handset] = emulator.control.request("GET", "/_emulator/call-handsets")["handsets"]
    assert (handset["number"], handset["talk_seconds"]) == (TO, 9.0)


# --- <Gather> input ---------------------------------------------------------------------------

MENU = (
    '<Response><Gather action="/menu" numDigits="3"><Say>Press one then pound</Say></Gather>'
    "<Say>We heard nothing</Say></Response>"
)


def test_a_gather_posts_the_handsets_keys_to_its_action(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """The handset's keys go to the <Gather>'s action, signed, up to the finishing key; the
    call goes on with the TwiML that answers and lasts prompts + input + the rest."""
    emulator.control.request("POST", "/_emulator/call-handsets", {"number": TO, "inputs": ["12#"]})
    sink.respond("/voice", MENU)
    sink.respond("/menu", "<Response><Say>Thanks</Say><Hangup/></Response>")
    sid = create(api, emulator, Url=sink.url("/voice"))["sid"]
    emulator.control.advance(120)
    [posted] = sink.at("/menu")
    params = signed(posted, emulator)
    assert (params["CallSid"], params["Digits"], params["FinishedOnKey"]) == (sid, "12", "#")
    assert [f["source"] for f in did(emulator, sid)["fetches"]] == ["url", "gather"]
    # 1.6 s of prompt, 2 s of keying, 1 s of thanks, rounded up: "We heard nothing" never
    # played.
    assert fetch(api, emulator, sid)["duration"] == "5"


def test_speech_and_input_a_gather_does_not_listen_for(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Speech goes as SpeechResult to a speech <Gather>; keys pressed at a speech-only one are
    lost and the call falls through past it; a <Gather> after the last input hears nothing."""
    emulator.control.request(
        "POST",
        "/_emulator/call-handsets",
        {"number": TO, "inputs": ["speech:yes please", "5"]},
    )
    ask = '<Response><Gather input="speech" action="/said"><Say>Say yes</Say></Gather></Response>'
    sink.respond("/voice", ask)
    sink.respond(
        "/said",
        '<Response><Gather input="speech" action="/again"/><Say>Fell through</Say>'
        '<Gather action="/never"/></Response>',
    )
    sid = create(api, emulator, Url=sink.url("/voice"))["sid"]
    emulator.control.advance(120)
    said = signed(sink.at("/said")[0], emulator)
    assert (said["SpeechResult"], said["Confidence"]) == ("yes please", "0.9")
    assert "Digits" not in said
    assert sink.at("/again") == []
    assert sink.at("/never") == []
    # 1 s "Say yes", 2 s speaking, the speech-only Gather's 5 s timeout, 1 s "Fell through",
    # the last Gather's 5 s timeout.
    assert fetch(api, emulator, sid)["duration"] == "14"


def test_an_inbound_caller_answers_a_menu_and_inputs_are_checked(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """inbound-call takes the caller's inputs for that call; an input that is neither keys
    nor speech:words is refused naming the field."""
    sink.respond("/incoming", MENU)
    sink.respond("/menu", "<Response><Say>Bye</Say></Response>")
    configure_number(api, emulator, VoiceUrl=sink.url("/incoming"))
    emulator.control.request(
        "POST", "/_emulator/inbound-call", {"From": TO, "To": FROM, "inputs": ["7"]}
    )
    assert signed(sink.at("/menu")[0], emulator)["Digits"] == "7"
    for bad in (["12a"], ["speech:"], [3]):
        response = httpx.post(
            emulator.base_url + "/_emulator/call-handsets", json={"number": TO, "inputs": bad}
        )
        assert (response.status_code, response.json()["error"]["field"]) == (400, "inputs")
