"""Model resolution: what a model string names, as an ordered list of targets.

"stack"                 a combo: its members, in order (members may be combos, depth-limited)
"fake/gpt-4.1-mini"     provider (or alias) / model
"gpt-4.1-mini"          a model some configured provider lists (first provider wins)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from omniroute_agent.core.table import Provider, RoutingTable
from omniroute_agent.errors import InvalidRequest, ModelNotFound

MAX_COMBO_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Target:
    label: str  # what the trace and usage call it: "provider/model"
    provider: Provider | None  # None: a combo member naming a provider that is not configured
    model: str
    pin: str | None = None  # a combo member pinned to one connection (`provider/model@connection-id`)


@dataclass(frozen=True, slots=True)
class Route:
    requested: str
    combo: str | None
    targets: tuple[Target, ...]


def resolve(table: RoutingTable, model: str) -> Route:
    name = model.strip()
    if not name:
        raise InvalidRequest("'model' must not be empty", param="model")
    if name in table.combos:
        return Route(name, name, tuple(_combo_targets(table, name, depth=0, seen=())))
    target = _direct(table, name)
    if target is None:
        raise ModelNotFound(_not_found_message(table, name))
    return Route(name, None, (target,))


def _combo_targets(table: RoutingTable, name: str, *, depth: int, seen: tuple[str, ...]) -> list[Target]:
    if depth >= MAX_COMBO_DEPTH or name in seen:
        raise InvalidRequest(f"combo '{name}' nests too deep or in a cycle: {' -> '.join((*seen, name))}")
    targets: list[Target] = []
    for member in table.combos[name].models:
        if member in table.combos:
            targets.extend(_combo_targets(table, member, depth=depth + 1, seen=(*seen, name)))
            continue
        name_part, pin = split_pin(member)
        target = _direct(table, name_part)
        if target is None:
            target = Target(name_part, None, name_part.partition("/")[2] or name_part)
        targets.append(replace(target, pin=pin) if pin else target)
    return targets


def split_pin(member: str) -> tuple[str, str | None]:
    """`provider/model@connection-id` → (`provider/model`, connection id)."""
    target, at, pin = member.rpartition("@")
    return (target, pin) if at and target and "/" in target and pin else (member, None)


def _direct(table: RoutingTable, name: str) -> Target | None:
    prefix, slash, rest = name.partition("/")
    if slash:
        provider = table.provider(prefix)
        if provider is not None and rest:
            return Target(f"{provider.id}/{rest}", provider, rest)
    for provider in table.providers.values():
        if name in provider.models:
            return Target(f"{provider.id}/{name}", provider, name)
    return None


def _not_found_message(table: RoutingTable, name: str) -> str:
    prefix, slash, _ = name.partition("/")
    if slash and table.provider(prefix) is None:
        known = ", ".join(sorted(table.providers)) or "none configured"
        return f"unknown provider '{prefix}' in model '{name}' (providers: {known})"
    return f"model '{name}' is not a combo, a 'provider/model' or a model any configured provider lists"
