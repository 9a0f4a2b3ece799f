"""Paging: both of Twilio's list envelopes become one Page type."""

from __future__ import annotations

from typing import Any

import pytest

from twiliokit.errors import TwiliokitError
from twiliokit.http.paging import Page, page_token_of, parse_page


def sid_of(item: dict[str, Any]) -> str:
    return str(item["sid"])


def test_2010_envelope_resolves_relative_links_against_the_product() -> None:
    """A relative next_page_uri becomes an absolute URL on the product's base URL."""
    body = {
        "messages": [{"sid": "SM1"}, {"sid": "SM2"}],
        "page": 0,
        "page_size": 2,
        "next_page_uri": "/2010-04-01/Accounts/AC1/Messages.json?PageSize=2&Page=1&PageToken=PASM2",
        "previous_page_uri": None,
    }
    page = parse_page(
        body, key="messages", parse_item=sid_of, base_url="http://127.0.0.1:9", product="api"
    )
    assert page.items == ("SM1", "SM2")
    assert page.next_page_url == (
        "http://127.0.0.1:9/2010-04-01/Accounts/AC1/Messages.json?PageSize=2&Page=1&PageToken=PASM2"
    )
    assert page.next_page_token == "PASM2"
    assert (page.page, page.page_size, page.has_next, len(page)) == (0, 2, True, 2)


def test_meta_envelope_uses_the_named_key_and_absolute_links() -> None:
    """v1/v2 lists name their items in meta.key and give absolute next_page_url."""
    body = {
        "services": [{"sid": "VA1"}],
        "meta": {
            "key": "services",
            "page": 3,
            "page_size": 1,
            "next_page_url": "https://verify.twilio.com/v2/Services?PageSize=1&Page=4&PageToken=PAVA1",
        },
    }
    page = parse_page(
        body, key=None, parse_item=sid_of, base_url="https://verify.twilio.com", product="verify"
    )
    assert page.items == ("VA1",)
    assert page.next_page_url == body["meta"]["next_page_url"]  # type: ignore[index]
    assert (page.next_page_token, page.page, page.product) == ("PAVA1", 3, "verify")


def test_last_page_has_no_next() -> None:
    """On the last page there is no next URL or token."""
    body: dict[str, Any] = {"calls": [], "next_page_uri": None, "page": 0, "page_size": 50}
    page: Page[str] = parse_page(
        body, key="calls", parse_item=sid_of, base_url="https://api.twilio.com", product="api"
    )
    assert (page.items, page.next_page_url, page.next_page_token, page.has_next) == (
        (),
        None,
        None,
        False,
    )


def test_a_list_answer_without_items_is_an_error() -> None:
    """A body without the expected array fails clearly instead of returning nothing."""
    with pytest.raises(TwiliokitError):
        parse_page({"page": 0}, key="messages", parse_item=sid_of, base_url="x", product="api")


def test_page_token_is_read_from_any_link() -> None:
    """The PageToken query parameter is extracted; links without one give None."""
    assert page_token_of("/x?Page=1&PageToken=PA%2Bz") == "PA+z"
    assert page_token_of("/x?Page=1") is None
    assert page_token_of(None) is None
