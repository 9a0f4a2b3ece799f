"""Errors in the command line's own words: flags instead of argument names, commands instead
of action calls. Pure, no I/O.

The actions report a problem under the argument's name (``'sent_after' must be ...``, "Pass
messaging_service_sid"), which is right for Python, the HTTP API and MCP. On the command line
the user typed ``--sent-after``: :func:`in_cli_words` rewrites a
:class:`~twiliokit.errors.TwiliokitError`'s message and hint with the flags of the command that
ran (taken from the command's own parameters by :func:`flags_of`, so no table goes stale), turns
the action names a hint mentions into the commands to run, and ends each sentence with a full
stop so that "Hint:" starts a new one.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from twiliokit.errors import TwiliokitError, UnknownOutcomeError

__all__ = ["ACTION_COMMANDS", "CliWords", "flags_of", "in_cli_words", "sentence"]

#: The command that runs each catalogue action a hint may name.
ACTION_COMMANDS: dict[str, str] = {
    "send_sms": "twiliokit sms send",
    "send_whatsapp": "twiliokit whatsapp send",
    "list_whatsapp_templates": "twiliokit whatsapp templates",
    "list_messages": "twiliokit messages list",
    "get_message": "twiliokit messages get",
    "make_call": "twiliokit calls make",
    "list_calls": "twiliokit calls list",
    "get_call": "twiliokit calls get",
    "fetch_call": "twiliokit calls get",
    "start_verification": "twiliokit verify start",
    "check_verification": "twiliokit verify check",
    "create_verify_service": "twiliokit verify services create",
    "list_verify_services": "twiliokit verify services list",
    "lookup_phone_number": "twiliokit lookup",
}


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


def _flag_for(field: str, flags: Mapping[str, str]) -> str | None:
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
        return f"`{ACTION_COMMANDS[match.group(1)]}`"

    text = re.sub(r"'([a-z][a-z0-9_]*)'", quoted, text)
    names = "|".join(sorted(ACTION_COMMANDS, key=len, reverse=True))
    # An action named alone or called with arguments (fetch_call('CA...')).
    text = re.sub(rf"`?\b({names})\b(?:\([^()]*\))?`?", action, text)
    # Bare words only when they are snake_case ("to" or "from" in prose stay words), and not
    # inside a URL, a path or an assignment.
    return re.sub(r"(?<![-\w/.:=@])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?![(/=])", bare, text)


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
    names stay, only the sentences get their full stops.
    """
    if flags is None:
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
