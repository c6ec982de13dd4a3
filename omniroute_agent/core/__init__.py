"""The routing core every surface calls: model resolution, fallback, accounts, usage."""

from omniroute_agent.core.gateway import ChatStream, Completion, Gateway

__all__ = ["ChatStream", "Completion", "Gateway"]
