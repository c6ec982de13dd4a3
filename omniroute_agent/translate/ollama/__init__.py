"""Ollama `/api/chat`: NDJSON streams, tool arguments as JSON objects, images as raw base64."""
