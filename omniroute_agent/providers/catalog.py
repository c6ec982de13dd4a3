"""Built-in providers as data. A provider is a row: wire format, base URL, key variables, aliases.

A provider named in the config with only `id` and `api_keys` takes the rest from here; `base_url`
and `models` in the config override. Nothing here is fetched: the model lists are defaults for
`/v1/models`, not a claim about what the provider serves today.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniroute_agent.formats import Format
from omniroute_agent.translate.base import Quirks


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    id: str
    format: Format
    base_url: str
    env_keys: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    key_required: bool = True


@dataclass(frozen=True, slots=True)
class WireRules:
    """Where a format's chat endpoint lives under a base URL and how it authenticates."""

    path: str  # may hold {model}
    stream_path: str
    auth_header: str  # "authorization" (Bearer), "x-api-key" or "x-goog-api-key"
    extra_headers: tuple[tuple[str, str], ...] = ()


WIRE_RULES: dict[Format, WireRules] = {
    "openai": WireRules("/chat/completions", "/chat/completions", "authorization"),
    "responses": WireRules("/responses", "/responses", "authorization"),
    "anthropic": WireRules("/messages", "/messages", "x-api-key", (("anthropic-version", "2023-06-01"),)),
    "gemini": WireRules(
        "/models/{model}:generateContent", "/models/{model}:streamGenerateContent?alt=sse", "x-goog-api-key"
    ),
    "ollama": WireRules("/api/chat", "/api/chat", "authorization"),
}

CATALOG: dict[str, ProviderSpec] = {
    spec.id: spec
    for spec in (
        ProviderSpec(
            "openai",
            "openai",
            "https://api.openai.com/v1",
            ("OPENAI_API_KEY",),
            ("oai",),
            ("gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4o-mini", "o4-mini"),
        ),
        ProviderSpec(
            "anthropic",
            "anthropic",
            "https://api.anthropic.com/v1",
            ("ANTHROPIC_API_KEY",),
            ("claude",),
            ("claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5"),
        ),
        ProviderSpec(
            "gemini",
            "gemini",
            "https://generativelanguage.googleapis.com/v1beta",
            ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
            ("google",),
            ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"),
        ),
        ProviderSpec(
            "openrouter",
            "openai",
            "https://openrouter.ai/api/v1",
            ("OPENROUTER_API_KEY",),
            ("or",),
            ("openrouter/auto",),
        ),
        ProviderSpec(
            "groq",
            "openai",
            "https://api.groq.com/openai/v1",
            ("GROQ_API_KEY",),
            (),
            ("llama-3.3-70b-versatile", "llama-3.1-8b-instant"),
        ),
        ProviderSpec(
            "deepseek",
            "openai",
            "https://api.deepseek.com/v1",
            ("DEEPSEEK_API_KEY",),
            ("ds",),
            ("deepseek-chat", "deepseek-reasoner"),
        ),
        ProviderSpec(
            "mistral",
            "openai",
            "https://api.mistral.ai/v1",
            ("MISTRAL_API_KEY",),
            (),
            ("mistral-large-latest", "mistral-small-latest", "codestral-latest"),
        ),
        ProviderSpec("xai", "openai", "https://api.x.ai/v1", ("XAI_API_KEY",), ("grok",), ("grok-4", "grok-3-mini")),
        ProviderSpec(
            "together",
            "openai",
            "https://api.together.xyz/v1",
            ("TOGETHER_API_KEY",),
            (),
            ("meta-llama/Llama-3.3-70B-Instruct-Turbo",),
        ),
        ProviderSpec(
            "fireworks",
            "openai",
            "https://api.fireworks.ai/inference/v1",
            ("FIREWORKS_API_KEY",),
            ("fw",),
            ("accounts/fireworks/models/llama-v3p3-70b-instruct",),
        ),
        ProviderSpec(
            "cerebras",
            "openai",
            "https://api.cerebras.ai/v1",
            ("CEREBRAS_API_KEY",),
            (),
            ("llama-3.3-70b",),
        ),
        ProviderSpec(
            "nvidia",
            "openai",
            "https://integrate.api.nvidia.com/v1",
            ("NVIDIA_API_KEY",),
            ("nim",),
            ("meta/llama-3.3-70b-instruct",),
        ),
        ProviderSpec(
            "ollama",
            "ollama",
            "http://127.0.0.1:11434",
            ("OLLAMA_API_KEY",),
            (),
            (),
            key_required=False,
        ),
    )
}


def quirks_for(provider_id: str, fmt: Format, model: str) -> Quirks:
    """Quirks of a provider and model, from the rules below (data, read by the encoders)."""
    name = model.rsplit("/", 1)[-1].lower()
    reasoning_model = name.startswith(("o1", "o3", "o4", "gpt-5")) or "reasoner" in name
    return Quirks(
        # Only OpenAI itself knows the `developer` role among OpenAI-format providers.
        developer_as_system=fmt == "openai" and provider_id != "openai",
        drop_sampling=reasoning_model or (fmt == "anthropic" and _anthropic_rejects_sampling(name)),
        send_reasoning_content=provider_id == "deepseek",
    )


def _anthropic_rejects_sampling(name: str) -> bool:
    """Models released after claude-opus-4-6 reject temperature/top_p/top_k (wire README, [A8])."""
    for family in ("opus", "sonnet", "haiku"):
        prefix = f"claude-{family}-4-"
        if name.startswith(prefix):
            minor = name[len(prefix) :].split("-")[0]
            return minor.isdigit() and len(minor) == 1 and int(minor) >= 7
    return False
