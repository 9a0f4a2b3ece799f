"""`invoke(..., shape=NAME)` in Python against the emulator: the documented entry point."""

from __future__ import annotations

import pytest

from tests.integration.actions.helpers import TO, count_messages
from twiliokit.actions import ActionContext, invoke
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import ValidationError

pytestmark = pytest.mark.anyio


async def test_shape_changes_only_the_answer(context: ActionContext) -> None:
    """shape= answers in the platform's fields; without it (or with twiliokit) the output is
    the catalogue's own, with the same keys as always."""
    plain = await invoke("send_sms", {"to": TO, "body": "one"}, context=context)
    named = await invoke("send_sms", {"to": TO, "body": "two"}, context=context, shape="twiliokit")
    assert set(plain) == set(named)
    assert {"sid", "status", "raw", "num_segments"} <= set(plain)
    hub = await invoke("sendSMS", {"to": TO, "body": "x"}, context=context, shape="sb-agent-hub")
    assert list(hub) == ["messageSid", "status", "dateCreated"]
    fetched = await invoke(
        "getSMS", {"messageSid": plain["sid"]}, context=context, shape="prismatic"
    )
    assert fetched["data"]["sid"] == plain["sid"]
    assert fetched["data"]["accountSid"] == plain["account_sid"]


async def test_unknown_shape_is_refused_before_the_action_runs(
    context: ActionContext, emulator: RunningEmulator
) -> None:
    """An unknown shape raises ValidationError on 'shape' and sends nothing."""
    with pytest.raises(ValidationError) as caught:
        await invoke("send_sms", {"to": TO, "body": "x"}, context=context, shape="zapier")
    assert caught.value.field == "shape"
    assert count_messages(emulator) == 0
