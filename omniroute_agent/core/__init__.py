"""The routing core every surface calls: model resolution, fallback, accounts, usage.

Nothing is imported here: `omniroute --mcp` and the config loader read single modules of the core
(scopes, profiles) without pulling in the gateway and its HTTP client.
"""
