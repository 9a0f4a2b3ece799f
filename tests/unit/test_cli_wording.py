"""Errors in the command line's words: flags for argument names, commands for action calls."""

from __future__ import annotations

from types import SimpleNamespace

from twiliokit.cli.wording import (
    ACTION_COMMANDS,
    RUN_ONLY_ACTIONS,
    flags_of,
    in_cli_words,
    option_problem,
    sentence,
)
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


def test_a_schema_hint_becomes_the_commands_help() -> None:
    """The schema hint reads as the command's own --help, with no nested backticks."""
    error = ValidationError(
        "'to' is required",
        field="to",
        hint="see `twiliokit actions schema send_sms` for the arguments it takes",
    )
    hint = in_cli_words(error, FLAGS).hint
    assert hint == "see `twiliokit sms send --help` for the options it takes."


def test_values_to_choose_from_stay_values() -> None:
    """The quoted values after "one of" are not rewritten into flags of the same name."""
    flags = {"json": "--json", "as_json": "--json", "response_type": "--response-type"}
    error = ValidationError("'response_type' must be one of 'json', 'text' or 'binary'")
    message = in_cli_words(error, flags).message
    assert message == "--response-type must be one of 'json', 'text' or 'binary'."


def test_option_problem_words() -> None:
    """Typer's conversion errors: the flag, what is wanted, and the non-number given."""
    assert (
        option_problem("--limit", {"type": "int_parsing", "input": "abc"})
        == "--limit must be a whole number, not 'abc'"
    )
    at_least = {"type": "greater_than_equal", "input": "0", "ctx": {"ge": 1}}
    assert option_problem("--workers", at_least, low=1) == "--workers must be at least 1"
    assert option_problem("--port", at_least, low=0, high=65535) == (
        "--port must be between 0 and 65,535"
    )
    nan = {"type": "greater_than_equal", "input": "nan", "ctx": {"ge": 0.1}}
    assert option_problem("--keep-alive-timeout", nan, low=0.1) == (
        "--keep-alive-timeout must be a number of at least 0.1, not 'nan'"
    )


def test_arguments_after_exactly_one_of_become_flags() -> None:
    """ "exactly one of 'say', 'twiml' or 'url'" lists arguments: each is named by its flag."""
    flags = {"say": "--say", "twiml": "--twiml", "url": "--url"}
    error = ValidationError(
        "give exactly one of 'say', 'twiml' or 'url' (got 'say' and 'url')",
        hint="'say' speaks a text; 'url' points to your app",
    )
    words = in_cli_words(error, flags)
    assert words.message == "give exactly one of --say, --twiml or --url (got --say and --url)."
    assert words.hint == "--say speaks a text; --url points to your app."


def test_an_action_without_a_command_is_run_through_actions_run() -> None:
    """A hint naming an action no command runs names `twiliokit actions run NAME`."""
    error = ValidationError("no sender", hint="Pass 'from' (see list_phone_numbers)")
    hint = in_cli_words(error, FLAGS).hint
    assert hint == "Pass --from (see `twiliokit actions run list_phone_numbers`)."


def test_every_action_has_a_command_to_name() -> None:
    """Each catalogue action is in ACTION_COMMANDS (as a command that exists) or run-only."""
    import typer.main

    from twiliokit.actions import catalogue
    from twiliokit.cli.app import app

    root = typer.main.get_command(app)
    for action, command in ACTION_COMMANDS.items():
        found = root
        for word in command.split()[1:]:
            found = found.commands[word]  # type: ignore[attr-defined]
        assert found is not None, action
    names = {action.name for action in catalogue()}
    assert names - ACTION_COMMANDS.keys() - RUN_ONLY_ACTIONS == set()
    assert names >= RUN_ONLY_ACTIONS
