"""A2A protocol: wire types, the task engine and the JSON-RPC method table."""
