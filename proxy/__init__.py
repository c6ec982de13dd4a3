"""The /v1 surface: OpenAI, Anthropic, Responses and Gemini endpoints over the Gateway
(shipped as omniroute_agent.proxy)."""

from starlette.routing import Route

from omniroute_agent.proxy.chat import chat_completions, pinned_chat_completions
from omniroute_agent.proxy.gemini import gemini
from omniroute_agent.proxy.messages import count_tokens, messages
from omniroute_agent.proxy.models import list_models
from omniroute_agent.proxy.responses import responses

ROUTES = [
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    Route("/v1/providers/{provider}/chat/completions", pinned_chat_completions, methods=["POST"]),
    Route("/v1/messages", messages, methods=["POST"]),
    Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
    Route("/v1/responses", responses, methods=["POST"]),
    Route("/v1beta/models/{target:path}", gemini, methods=["POST"]),
    Route("/v1/models", list_models, methods=["GET"]),
]

# The chat endpoints the front door (server/front.py) calls directly, by exact path.
HOT = {"/v1/chat/completions": chat_completions, "/v1/messages": messages, "/v1/responses": responses}

__all__ = ["HOT", "ROUTES"]
