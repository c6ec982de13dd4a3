"""Pure codecs between wire formats and the hub (OpenAI Chat shape). No I/O here."""
