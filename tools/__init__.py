"""MCP tools (shipped as omniroute_agent.tools): one module per tool, each a typed async function
over the running gateway. `build_server` assembles them into one MCPServer for stdio or HTTP."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from omniroute_agent import __version__
from omniroute_agent.runtime import Runtime
from omniroute_agent.tools import combos, explain, health, models, route

INSTRUCTIONS = (
    "omniroute-agent routes chat requests across your AI providers with fallback and account rotation. "
    "Use omniroute_route_request to chat through the router (it picks the default model when you name none), "
    "omniroute_list_models_catalog and omniroute_list_combos to see what can be named, and "
    "omniroute_get_health to inspect providers and cooldowns."
)

MODULES = (health, models, combos, route, explain)


def build_server(runtime: Runtime) -> MCPServer:
    server = MCPServer("omniroute", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    for module in MODULES:
        module.register(server, runtime)
    return server
