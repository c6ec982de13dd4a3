"""Saving a combo: the checks that make a stored combo one the router can walk.

A combo is a name, a strategy (see `core.strategies`), ordered targets (`provider/model`, a
member combo, or `provider/model@connection-id` pinned to one account) and a config:

    weights              one per target, for the `weighted` strategy (default 1 each)
    retries_per_target   extra tries of the same target on another account (default: every account)
    max_attempts         the most upstream calls one request may make (default 12)
    timeout_s            the whole request's budget of time across all attempts (default: none)

Unknown strategies, unknown config keys, nesting deeper than `MAX_COMBO_DEPTH` and cycles are
refused when the combo is saved, never discovered by a request.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omniroute_agent.core.resolve import MAX_COMBO_DEPTH
from omniroute_agent.core.strategies import validate_strategy
from omniroute_agent.core.table import RoutingTable
from omniroute_agent.errors import InvalidRequest
from omniroute_agent.store.base import ComboRow

DEFAULT_MAX_ATTEMPTS = 12


class ComboConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    weights: list[Annotated[float, Field(ge=0)]] | None = None
    retries_per_target: Annotated[int, Field(ge=0, le=20)] | None = None
    max_attempts: Annotated[int, Field(ge=1, le=100)] = DEFAULT_MAX_ATTEMPTS
    timeout_s: Annotated[float, Field(gt=0)] | None = None


def parse_config(raw: dict[str, Any]) -> ComboConfig:
    try:
        return ComboConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "config"
        raise InvalidRequest(f"combo config '{where}': {first['msg']}", param=f"config.{where}") from None


def validate_combo(table: RoutingTable, row: ComboRow) -> None:
    """Raises InvalidRequest naming the problem; `table` is the table the combo would join."""
    if not row.models:
        raise InvalidRequest("a combo needs at least one target", param="models")
    if "/" in row.name or not row.name.strip():
        raise InvalidRequest(f"combo name '{row.name}' must be non-empty and contain no '/'", param="name")
    if row.name in table.providers or row.name in table.aliases:
        raise InvalidRequest(f"combo name '{row.name}' is already a provider name", param="name")
    validate_strategy(row.strategy)
    config = parse_config(row.config)
    if config.weights is not None and len(config.weights) != len(row.models):
        raise InvalidRequest(
            f"combo '{row.name}' has {len(row.models)} targets but {len(config.weights)} weights",
            param="weights",
        )
    _check_nesting(table, row)


def _check_nesting(table: RoutingTable, row: ComboRow) -> None:
    members = {name: list(c.models) for name, c in table.combos.items()}
    members[row.name] = list(row.models)

    def walk(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise InvalidRequest(f"combo '{row.name}' makes a cycle: {' -> '.join((*path, name))}", param="models")
        if len(path) >= MAX_COMBO_DEPTH:
            raise InvalidRequest(
                f"combo '{row.name}' nests deeper than {MAX_COMBO_DEPTH}: {' -> '.join((*path, name))}",
                param="models",
            )
        for member in members.get(name, []):
            if member in members:
                walk(member, (*path, name))

    walk(row.name, ())
