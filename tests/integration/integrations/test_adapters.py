"""The catalogue as LangChain and OpenAI Agents SDK tools, run by each real library end to end
on the emulator: the call sends, the guardrails refuse, and the model reads the error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from agents import Agent, ModelSettings, RunConfig, Runner
from agents.items import ModelResponse
from agents.models.interface import Model
from agents.usage import Usage
from langchain_core.messages import ToolMessage
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage
from openai.types.responses.response_output_text import ResponseOutputText

from tests.integration.actions.helpers import FAST_RETRY, count_messages
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import ValidationError
from twiliokit.integrations.langchain import langchain_tools
from twiliokit.integrations.openai_agents import openai_agents_tools
from twiliokit.ledger import MemoryLedger
from twiliokit.server.guardrails import GuardedCatalogue, Guardrails
from twiliokit.server.runtime import AgentRuntime, open_runtime

pytestmark = pytest.mark.anyio

TO = "+14155552671"


@pytest.fixture
async def runtime(emulator: RunningEmulator) -> AsyncIterator[AgentRuntime]:
    """A runtime on the emulator whose guardrails allow only US numbers."""
    catalogue = GuardedCatalogue(Guardrails(allowed_destinations=("+1",)))
    async with open_runtime(
        emulator.connection(), catalogue, ledger=MemoryLedger(), retry=FAST_RETRY
    ) as opened:
        yield opened


async def test_langchain_runs_a_tool_call_that_sends(
    runtime: AgentRuntime, emulator: RunningEmulator
) -> None:
    """A LangChain tool call (as an agent executor makes it) sends through the emulator and
    answers a ToolMessage with the action's output."""
    tools = {tool.name: tool for tool in langchain_tools(runtime, group="messaging")}
    assert "send_sms" in tools
    assert "make_call" not in tools
    assert tools["send_sms"].args["to"]["type"] == "string"
    call = {"type": "tool_call", "id": "call-1", "name": "send_sms"}
    answer = await tools["send_sms"].ainvoke({**call, "args": {"to": TO, "body": "build green"}})
    assert isinstance(answer, ToolMessage)
    assert answer.tool_call_id == "call-1"
    sent = json.loads(str(answer.content))
    assert sent["to"] == TO
    assert sent["sid"].startswith("SM")
    assert count_messages(emulator) == 1


async def test_langchain_shows_the_model_a_refusal(
    runtime: AgentRuntime, emulator: RunningEmulator
) -> None:
    """A destination the guardrails forbid comes back as the error object, nothing is sent."""
    [send] = langchain_tools(runtime, only=["send_sms"])
    refused = json.loads(await send.ainvoke({"to": "+33612345678", "body": "x"}))
    assert refused["error"]["type"] == "policy_refused"
    assert count_messages(emulator) == 0


async def test_an_unknown_group_or_tool_is_a_clear_error(runtime: AgentRuntime) -> None:
    """Asking for a group or tool that does not exist names it, with the choices."""
    with pytest.raises(ValidationError, match="no group called 'sms'") as caught:
        langchain_tools(runtime, group="sms")
    assert "messaging" in (caught.value.hint or "")
    with pytest.raises(ValidationError, match="send_smss"):
        openai_agents_tools(runtime, only=["send_smss"])


class ScriptedModel(Model):
    """A model that asks for one tool call, then answers with what the tool returned: the
    Agents SDK's own runner executes the call in between."""

    def __init__(self, name: str, arguments: dict[str, Any]) -> None:
        self.call = ResponseFunctionToolCall(
            type="function_call", call_id="call-1", name=name, arguments=json.dumps(arguments)
        )
        self.tool_output: str | None = None

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        items = kwargs.get("input", args[1] if len(args) > 1 else None)
        outputs = [item for item in (items if isinstance(items, list) else []) if _is_output(item)]
        if not outputs:
            return ModelResponse(output=[self.call], usage=Usage(), response_id=None)
        self.tool_output = str(_field(outputs[-1], "output"))
        text = ResponseOutputText(type="output_text", text="done", annotations=[])
        message = ResponseOutputMessage(
            type="message", id="msg-1", role="assistant", status="completed", content=[text]
        )
        return ModelResponse(output=[message], usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _is_output(item: Any) -> bool:
    return _field(item, "type") == "function_call_output"


async def test_openai_agents_runner_calls_the_tool(
    runtime: AgentRuntime, emulator: RunningEmulator
) -> None:
    """The Agents SDK's Runner executes the model's send_sms call through the tool; the
    message reaches the emulator and the model reads the output."""
    model = ScriptedModel("send_sms", {"to": TO, "body": "deploy done"})
    agent = Agent(
        name="ops",
        model=model,
        model_settings=ModelSettings(),
        tools=openai_agents_tools(runtime, only=["send_sms", "list_messages"]),
    )
    result = await Runner.run(
        agent,
        "Tell the on-call phone the deploy is done",
        run_config=RunConfig(tracing_disabled=True),  # no trace export: nothing leaves here
    )
    assert result.final_output == "done"
    assert model.tool_output is not None
    assert json.loads(model.tool_output)["to"] == TO
    assert count_messages(emulator) == 1


async def test_openai_agents_tool_reports_bad_arguments(runtime: AgentRuntime) -> None:
    """Arguments the action refuses come back to the model naming the field."""
    [send] = openai_agents_tools(runtime, only=["send_sms"])
    answer = json.loads(await send.on_invoke_tool(None, json.dumps({"to": TO})))  # type: ignore[arg-type]
    assert answer["error"]["type"] == "validation_error"
    assert "body" in answer["error"]["message"] or "content" in answer["error"]["message"]
