"""Responses errors share OpenAI's envelope `{"error": {"message", "type", "param", "code"}}`.

Inside a stream an error is an `error` event and a `response.failed` event, whose
`response.error.code` is one of a closed set of values (see `failed_code`).
"""

from __future__ import annotations

from omniroute_agent.errors import GatewayError
from omniroute_agent.translate.openai_chat.errors import error_body, parse_error

__all__ = ["error_body", "failed_code", "parse_error"]


def failed_code(exc: GatewayError) -> str:
    """The `response.error.code` of a failed response: the SDK accepts only its own literals."""
    if exc.status == 429:
        return "rate_limit_exceeded"
    if exc.status == 400:
        return "invalid_prompt"
    return "server_error"
