"""The routing core every surface calls: model resolution, fallback, accounts, usage."""

from omniroute_agent.core.gateway import Completion, Gateway
from omniroute_agent.core.streams import ChatStream

__all__ = ["ChatStream", "Completion", "Gateway"]
