"""Errors in the command line's words: flags for argument names, commands for action calls."""

from __future__ import annotations

from types import SimpleNamespace

from twiliokit.cli.wording import flags_of, in_cli_words, sentence
from twiliokit.errors import TwilioError, UnknownOutcomeError, ValidationError

FLAGS = flags_of(
    [
        SimpleNamespace(name="to", opts=["to"], param_type_name="argument", metavar="TO"),
        SimpleNamespace(name="sender", opts=["--from"], param_type_name="option", metavar=None),
        SimpleNamespace(
            name="media_url", opts=["--media-url"], param_type_name="option", metavar="URL"
        ),
        SimpleNamespace(
            name="sent_after", opts=["-a", "--sent-after"], param_type_name="option", metavar=None
        ),
        SimpleNamespace(
            name="messaging_service_sid",
            opts=["--messaging-service-sid"],
            param_type_name="option",
            metavar="MG...",
        ),
    ]
)


def test_flags_come_from_the_parameters() -> None:
    """Options are known by destination and by long flag; arguments by their metavar."""
    assert FLAGS["from"] == "--from"
    assert FLAGS["sender"] == "--from"
    assert FLAGS["sent_after"] == "--sent-after"
    assert FLAGS["to"] == "TO"


def test_quoted_and_snake_case_names_become_flags() -> None:
    """`'sent_after'` and a bare `messaging_service_sid` are rewritten; prose words are not."""
    error = ValidationError(
        "'sent_after' must be a day",
        field="sent_after",
        hint="Pass messaging_service_sid, or send to a number",
    )
    words = in_cli_words(error, FLAGS)
    assert words.message == "--sent-after must be a day."
    assert words.hint == "Pass --messaging-service-sid, or send to a number."
    assert words.flag == "--sent-after"


def test_a_plural_argument_finds_its_repeatable_flag() -> None:
    """`media_urls` (a list argument) is named as `--media-url`, the flag repeated."""
    words = in_cli_words(ValidationError("too many 'media_urls'", field="media_urls"), FLAGS)
    assert words.message == "too many --media-url."
    assert words.flag == "--media-url"


def test_action_calls_in_hints_become_commands() -> None:
    """A hint naming an action names the command that runs it."""
    error = TwilioError("Gone", status=404, hint="Fetch the call (fetch_call('CA1')) again")
    assert in_cli_words(error, {}).hint == "Fetch the call (`twiliokit calls get`) again."


def test_unknown_outcome_hint_is_the_listing_to_run() -> None:
    """A lost answer to a message create is checked with `twiliokit messages list ...`."""
    error = UnknownOutcomeError(
        "lost",
        method="POST",
        url="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json",
        params={"To": "+14155550100", "From": "+14155550101", "Body": "hi"},
        sent_at="2026-03-01T12:00:00Z",
        check="list_messages(to='+14155550100', from_='+14155550101')",
    )
    hint = in_cli_words(error, {}).hint or ""
    assert (
        "`twiliokit messages list --to +14155550100 --from +14155550101 --sent-after "
        "2026-03-01T12:00:00Z`" in hint
    )
    assert "list_messages" not in hint


def test_sentences_end_with_a_full_stop() -> None:
    """A sentence gets a full stop unless it already ends one."""
    assert sentence("done") == "done."
    assert sentence("done!") == "done!"
    assert sentence("") == ""
