"""omniroute_route_request: a chat through the router, in-process, with the routing trace.

What answers, first match wins: `model`, else `combo` (which must name a combo), else the model or
combo `[mcp] roles` maps `task_role` to, else the configured default model.

`budget_usd` is a ceiling checked before routing: the prompt is estimated at ~4 characters per
token, the answer at `max_tokens`, and the request is refused when even the cheapest priced target
of the route would cost more. `stream` reads the answer through `Gateway.stream` and sends each text
delta as an MCP progress notification; the result is the assembled answer, as without it.
"""

from __future__ import annotations

import contextlib
import math
import time
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, cast

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from omniroute_agent.core.pricing import cost
from omniroute_agent.core.resolve import resolve
from omniroute_agent.errors import Attempt, GatewayError
from omniroute_agent.tools.caller import current
from omniroute_agent.tools.view import RuntimeView
from omniroute_agent.translate.framing import reader
from omniroute_agent.translate.hub import ChatMessage, ChatRequest, Usage, response_text

CHARS_PER_TOKEN = 4
ROLE_HELP = (
    "what the request is for (e.g. coding, chat, reasoning, vision): the model or combo `[mcp] roles` maps it to "
    "answers when neither model nor combo is given"
)
BUDGET_HELP = (
    "USD ceiling for this request (needs max_tokens): refused before routing when even the route's cheapest "
    "target would cost more"
)
STREAM_HELP = "stream the answer: each text delta is sent as a progress notification as it arrives"

Selection = Literal["model", "combo", "task_role", "default"]


class ChatTurn(BaseModel):
    role: Literal["system", "developer", "user", "assistant"]
    content: str


class AttemptInfo(BaseModel):
    target: str
    connection: str | None
    status: int | None
    error: str | None
    latency_ms: float
    cooldown_s: float | None
    error_class: str | None = None


class TokenUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class BudgetCheck(BaseModel):
    budget_usd: float
    prompt_tokens: int = Field(description="the prompt's tokens, estimated at ~4 characters per token")
    max_tokens: int
    cheapest_target: str = Field(description="the route's cheapest priced target")
    estimated_usd: float = Field(description="the most the cheapest target costs for this prompt and max_tokens")
    over_budget_targets: list[str] = Field(
        description="priced targets that could cost more than the budget (the route may still fall back to them)"
    )
    unpriced_targets: list[str] = Field(description="targets of the route without a price (their cost is unknown)")


class RouteResult(BaseModel):
    text: str = Field(description="the answer")
    model: str = Field(description="the target that answered, as provider/model")
    requested: str = Field(description="the model or combo that was asked for")
    selected_by: Selection = Field(description="what picked the requested model: an argument, or the default")
    attempts: list[AttemptInfo] = Field(description="every target and connection tried, in order")
    usage: TokenUsage
    finish_reason: str | None
    request_id: str
    latency_ms: float
    streamed: bool = Field(description="whether the answer came as a stream (its deltas sent as progress)")
    budget: BudgetCheck | None = Field(description="the budget_usd check, when one was asked for")


@dataclass(slots=True)
class _Answer:
    text: str
    target: str
    attempts: list[Attempt]
    usage: Usage
    finish_reason: str | None
    requested: str
    deltas: list[str] = field(default_factory=list)


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_route_request",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
        ),
    )
    async def route_request(
        messages: Annotated[list[ChatTurn], Field(min_length=1, description="the conversation, oldest first")],
        ctx: Context[Any, Any],
        model: Annotated[str | None, Field(description="model or combo; the default model when omitted")] = None,
        combo: Annotated[str | None, Field(description="a combo to answer (like model, but only combos)")] = None,
        task_role: Annotated[str | None, Field(description=ROLE_HELP)] = None,
        max_tokens: Annotated[int | None, Field(ge=1, description="the longest answer, in tokens")] = None,
        budget_usd: Annotated[float | None, Field(gt=0, description=BUDGET_HELP)] = None,
        stream: Annotated[bool, Field(description=STREAM_HELP)] = False,
    ) -> RouteResult:
        """Chat through the gateway's router: resolves the model or combo, falls back across targets and
        accounts, and returns the answer with the model that gave it, every attempt and token usage."""
        started = time.perf_counter()
        request_id = uuid.uuid4().hex
        requested, selected_by = _select(runtime, model, combo, task_role)
        budget = None if budget_usd is None else _check_budget(runtime, requested, messages, max_tokens, budget_usd)
        turns: list[ChatMessage] = [{"role": t.role, "content": t.content} for t in messages]
        chat: ChatRequest = {"messages": turns}
        if requested:
            chat["model"] = requested
        if max_tokens is not None:
            chat["max_tokens"] = max_tokens
        try:
            if stream:
                answer = await _streamed(runtime, chat, request_id, ctx)
            else:
                answer = await _completed(runtime, chat, request_id)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
        return RouteResult(
            text=answer.text,
            model=answer.target,
            requested=answer.requested,
            selected_by=selected_by,
            attempts=[AttemptInfo.model_validate(a.as_dict()) for a in answer.attempts],
            usage=TokenUsage.model_validate(answer.usage),
            finish_reason=answer.finish_reason,
            request_id=request_id,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            streamed=stream,
            budget=budget,
        )


def _select(runtime: RuntimeView, model: str | None, combo: str | None, task_role: str | None) -> tuple[str, Selection]:
    """The model or combo to ask for ("" for the configured default) and what picked it."""
    if model and combo:
        raise ToolError("give 'model' or 'combo', not both")
    roles = runtime.settings.file.mcp.roles
    if task_role is not None and task_role not in roles:
        listed = ", ".join(sorted(roles)) or "none are configured; map roles to models under [mcp] roles"
        raise ToolError(f"unknown task_role '{task_role}' (roles: {listed})")
    combos = runtime.gateway.table.combos
    if combo is not None:
        if combo not in combos:
            raise ToolError(f"'{combo}' is not a combo (combos: {', '.join(sorted(combos)) or 'none'})")
        return combo, "combo"
    if model:
        return model, "model"
    if task_role is not None:
        return roles[task_role], "task_role"
    return "", "default"


def _check_budget(
    runtime: RuntimeView, requested: str, messages: list[ChatTurn], max_tokens: int | None, budget_usd: float
) -> BudgetCheck:
    """Refuses (ToolError) when the cheapest priced target of the route would cost more than the budget."""
    if max_tokens is None:
        raise ToolError("budget_usd needs max_tokens: without a cap on the answer its cost has no bound")
    gateway = runtime.gateway
    name = requested or gateway.table.default_model or ""
    try:
        route = resolve(gateway.table, name)
    except GatewayError as exc:
        raise ToolError(exc.message) from None
    prompt = math.ceil(sum(len(t.content) for t in messages) / CHARS_PER_TOKEN)
    usage: Usage = {"prompt_tokens": prompt, "completion_tokens": max_tokens, "total_tokens": prompt + max_tokens}
    priced: dict[str, float] = {}
    unpriced: list[str] = []
    for label in dict.fromkeys(t.label for t in route.targets):
        price = gateway.router.prices.lookup(label)
        if price is None:
            unpriced.append(label)
        else:
            priced[label] = cost(price, usage)
    if not priced:
        raise ToolError(
            f"budget_usd cannot be checked: no target of '{name}' has a price ({', '.join(unpriced)}); "
            "add [[pricing]] entries for them"
        )
    cheapest = min(priced, key=priced.__getitem__)
    usd = priced[cheapest]
    if usd > budget_usd:
        raise ToolError(
            f"over budget: the cheapest target of '{name}', {cheapest}, would cost up to {_usd(usd)} for "
            f"~{prompt} prompt tokens (~{CHARS_PER_TOKEN} characters per token) and max_tokens {max_tokens}, "
            f"more than budget_usd {_usd(budget_usd)}; raise the budget, lower max_tokens, shorten the prompt "
            "or name a cheaper model"
        )
    return BudgetCheck(
        budget_usd=budget_usd,
        prompt_tokens=prompt,
        max_tokens=max_tokens,
        cheapest_target=cheapest,
        estimated_usd=round(usd, 8),
        over_budget_targets=[label for label, target_usd in priced.items() if target_usd > budget_usd],
        unpriced_targets=unpriced,
    )


def _usd(amount: float) -> str:
    return "$" + f"{amount:.8f}".rstrip("0").rstrip(".")


async def _completed(runtime: RuntimeView, chat: ChatRequest, request_id: str) -> _Answer:
    done = await runtime.gateway.complete(chat, request_id=request_id, surface="mcp", api_key_id=current().key_id)
    choices = done.response.get("choices") or [{}]
    return _Answer(
        response_text(done.response),
        done.target,
        done.attempts,
        done.usage,
        choices[0].get("finish_reason"),
        done.requested,
    )


async def _streamed(runtime: RuntimeView, chat: ChatRequest, request_id: str, ctx: Context[Any, Any]) -> _Answer:
    """The answer through `Gateway.stream` as an OpenAI client reads it; each text delta goes to the
    caller as a progress notification (progress = deltas so far) as it arrives."""
    gateway = runtime.gateway
    requested = str(chat.get("model") or gateway.table.default_model or "").strip()
    live = await gateway.stream(
        chat,
        request_id=request_id,
        surface="mcp",
        client_format="openai",
        client_framing="sse",
        api_key_id=current().key_id,
    )
    answer = _Answer("", live.target, live.attempts, live.usage, None, requested)
    frames = reader("sse")
    # events() is an async generator: closing it early (an error event, a caller gone) still records usage
    async with contextlib.aclosing(cast(AsyncGenerator[bytes, None], live.events())) as events:
        async for data in events:
            for frame in frames.feed(data):
                await _relay(frame.data, answer, ctx)
    for frame in frames.finish():
        await _relay(frame.data, answer, ctx)
    answer.text = "".join(answer.deltas)
    answer.usage = live.usage
    return answer


async def _relay(data: object, answer: _Answer, ctx: Context[Any, Any]) -> None:
    """One OpenAI stream chunk: its text delta kept and sent as progress, its finish reason noted;
    an error event raises."""
    if not isinstance(data, dict):
        return  # [DONE]
    if isinstance(error := data.get("error"), dict):
        message = error.get("message") or "the stream failed"
        raise ToolError(f"the answer stream broke after {sum(map(len, answer.deltas))} characters: {message}")
    for choice in data.get("choices") or []:
        answer.finish_reason = choice.get("finish_reason") or answer.finish_reason
        delta = (choice.get("delta") or {}).get("content")
        if isinstance(delta, str) and delta:
            answer.deltas.append(delta)
            await ctx.report_progress(len(answer.deltas), None, delta)
