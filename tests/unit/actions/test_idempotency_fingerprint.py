"""What makes two keyed sends "the same request" (pure)."""

from __future__ import annotations

from twiliokit.actions.idempotency import fingerprint
from twiliokit.actions.messaging import SendSmsInput

ACCOUNT = "AC" + "a" * 32
OTHER_ACCOUNT = "AC" + "b" * 32


def _sms(**fields: object) -> SendSmsInput:
    return SendSmsInput.model_validate({"to": "+14155552671", "body": "hi", **fields})


def test_the_key_itself_and_argument_spelling_do_not_change_the_request() -> None:
    """A retry may carry another key spelling of the same arguments (seed names) and is still
    the same request; the key is not part of what is compared."""
    first = fingerprint(ACCOUNT, "send_sms", _sms(idempotency_key="a"))
    retry = SendSmsInput.model_validate(
        {"recipientPhoneNumber": "+14155552671", "message": "hi", "idempotency_key": "b"}
    )
    assert fingerprint(ACCOUNT, "send_sms", retry) == first


def test_other_arguments_action_or_account_make_another_request() -> None:
    """A different body, action or sending account never matches the first request."""
    first = fingerprint(ACCOUNT, "send_sms", _sms())
    assert fingerprint(ACCOUNT, "send_sms", _sms(body="hello")) != first
    assert fingerprint(ACCOUNT, "send_whatsapp", _sms()) != first
    assert fingerprint(OTHER_ACCOUNT, "send_sms", _sms()) != first
