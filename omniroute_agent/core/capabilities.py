"""Declared model capabilities: what a model's maker documents it can take or do, as a literal table.

    vision        images in the prompt
    tools         function / tool calling
    reasoning     a thinking mode (reasoning tokens before the answer)
    json          a JSON output mode (`response_format` json_object or json_schema)
    long_context  a context window of at least 200,000 tokens

`RULES` below is the whole table, one block per model family. A rule is a regular expression matched
(`re.match`: anchored at the start) against the model's own name: lower-cased, with the provider
prefix and any vendor path dropped, so the same model gets the same claims from its maker, an
aggregator or a local runtime: `openrouter/openai/gpt-4o` is matched as `gpt-4o`,
`together/meta-llama/Llama-3.3-70B-Instruct-Turbo` as `llama-3.3-70b-instruct-turbo`, ollama's
`llama3.3:70b` as it is. The provider id plays no part: a configured provider may be called
anything. Rules are tried in order and the first that matches decides, so a specific name
(`o1-mini`) comes before its family (`o1`).

A model no rule matches claims no capability. That means "not declared here", not "cannot": an
unknown or new model is never promised anything. These are claims about the model, not measurements,
and a provider serving it may not expose all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

Capability = Literal["vision", "tools", "reasoning", "json", "long_context"]
CAPABILITIES: tuple[Capability, ...] = get_args(Capability)
LONG_CONTEXT_TOKENS = 200_000  # what `long_context` promises, at least


@dataclass(frozen=True, slots=True)
class Rule:
    family: str
    pattern: re.Pattern[str]
    capabilities: frozenset[Capability]


def _rule(family: str, pattern: str, *capabilities: Capability) -> Rule:
    return Rule(family, re.compile(pattern), frozenset(capabilities))


_ALL: tuple[Capability, ...] = CAPABILITIES

RULES: tuple[Rule, ...] = (
    # OpenAI
    _rule("openai", r"gpt-5", *_ALL),
    _rule("openai", r"gpt-4\.1", "vision", "tools", "json", "long_context"),
    _rule("openai", r"gpt-4o", "vision", "tools", "json"),
    _rule("openai", r"gpt-4-turbo", "vision", "tools", "json"),
    _rule("openai", r"gpt-3\.5-turbo", "tools", "json"),
    _rule("openai", r"o1-(mini|preview)", "reasoning"),
    _rule("openai", r"o3-mini", "tools", "reasoning", "json", "long_context"),
    _rule("openai", r"o[134](-|$)", *_ALL),
    _rule("openai", r"gpt-oss", "tools", "reasoning", "json"),
    # Anthropic (no JSON mode: structured output goes through tools)
    _rule("anthropic", r"claude-(opus|sonnet|haiku)-4", "vision", "tools", "reasoning", "long_context"),
    _rule("anthropic", r"claude-3-7-sonnet", "vision", "tools", "reasoning", "long_context"),
    _rule("anthropic", r"claude-3-5-haiku", "tools", "long_context"),
    _rule("anthropic", r"claude-3", "vision", "tools", "long_context"),
    # Google
    _rule("google", r"gemini-(2\.5|3)", *_ALL),
    _rule("google", r"gemini-(1\.5|2\.0)", "vision", "tools", "json", "long_context"),
    _rule("google", r"gemma-3", "vision"),
    # DeepSeek
    _rule("deepseek", r"deepseek-(reasoner|r1)", "reasoning"),
    _rule("deepseek", r"deepseek-(chat|v3)", "tools", "json"),
    # Meta Llama (as Groq, Together, Fireworks, NVIDIA, Cerebras and Ollama name them)
    _rule("meta", r"llama-?4", "vision", "tools"),
    _rule("meta", r"llama-?3\.2-(11|90)b-vision", "vision"),
    _rule("meta", r"llama-?v?3[.p][13]", "tools"),
    # Mistral
    _rule("mistral", r"pixtral", "vision", "tools", "json"),
    _rule("mistral", r"mistral-(large|medium|small)", "tools", "json"),
    _rule("mistral", r"codestral", "tools", "json", "long_context"),
    # xAI
    _rule("xai", r"grok-4", *_ALL),
    _rule("xai", r"grok-3-mini", "tools", "reasoning", "json"),
    _rule("xai", r"grok-3", "tools", "json"),
    # Qwen
    _rule("qwen", r"qwq", "reasoning"),
    _rule("qwen", r"qwen[\w.-]*-vl", "vision"),
    _rule("qwen", r"qwen3", "tools", "reasoning"),
)


def model_name(model: str) -> str:
    """The name the rules see: the last path segment, lower-cased (`fake/GPT-4o` → `gpt-4o`)."""
    return model.strip().rsplit("/", 1)[-1].lower()


def rule_for(model: str) -> Rule | None:
    """The first rule matching `model` ("provider/model" or a bare name), or None."""
    name = model_name(model)
    return next((r for r in RULES if r.pattern.match(name)), None)


def capabilities_of(model: str) -> tuple[Capability, ...]:
    """The capabilities declared for `model`, in `CAPABILITIES` order; () when no rule matches."""
    rule = rule_for(model)
    return () if rule is None else tuple(c for c in CAPABILITIES if c in rule.capabilities)


def has_all(model: str, required: Iterable[Capability]) -> bool:
    declared = set(capabilities_of(model))
    return all(c in declared for c in required)


def common(models: Iterable[str]) -> tuple[Capability, ...]:
    """What every model of `models` declares (a combo's guarantee, whichever target answers); () for none."""
    sets = [set(capabilities_of(m)) for m in models]
    if not sets:
        return ()
    shared = set.intersection(*sets)
    return tuple(c for c in CAPABILITIES if c in shared)
