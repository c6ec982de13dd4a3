"""The wire formats the gateway speaks, on either side. Shared by the catalog and the codecs."""

from typing import Literal, get_args

Format = Literal["openai", "anthropic", "gemini", "responses", "ollama"]
FORMATS: tuple[Format, ...] = get_args(Format)
