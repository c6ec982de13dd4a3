"""Resilience profiles: named presets for how long the router persists with a failing provider or key.

One literal table. Each profile sets five values on the live router:

    breaker_failures     consecutive provider-wide failures (5xx, timeouts, no answer) that open the
                         provider's circuit breaker (`core.breaker`)
    breaker_open_s       seconds an open circuit refuses requests before it lets one probe through
    wait_for_cooldown_s  when every connection a request could use is cooling down for at most this
                         long, the request waits for the first one once instead of failing
    max_attempts         the most upstream calls one request for a model may make; a combo request
                         follows its combo's own `max_attempts` (12 unless the combo sets it)
    backoff_cap_s        the longest cooldown of a key's exponential backoff (1, 2, 4, ... seconds)

    aggressive    fail over fast: give up on a flaky provider or key early and keep it out longer;
                  a quick error or the next target beats waiting (interactive use)
    balanced      the built-in defaults: the `[routing]` defaults and the accounts' 120 s cap
    conservative  persist: tolerate flakiness, probe a provider again soon, wait for a cooling key,
                  try more times; an answer matters more than latency (batch work)

The values are the literal `PROFILES` table below.

A profile chosen at run time is saved in the store (state key `resilience`) and applied again when
the router is built at start-up, where it wins over the `[routing]` values of the config file.
Circuits already open keep their deadline; the new `breaker_open_s` applies to the next opening.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from omniroute_agent.core.router import Router
from omniroute_agent.errors import InvalidRequest
from omniroute_agent.store.base import Store

log = logging.getLogger("omniroute.profiles")

STATE_KEY = "resilience"


@dataclass(frozen=True, slots=True)
class ResilienceProfile:
    breaker_failures: int
    breaker_open_s: float
    wait_for_cooldown_s: float
    max_attempts: int
    backoff_cap_s: float


PROFILES: dict[str, ResilienceProfile] = {
    #                                breaker   breaker   wait for   max       backoff
    #                                failures  open (s)  cooldown   attempts  cap (s)
    "aggressive": ResilienceProfile(3, 60.0, 0.0, 6, 300.0),
    "balanced": ResilienceProfile(5, 30.0, 2.0, 12, 120.0),
    "conservative": ResilienceProfile(10, 15.0, 5.0, 20, 60.0),
}


def profile_named(name: str) -> ResilienceProfile:
    profile = PROFILES.get(name)
    if profile is None:
        raise InvalidRequest(f"unknown resilience profile '{name}' (known: {', '.join(PROFILES)})", param="profile")
    return profile


def apply(router: Router[Any], profile: ResilienceProfile) -> None:
    """Sets the profile's values on the live router: the next request follows them."""
    breaker = router.breaker
    breaker.settings = replace(breaker.settings, failures=profile.breaker_failures, open_seconds=profile.breaker_open_s)
    router.accounts.settings = replace(router.accounts.settings, cap=profile.backoff_cap_s)
    router.max_cooldown_wait_s = profile.wait_for_cooldown_s
    router.max_attempts = profile.max_attempts


def in_effect(router: Router[Any]) -> ResilienceProfile:
    """The values the live router uses now (whatever set them: the config or a profile)."""
    return ResilienceProfile(
        breaker_failures=router.breaker.settings.failures,
        breaker_open_s=router.breaker.settings.open_seconds,
        wait_for_cooldown_s=router.max_cooldown_wait_s,
        max_attempts=router.max_attempts,
        backoff_cap_s=router.accounts.settings.cap,
    )


async def saved(store: Store) -> str | None:
    """The name of the profile saved in the store, or None when none was chosen."""
    name = (await store.get_state(STATE_KEY) or {}).get("profile")
    return name if isinstance(name, str) else None


def restore(router: Router[Any], saved: Mapping[str, Any] | None) -> str | None:
    """Applies the profile saved in the store's `resilience` state, if any; its name, or None.
    A name no longer in the table is ignored (logged): the config's values stay."""
    name = (saved or {}).get("profile")
    if not isinstance(name, str):
        return None
    profile = PROFILES.get(name)
    if profile is None:
        log.warning("saved resilience profile %r is unknown; keeping the config's routing values", name)
        return None
    apply(router, profile)
    return name
