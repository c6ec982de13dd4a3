"""Gemini's OpenAPI-subset `Schema` (UPPERCASE types, `nullable`, `propertyOrdering`, int64 counts
written as strings) to plain JSON Schema, which the hub carries. The way back needs no conversion:
requests to Gemini use `parametersJsonSchema` / `responseJsonSchema`, which take JSON Schema as it is.
"""

from __future__ import annotations

from typing import Any

from omniroute_agent.translate.gemini.common import Json, camel, get

_COUNTS = ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties")
_RENAMED = {"ref": "$ref", "defs": "$defs"}
_NESTED_MAPS = ("properties", "defs")
_NESTED_LISTS = ("anyOf",)
_NESTED = ("items", "additionalProperties")
_HANDLED = (
    "type",
    "nullable",
    "propertyOrdering",
    "example",
    *_COUNTS,
    *_NESTED_MAPS,
    *_NESTED_LISTS,
    *_NESTED,
)


def to_json_schema(schema: Any) -> Any:
    """JSON Schema for a Gemini `Schema` (a JSON Schema passes through unchanged but for `$schema`)."""
    if not isinstance(schema, dict):
        return schema
    out: Json = {}
    kind = get(schema, "type")
    if isinstance(kind, str) and kind != "TYPE_UNSPECIFIED":
        out["type"] = [kind.lower(), "null"] if get(schema, "nullable") is True else kind.lower()
    elif kind is not None:
        out["type"] = kind
    for key, value in schema.items():
        name = camel(key)
        if name in _HANDLED or name == "$schema":
            continue
        out[_RENAMED.get(name, name)] = value
    for name in _COUNTS:
        value = get(schema, name)
        if value is not None:
            out[name] = int(value) if isinstance(value, str) and value.isdigit() else value
    for name in _NESTED_MAPS:
        value = get(schema, name)
        if isinstance(value, dict):
            out[_RENAMED.get(name, name)] = {k: to_json_schema(v) for k, v in value.items()}
    for name in _NESTED_LISTS:
        value = get(schema, name)
        if isinstance(value, list):
            out[name] = [to_json_schema(v) for v in value]
    for name in _NESTED:
        value = get(schema, name)
        if value is not None:
            out[name] = to_json_schema(value)
    if (example := get(schema, "example")) is not None:
        out["examples"] = [example]
    order = get(schema, "propertyOrdering")
    if isinstance(order, list) and isinstance(out.get("properties"), dict):
        props = out["properties"]
        out["properties"] = {k: props[k] for k in order if k in props} | props
    return out
