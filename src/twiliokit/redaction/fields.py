"""Secret-named fields in what Twilio answers: ``auth_token`` (and ``secondary_auth_token``),
``secret``, ``password`` and the like, found by name in decoded JSON, and in text that is
JSON or XML (a raw answer read as text or bytes), so that they can be masked.

Pure: names and text in, names and text out.
"""

from __future__ import annotations

import re
from typing import Final

from twiliokit.redaction import MASK

__all__ = ["mask_fields", "secret_key"]

#: Parts of a field's name (snake_case, lower) that mark its value secret.
_SECRET_PARTS: Final = ("auth_token", "secret", "password", "private_key")
#: Whole names that are secret although they hold no part above.
_SECRET_NAMES: Final = frozenset({"token", "access_token", "refresh_token"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# "name": "value" in JSON (the value a string, escapes included).
_JSON_FIELD = re.compile(r'"([A-Za-z_][A-Za-z0-9_]*)"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
# <Name>value</Name> in XML (the 2010 API answers .xml paths in XML).
_XML_FIELD = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>([^<]*)</\1>")


def secret_key(name: str) -> bool:
    """Whether a field called ``name`` (snake_case or CamelCase) holds a secret."""
    snake = _CAMEL.sub("_", name).lower()
    return snake in _SECRET_NAMES or any(part in snake for part in _SECRET_PARTS)


def mask_fields(text: str) -> str:
    """``text`` with the value of every secret-named JSON or XML field masked."""

    def json_field(match: re.Match[str]) -> str:
        if not match.group(3) or not secret_key(match.group(1)):
            return match.group(0)
        return f'"{match.group(1)}"{match.group(2)}"{MASK}"'

    def xml_field(match: re.Match[str]) -> str:
        if not match.group(2) or not secret_key(match.group(1)):
            return match.group(0)
        return f"<{match.group(1)}>{MASK}</{match.group(1)}>"

    return _XML_FIELD.sub(xml_field, _JSON_FIELD.sub(json_field, text))
