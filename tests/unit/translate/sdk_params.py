"""Shared by the spokes' SDK checks: request bodies validated against an SDK's own TypedDict params with
the keys the SDK does not declare forbidden (the SDKs' TypedDicts accept any key)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pydantic
from typing_extensions import is_typeddict  # the SDKs define their TypedDicts with typing_extensions

FORBID = pydantic.ConfigDict(extra="forbid", arbitrary_types_allowed=True)

Check = Callable[[dict[str, Any]], None]


@contextmanager
def extra_keys_forbidden(*packages: str, skip: str | None = None) -> Iterator[None]:
    """While inside, the TypedDicts defined in `packages` and their subpackages (but those whose name
    holds `skip`) carry extra='forbid'; after, their own config is put back. Pydantic reads the config
    when it builds a schema, so adapters built inside keep it."""
    saved: dict[type, Any] = {}
    for package in packages:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
            if skip and skip in info.name:
                continue
            module = importlib.import_module(info.name)
            for obj in list(vars(module).values()):
                if (
                    isinstance(obj, type)
                    and is_typeddict(obj)
                    and obj.__module__ == module.__name__
                    and obj not in saved
                ):
                    saved[obj] = obj.__dict__.get("__pydantic_config__")
                    setattr(obj, "__pydantic_config__", FORBID)  # noqa: B010
    try:
        yield
    finally:
        for obj, config in saved.items():
            if config is None:
                delattr(obj, "__pydantic_config__")
            else:
                setattr(obj, "__pydantic_config__", config)  # noqa: B010


def drain(value: Any) -> Any:
    """Consume the lazy validators pydantic builds for the SDKs' `Iterable[...]` params."""
    if isinstance(value, dict):
        return {k: drain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [drain(v) for v in value]
    if type(value).__name__ == "ValidatorIterator":
        return [drain(v) for v in value]
    return value


def params_check(non_streaming: Any, streaming: Any) -> Check:
    """A check of request bodies against the SDK's params, by the body's `stream`. Build it inside
    `extra_keys_forbidden` for unknown keys to be refused."""
    adapters: dict[bool, pydantic.TypeAdapter[Any]] = {
        False: pydantic.TypeAdapter(non_streaming),
        True: pydantic.TypeAdapter(streaming),
    }

    def check(body: dict[str, Any]) -> None:
        drain(adapters[bool(body.get("stream"))].validate_python(body))

    return check
