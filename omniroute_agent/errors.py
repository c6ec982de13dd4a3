"""The one exception tree of the gateway. The core raises these; each surface renders them once.

GatewayError                    status, code, message
├── ConfigError                 a bad configuration file or value (start-up)
├── InvalidRequest      400     the caller's request is malformed
├── AuthenticationFailed 401    missing or wrong gateway API key
├── NotFound            404
│   ├── ModelNotFound           no provider, alias or combo matches the model string
│   └── TaskNotFound            an A2A task id that does not exist
├── UnsupportedFormat   501     a provider speaks a wire format the gateway cannot translate yet
├── UpstreamError               a provider answered with an error; status and body are theirs
└── RoutingFailed               every target of a model or combo failed; carries the attempts
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class GatewayError(Exception):
    status: int = 500
    code: str = "internal_error"
    type: str = "server_error"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class ConfigError(GatewayError):
    code = "config_error"


class InvalidRequest(GatewayError):
    status = 400
    code = "invalid_request"
    type = "invalid_request_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.param = param


class AuthenticationFailed(GatewayError):
    status = 401
    code = "invalid_api_key"
    type = "authentication_error"


class NotFound(GatewayError):
    status = 404
    code = "not_found"
    type = "invalid_request_error"


class ModelNotFound(NotFound):
    code = "model_not_found"


class TaskNotFound(NotFound):
    code = "task_not_found"


class UnsupportedFormat(GatewayError):
    status = 501
    code = "unsupported_format"
    type = "invalid_request_error"


class UpstreamError(GatewayError):
    """A provider's error answer, or a failure to reach it (status 502, no body)."""

    type = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: bytes = b"",
        retry_after: float | None = None,
        code: str = "upstream_error",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.body = body
        self.retry_after = retry_after
        self.headers: Mapping[str, str] = headers or {}  # lower-cased response headers
        self.format: str | None = None  # the wire format of `body`, set by the core

    @property
    def retryable(self) -> bool:
        """Worth another account or target: rate limits, auth on this key, server errors, no answer."""
        return self.status in (401, 403, 408, 409, 429) or self.status >= 500


@dataclass(slots=True)
class Attempt:
    """One try of one target on one connection, as kept in the trace of a request."""

    target: str
    connection: str | None
    status: int | None
    error: str | None = None
    latency_ms: float = 0.0
    cooldown_s: float | None = None
    error_class: str | None = None  # see core.classify: rate_limit, quota_exhausted, auth, transient, ...

    def describe(self) -> str:
        if self.connection is None:
            return f"{self.target}: {self.error}"
        answer = f"{self.status}" if self.status else "no answer"
        return f"{self.target} via {self.connection}: {answer}" + (f" ({self.error})" if self.error else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "connection": self.connection,
            "status": self.status,
            "error": self.error,
            "latency_ms": round(self.latency_ms, 2),
            "cooldown_s": round(self.cooldown_s, 3) if self.cooldown_s is not None else None,
            "error_class": self.error_class,
        }


class RoutingFailed(GatewayError):
    """Every target failed. The status is the last upstream status (429 when every try was rate limited)."""

    code = "all_targets_failed"
    type = "upstream_error"

    def __init__(
        self,
        model: str,
        attempts: list[Attempt],
        *,
        retry_after: float | None = None,
        note: str | None = None,
    ) -> None:
        tried = "; ".join(a.describe() for a in attempts)
        statuses = [a.status for a in attempts if a.status]
        if statuses and all(s == 429 for s in statuses):
            status = 429
        elif statuses and all(s == 400 for s in statuses):
            status = 400
        elif statuses:
            status = statuses[-1] if statuses[-1] >= 500 else 502
        else:
            status = 502
        stopped = f"; stopped: {note}" if note else ""
        super().__init__(
            f"all targets for '{model}' failed ({len(attempts)} attempts): {tried}{stopped}", status=status
        )
        self.attempts = attempts
        self.retry_after = retry_after
