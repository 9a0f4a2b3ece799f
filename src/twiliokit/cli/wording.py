"""Errors in the command line's own words: flags instead of argument names, commands instead
of action calls. Pure, no I/O.

The actions report a problem under the argument's name (``'sent_after' must be ...``, "Pass
messaging_service_sid"), which is right for Python, the HTTP API and MCP. On the command line
the user typed ``--sent-after``: :func:`in_cli_words` rewrites a
:class:`~twiliokit.errors.TwiliokitError`'s message and hint with the flags of the command that
ran (taken from the command's own parameters by :func:`flags_of`, so no table goes stale), turns
the action names a hint mentions into the commands to run (:data:`ACTION_COMMANDS`, else
``twiliokit actions run NAME`` for :data:`RUN_ONLY_ACTIONS`), and ends each sentence with a full
stop so that "Hint:" starts a new one.

:func:`option_problem` says what is wrong with a value typer could not convert (a number
option given ``abc``, or outside its range) in the same words.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from twiliokit.errors import ConfigFileError, TwiliokitError, UnknownOutcomeError
from twiliokit.problem_words import BOUND_WORDS, number_words, plain_problem, range_words

__all__ = [
    "ACTION_COMMANDS",
    "RUN_ONLY_ACTIONS",
    "CliWords",
    "command_for",
    "flags_of",
    "in_cli_words",
    "option_problem",
    "sentence",
]

#: The command that runs each catalogue action a hint may name.
ACTION_COMMANDS: dict[str, str] = {
    "send_sms": "twiliokit sms send",
    "send_bulk": "twiliokit sms bulk",
    "send_whatsapp": "twiliokit whatsapp send",
    "list_whatsapp_templates": "twiliokit whatsapp templates",
    "list_messages": "twiliokit messages list",
    "get_message": "twiliokit messages get",
    "redact_message": "twiliokit messages redact",
    "delete_message": "twiliokit messages delete",
    "list_message_media": "twiliokit messages media",
    "list_outbox": "twiliokit outbox list",
    "get_send": "twiliokit outbox get",
    "cancel_send": "twiliokit outbox cancel",
    "get_batch": "twiliokit outbox batch",
    "cancel_batch": "twiliokit outbox cancel-batch",
    "make_call": "twiliokit calls make",
    "list_calls": "twiliokit calls list",
    "get_call": "twiliokit calls get",
    "fetch_call": "twiliokit calls get",
    "end_call": "twiliokit calls end",
    "start_verification": "twiliokit verify start",
    "check_verification": "twiliokit verify check",
    "create_verify_service": "twiliokit verify services create",
    "list_verify_services": "twiliokit verify services list",
    "create_rate_limit": "twiliokit verify rate-limits create",
    "fetch_rate_limit": "twiliokit verify rate-limits get",
    "list_rate_limits": "twiliokit verify rate-limits list",
    "update_rate_limit": "twiliokit verify rate-limits update",
    "delete_rate_limit": "twiliokit verify rate-limits delete",
    "create_rate_limit_bucket": "twiliokit verify buckets create",
    "list_rate_limit_buckets": "twiliokit verify buckets list",
    "delete_rate_limit_bucket": "twiliokit verify buckets delete",
    "create_verify_webhook": "twiliokit verify webhooks create",
    "list_verify_webhooks": "twiliokit verify webhooks list",
    "delete_verify_webhook": "twiliokit verify webhooks delete",
    "update_phone_number_webhooks": "twiliokit webhooks connect",
    "lookup_phone_number": "twiliokit lookup",
    "raw_request": "twiliokit raw",
}
#: Catalogue actions no command of their own runs: a hint naming one names
#: ``twiliokit actions run NAME``.
RUN_ONLY_ACTIONS: frozenset[str] = frozenset(
    {
        "list_phone_numbers",
        "list_opt_outs",
        "search_ledger",
        "get_conversation",
        "get_message_status_history",
        "wait_for_delivery",
    }
)


def command_for(action: str) -> str | None:
    """The command line that runs catalogue action ``action`` (``None``: not an action)."""
    if action in ACTION_COMMANDS:
        return ACTION_COMMANDS[action]
    if action in RUN_ONLY_ACTIONS:
        return f"twiliokit actions run {action}"
    return None


def flags_of(params: Iterable[Any]) -> dict[str, str]:
    """argument name -> what the user typed for it, from a command's (click) parameters.

    Each option is known by its destination (``sender`` for ``--from``) and by its long flag
    spelled as an argument name (``from``, ``sent_after``); a positional argument by its
    metavar (``TO``).
    """
    flags: dict[str, str] = {}
    for param in params:
        if not param.name:
            continue
        if param.param_type_name == "option":
            longs = [opt for opt in param.opts if opt.startswith("--")]
            if not longs:
                continue
            flag = max(longs, key=len)
            flags.setdefault(flag[2:].replace("-", "_"), flag)
            flags.setdefault(param.name, flag)
        elif param.param_type_name == "argument":
            flags.setdefault(param.name, param.metavar or param.name.upper())
    return flags


def sentence(text: str) -> str:
    """``text`` ending with a full stop (or its own ``.``, ``!`` or ``?``)."""
    text = text.rstrip()
    if not text or text[-1] in ".!?":
        return text
    return f"{text}."


#: The index of one item of a list argument in a field's path: ``.0`` in ``fields.0``.
_ITEM: Final = re.compile(r"(?:\.\d+)+$")


def _flag_for(field: str, flags: Mapping[str, str]) -> str | None:
    # One value of a repeatable flag (``fields.0``, ``media_urls.1``): the flag itself.
    field = _ITEM.sub("", field)
    if field in flags:
        return flags[field]
    # A list argument is named in the plural (media_urls), its repeatable flag in the
    # singular (--media-url).
    if field.endswith("s") and field[:-1] in flags:
        return flags[field[:-1]]
    return None


def _rewrite(text: str, flags: Mapping[str, str]) -> str:
    """Argument and action names in ``text`` as flags and commands."""

    def quoted(match: re.Match[str]) -> str:
        return _flag_for(match.group(1), flags) or match.group(0)

    def bare(match: re.Match[str]) -> str:
        return _flag_for(match.group(0), flags) or match.group(0)

    def action(match: re.Match[str]) -> str:
        return f"`{command_for(match.group(1))}`"

    # The quoted words after "one of" are the values to choose from ('json', 'text'), not
    # argument names: only the text around such a list is rewritten. "exactly one of 'say',
    # 'twiml' or 'url'" lists arguments, which are.
    text = "".join(
        part if index % 2 else re.sub(r"'([a-z][a-z0-9_]*(?:\.\d+)*)'", quoted, part)
        for index, part in enumerate(re.split(r"((?<!exactly )\bone of [^;]*)", text))
    )
    commands = "|".join(sorted(ACTION_COMMANDS, key=len, reverse=True))
    names = "|".join(sorted([*ACTION_COMMANDS, *RUN_ONLY_ACTIONS], key=len, reverse=True))
    # "see `twiliokit actions schema send_sms` for the arguments it takes": on the command
    # line, the command's own --help lists them (as options).
    text = re.sub(
        rf"`twiliokit actions schema ({commands})`( for the arguments it takes)?",
        lambda match: (
            f"`{ACTION_COMMANDS[match.group(1)]} --help`"
            + (" for the options it takes" if match.group(2) else "")
        ),
        text,
    )
    # An action named alone or called with arguments (fetch_call('CA...')), unless it is
    # already the NAME of an `actions schema` or `actions run` command.
    text = re.sub(
        rf"(?<!actions schema )(?<!actions run )`?\b({names})\b(?:\([^()]*\))?`?", action, text
    )
    # Bare words only when they are snake_case ("to" or "from" in prose stay words), and not
    # inside a URL, a path or an assignment.
    return re.sub(r"(?<![-\w/.:=@])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?![(/=])", bare, text)


#: Typer's conversion errors (pydantic's types) that mean "not a number at all".
_NOT_A_NUMBER = frozenset(
    {"int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"}
)


def _finite(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return True  # not a number at all: pydantic said so under another error type


def option_problem(
    flag: str, error: Mapping[str, Any], *, low: float | None = None, high: float | None = None
) -> str:
    """What is wrong with the value given to ``flag``, from the pydantic error entry typer's
    conversion raised, with ``low`` and ``high`` the option's range (its ``min`` and
    ``max``): "--limit must be a whole number, not 'abc'", "--port must be between 0 and
    65535", "--keep-alive-timeout must be a number of at least 0.1, not 'nan'". The value
    typed is repeated only when it is not a number (it is then no phone number either)."""
    kind = str(error.get("type", ""))
    given = error.get("input")
    shown = f", not {given!r}" if isinstance(given, str) else ""
    if kind in _NOT_A_NUMBER:
        return f"{flag} {plain_problem(error)}{shown}"
    if kind not in BOUND_WORDS:
        return f"{flag} {plain_problem(error)}"
    if low is not None and high is not None:
        wanted = range_words(low, high) or ""
    else:
        words, key = BOUND_WORDS[kind]
        wanted = f"{words} {number_words((error.get('ctx') or {})[key])}"
    if isinstance(given, str) and not _finite(given):
        # nan is not "over 1000", nor inf a number: say that a number is wanted.
        number = "a number" if wanted.startswith("between") else "a number of"
        return f"{flag} must be {number} {wanted}{shown}"
    return f"{flag} must be {wanted}"


def _list_command(error: UnknownOutcomeError) -> str | None:
    """The listing that tells whether an unknown-outcome create happened, as a command."""
    path = error.url.rstrip("/")
    if path.endswith("/Messages.json"):
        command = ["twiliokit", "messages", "list"]
    elif path.endswith("/Calls.json"):
        command = ["twiliokit", "calls", "list"]
    else:
        return None
    for name, flag in (("To", "--to"), ("From", "--from")):
        value = error.params.get(name)
        if isinstance(value, str) and value:
            command += [flag, value]
    if error.sent_at:
        command += ["--sent-after" if "messages" in command else "--started-after", error.sent_at]
    return shlex.join(command)


@dataclass(frozen=True, slots=True)
class CliWords:
    """An error's message and hint as the command line shows them, and the flag at fault."""

    message: str
    hint: str | None
    flag: str | None


def in_cli_words(error: TwiliokitError, flags: Mapping[str, str] | None) -> CliWords:
    """``error``'s message and hint with flags for argument names (see the module docstring).

    ``flags`` ``None``: a command that speaks the catalogue's terms (``actions run``); the
    names stay, only the sentences get their full stops. So do a config file's errors: their
    names are the file's tables and keys (``profiles``, ``base_url``), not flags.
    """
    if flags is None or isinstance(error, ConfigFileError):
        hint = sentence(error.hint) if error.hint else None
        return CliWords(message=sentence(error.message), hint=hint, flag=None)
    message = sentence(_rewrite(error.message, flags))
    hint = error.hint
    if isinstance(error, UnknownOutcomeError):
        command = _list_command(error)
        if command is not None:
            hint = (
                f"Check whether it went out with `{command}` (newest first; compare the "
                "bodies) and send again only if it is not there"
            )
    if hint:
        hint = sentence(_rewrite(hint, flags))
    flag = _flag_for(error.field, flags) if error.field else None
    return CliWords(message=message, hint=hint or None, flag=flag)


def error_details(error: TwiliokitError, words: CliWords) -> dict[str, Any]:
    """``error.to_dict()`` with the command line's wording, and the flag at fault."""
    details = error.to_dict()
    details["message"] = words.message
    details["hint"] = words.hint
    if words.flag is not None:
        details["flag"] = words.flag
    return details
