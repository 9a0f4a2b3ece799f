"""Masking and log scrubbing."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from twiliokit.redaction import MASK, mask_secret, redact
from twiliokit.redaction.logs import SecretFilter

TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"


def test_mask_shows_the_ends_of_a_twilio_sized_secret() -> None:
    """A 32-character secret is shown as its first and last four characters."""
    assert mask_secret(TOKEN) == "f00d…feed"


@pytest.mark.parametrize("length", range(65))
def test_mask_never_shows_more_than_a_quarter(length: int) -> None:
    """Whatever the length, at most a quarter of the characters are visible."""
    value = "x" * length
    shown = mask_secret(value)
    visible = 0 if shown == MASK else len(shown) - 1
    assert visible * 4 <= length


def test_redact_hides_known_secrets_and_any_basic_or_bearer_credential() -> None:
    """Known secrets are masked, and Authorization credentials are hidden even if unknown."""
    text = f"token={TOKEN} Authorization: Basic QUMxMjM6c2VjcmV0 and Bearer eyJhbGciOi.x.y"
    cleaned = redact(text, [TOKEN])
    assert TOKEN not in cleaned
    assert "QUMxMjM6c2VjcmV0" not in cleaned
    assert "eyJhbGciOi" not in cleaned
    assert "Basic ****" in cleaned


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO, SecretFilter]]:
    """A logger whose handler carries a SecretFilter, and the text it wrote."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    secret_filter = SecretFilter([TOKEN])
    handler.addFilter(secret_filter)
    logger = logging.getLogger("twiliokit.tests.redact")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream, secret_filter
    logger.removeHandler(handler)


def test_filter_scrubs_secrets_passed_as_arguments_and_in_headers(
    logged: tuple[logging.Logger, io.StringIO, SecretFilter],
) -> None:
    """Secrets in %-arguments and Basic headers never reach the log output."""
    logger, stream, _ = logged
    logger.info("calling with %s", {"auth": TOKEN})
    logger.debug("headers: Authorization: Basic %s", "QUMxMjM6c2VjcmV0QUMxMjM=")
    output = stream.getvalue()
    assert TOKEN not in output
    assert "QUMxMjM6c2VjcmV0QUMxMjM=" not in output
    assert "f00d…feed" in output


def test_filter_scrubs_tracebacks_and_secrets_added_later(
    logged: tuple[logging.Logger, io.StringIO, SecretFilter],
) -> None:
    """An exception message carrying a secret registered after setup is scrubbed too."""
    logger, stream, secret_filter = logged
    late = "Zq8T3vLmN0pRx5YwKb2HcJd7EaGs4UiO"
    secret_filter.add(late, None, "abc")
    try:
        raise RuntimeError(f"request failed for secret {late}")
    except RuntimeError:
        logger.exception("boom")
    output = stream.getvalue()
    assert "RuntimeError" in output
    assert late not in output


def test_short_values_are_not_scrubbed_everywhere() -> None:
    """Registering a tiny value does not mangle ordinary text."""
    assert redact("a cat sat", ["a"]) == "a cat sat"
