"""translate/responses/response.py: Response objects to the hub and back, checked with the SDK's
`Response` model."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from omniroute_agent.errors import UpstreamError
from omniroute_agent.translate.hub import ChatResponse
from omniroute_agent.translate.openai_chat import response as chat_response
from omniroute_agent.translate.responses.response import from_hub, to_hub

from ..streams import load
from .support import CHAT, RESPONSES, sdk_response

RESPONSE_FIXTURES = sorted(p.name.removesuffix(".response.json") for p in RESPONSES.glob("*.response.json"))

ENCRYPTED = (
    "gAAAAAB-rn639KyJXg8TBvmq7C0anGTSSFnm-G5FffMAEzHV-cDbY0Yv_L5xSgJ-9NL5TOVl1jLbqmanD798z6LoWBdh2MGvfC66_Vv6gUs5o16E_"
    "SRu0zW1AAiprufVrdF1OV8YIhLXPQXsZNBKiot05wVZ0fMQxeJH7IUCUGqb7eNOFH4LS6oy1k9w_rmNI4YRgjMYRONp_3nHHAsf6gG9acXFsDlqgk5k"
    "4jBCQRdBUz-IvHmCqezV9HsdVOYoELDo8PhZxNtoLjuUjjz_IIPCSkg7bSY8ce7jUTepexRy9i68HFUu4wpz6wI0mKZSyOxbs6G"
)
SUMMARY = (
    "**Comparing decimal values**\n\nBoth numbers share the integer part 9, so I compare the fractional "
    "parts: 0.8 is 0.80, which is greater than 0.11."
)


def usage(prompt: int, completion: int, reasoning: int = 0) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


EXPECTED_HUB: dict[str, dict[str, Any]] = {
    "text": {
        "message": {"role": "assistant", "content": "The capital of France is Paris."},
        "finish_reason": "stop",
        "stop_reason": "completed",
        "usage": usage(27, 8),
    },
    "tools": {
        "message": {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_08N68UfMZanzKoMsajOLqda0",
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "arguments": '{"location":"Paris, France","unit":"celsius"}',
                    },
                    "item_id": "fc_080fb7d02949f99dac6ec91b578fe58d86601e5194405f23",
                },
                {
                    "id": "call_e1qlnTsd5awqKXOhdBYm9Pud",
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "arguments": '{"location":"Tokyo, Japan","unit":"celsius"}',
                    },
                    "item_id": "fc_73a71492ba32ec39bde7f7a93248b56fa2439a16d28a2676",
                },
            ],
        },
        "finish_reason": "tool_calls",
        "stop_reason": "completed",
        "usage": usage(88, 52),
    },
    "params": {
        "message": {
            "role": "assistant",
            "content": "The planets in order from the Sun are Mercury, Venus, Earth, Mars, Jupiter,",
        },
        "finish_reason": "length",
        "stop_reason": "max_output_tokens",
        "usage": usage(31, 16),
    },
    "reasoning": {
        "message": {
            "role": "assistant",
            "content": "9.8 is larger than 9.11, because 0.8 (eight tenths) is greater than 0.11 (eleven hundredths).",
            "reasoning": [
                {
                    "type": "thinking",
                    "text": SUMMARY,
                    "data": ENCRYPTED,
                    "id": "rs_26c55a95d1d40fdae74b5d3a7df5a3d04aebb0408d146506",
                    "format": "responses",
                }
            ],
            "reasoning_content": SUMMARY,
        },
        "finish_reason": "stop",
        "stop_reason": "completed",
        "usage": usage(17, 214, reasoning=192),
    },
}

# What does not survive Response → hub → Response: the hub response does not echo the request.
REQUEST_ECHO = "an echo of the request, which the hub response does not carry"
KNOWN_LOSSES: dict[str, str] = {
    "completed_at": "regenerated: when the gateway wrote the response",
    "instructions": REQUEST_ECHO,
    "max_output_tokens": REQUEST_ECHO,
    "prompt_cache_key": REQUEST_ECHO,
    "reasoning": REQUEST_ECHO,
    "safety_identifier": REQUEST_ECHO,
    "store": REQUEST_ECHO + " (and not declared on the SDK model)",
    "temperature": REQUEST_ECHO,
    "text": REQUEST_ECHO,
    "tools": REQUEST_ECHO,
    "top_logprobs": REQUEST_ECHO,
    "top_p": REQUEST_ECHO,
    "output[message].id": "the hub has no message item id: a new msg_ id is written",
}


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = load(RESPONSES / f"{name}.response.json")
    return body


def without_losses(body: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in body.items() if k not in KNOWN_LOSSES}
    out["output"] = [
        {k: v for k, v in item.items() if not (item["type"] == "message" and k == "id")} for item in body["output"]
    ]
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED_HUB))
def test_to_hub(name: str) -> None:
    body = fixture(name)
    hub = to_hub(body)
    expected = EXPECTED_HUB[name]
    assert hub["choices"] == [{"index": 0, "message": expected["message"], "finish_reason": expected["finish_reason"]}]
    assert hub["stop_reason"] == expected["stop_reason"]
    assert hub["usage"] == expected["usage"]
    assert (hub["id"], hub["created"], hub["model"]) == (body["id"], body["created_at"], body["model"])
    assert hub["object"] == "chat.completion"


@pytest.mark.parametrize("name", RESPONSE_FIXTURES)
def test_round_trip(name: str) -> None:
    body = fixture(name)
    back = from_hub(to_hub(copy.deepcopy(body)), "unused")
    sdk_response(back)
    assert without_losses(back) == without_losses(body)
    assert back["output"][-1]["id"].startswith(("msg_", "fc_"))


@pytest.mark.parametrize("name", ["text", "tools", "reasoning-deepseek", "max-tokens", "structured"])
def test_openai_chat_responses_become_valid_response_objects(name: str) -> None:
    hub = chat_response.to_hub(load(CHAT / f"{name}.response.json"))
    body = from_hub(hub, "gpt-4.1-mini")
    parsed = sdk_response(body)
    message = hub["choices"][0]["message"]
    assert parsed.output_text == (message.get("content") or "")
    assert parsed.id.startswith("resp_")
    assert parsed.usage is not None
    assert parsed.usage.input_tokens == hub["usage"]["prompt_tokens"]
    calls = [o for o in parsed.output if o.type == "function_call"]
    assert [(c.call_id, c.name, c.arguments) for c in calls] == [
        (c["id"], c["function"]["name"], c["function"]["arguments"]) for c in message.get("tool_calls") or []
    ]
    assert all(c.id and c.id.startswith("fc_") for c in calls)
    if message.get("reasoning_content"):
        assert parsed.output[0].type == "reasoning"
        assert parsed.output[0].summary[0].text == message["reasoning_content"]
    if hub["choices"][0]["finish_reason"] == "length":
        assert parsed.status == "incomplete"
        assert parsed.incomplete_details is not None
        assert parsed.incomplete_details.reason == "max_output_tokens"


@pytest.mark.parametrize(
    ("status", "details", "calls", "finish", "stop_reason"),
    [
        ("completed", None, False, "stop", "completed"),
        ("completed", None, True, "tool_calls", "completed"),
        ("incomplete", {"reason": "max_output_tokens"}, False, "length", "max_output_tokens"),
        ("incomplete", {"reason": "content_filter"}, False, "content_filter", "content_filter"),
    ],
)
def test_finish_reason(status: str, details: Any, calls: bool, finish: str, stop_reason: str) -> None:
    output: list[dict[str, Any]] = [
        {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant", "content": []}
    ]
    if calls:
        output.append({"type": "function_call", "id": "fc_1", "call_id": "c", "name": "f", "arguments": "{}"})
    hub = to_hub({"id": "resp_1", "status": status, "incomplete_details": details, "output": output})
    assert hub["choices"][0]["finish_reason"] == finish
    assert hub["stop_reason"] == stop_reason
    back = from_hub(hub, "m")
    assert back["status"] == status
    assert back["incomplete_details"] == details


def test_refusal_and_citations() -> None:
    body = fixture("text")
    body["output"][0]["content"] = [
        {"type": "output_text", "text": "See ", "annotations": [], "logprobs": []},
        {
            "type": "output_text",
            "text": "example.com.",
            "logprobs": [],
            "annotations": [
                {
                    "type": "url_citation",
                    "start_index": 0,
                    "end_index": 11,
                    "url": "https://example.com",
                    "title": "Ex",
                }
            ],
        },
        {"type": "refusal", "refusal": "I can't say more."},
    ]
    hub = to_hub(body)
    message: Any = hub["choices"][0]["message"]
    assert message["content"] == "See example.com."
    assert message["refusal"] == "I can't say more."
    citation = {"url": "https://example.com", "title": "Ex", "start_index": 4, "end_index": 15}
    assert message["annotations"] == [{"type": "url_citation", "url_citation": citation}]
    back = sdk_response(from_hub(hub, "m"))
    message = back.output[0]
    assert message.type == "message"
    assert [c.type for c in message.content] == ["output_text", "refusal"]


def test_failed_response_is_an_upstream_error() -> None:
    body = {**fixture("text"), "status": "failed", "error": {"code": "server_error", "message": "boom"}}
    with pytest.raises(UpstreamError, match="boom"):
        to_hub(body)


def test_reasoning_from_another_format_becomes_a_summary_without_encrypted_content() -> None:
    hub: ChatResponse = {
        "id": "msg_01",
        "model": "claude",
        "created": 1,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {
                    "role": "assistant",
                    "content": "9.8",
                    "reasoning_content": "Compare tenths.",
                    "reasoning": [
                        {
                            "type": "thinking",
                            "text": "Compare tenths.",
                            "signature": "sig",
                            "format": "anthropic",
                        },
                        {"type": "redacted", "data": "opaque", "format": "anthropic"},
                    ],
                },
            }
        ],
    }
    parsed = sdk_response(from_hub(hub, "m"))
    assert [o.type for o in parsed.output] == ["reasoning", "message"]
    reasoning = parsed.output[0]
    assert reasoning.type == "reasoning"
    assert reasoning.encrypted_content is None
    assert reasoning.summary[0].text == "Compare tenths."
    assert parsed.id == "resp_msg01"
