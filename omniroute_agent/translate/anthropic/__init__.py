"""Anthropic Messages (`/v1/messages`): requests, responses, streams and errors to and from the hub."""
