"""Secret-named fields are found by name in JSON and XML text, and only those are masked."""

from __future__ import annotations

import pytest

from twiliokit.redaction.fields import mask_fields, secret_key


@pytest.mark.parametrize(
    "name",
    ["auth_token", "AuthToken", "secondary_auth_token", "secret", "api_key_secret", "password"],
)
def test_secret_names(name: str) -> None:
    """Names Twilio gives secrets (snake_case or CamelCase) are secret."""
    assert secret_key(name)


@pytest.mark.parametrize("name", ["sid", "next_page_token", "page_token", "friendly_name", "to"])
def test_names_that_are_not_secret(name: str) -> None:
    """Paging tokens and ordinary fields are left alone (paging must keep working)."""
    assert not secret_key(name)


def test_json_text_keeps_everything_but_the_secret() -> None:
    """In JSON text, a secret's value (escapes included) is masked; other fields are not."""
    text = '{"sid": "AC1", "auth_token":"ab\\"cd", "next_page_token": "p", "secret": ""}'
    assert mask_fields(text) == (
        '{"sid": "AC1", "auth_token":"****", "next_page_token": "p", "secret": ""}'
    )


def test_xml_text_masks_secret_elements() -> None:
    """In XML (the 2010 API's .xml answers), <AuthToken> and <Secret> are masked."""
    text = "<Account><Sid>AC1</Sid><AuthToken>abc</AuthToken><Secret>s</Secret></Account>"
    assert mask_fields(text) == (
        "<Account><Sid>AC1</Sid><AuthToken>****</AuthToken><Secret>****</Secret></Account>"
    )
