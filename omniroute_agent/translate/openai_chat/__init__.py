"""OpenAI Chat Completions: the hub's own format, so its codec is nearly the identity."""
