"""The /v1 surface: OpenAI-compatible endpoints over the Gateway (shipped as omniroute_agent.proxy)."""

from omniroute_agent.proxy.chat import chat_completions
from omniroute_agent.proxy.models import list_models
from starlette.routing import Route

ROUTES = [
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    Route("/v1/models", list_models, methods=["GET"]),
]

__all__ = ["ROUTES"]
