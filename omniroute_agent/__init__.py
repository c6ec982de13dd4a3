"""omniroute-agent: one local endpoint for every AI client, over one routing core."""

__version__ = "0.1.0"
