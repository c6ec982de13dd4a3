"""core/simulate.py: the dry run predicts the order the next request walks, for every strategy, moves
no routing state, and names the router's own reason for every skipped target."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from omniroute_agent.core.budget import Budget, scopes
from omniroute_agent.core.resolve import Target
from omniroute_agent.core.simulate import ordered, simulate
from omniroute_agent.core.strategies import STRATEGIES, ComboState
from omniroute_agent.core.table import Provider
from omniroute_agent.errors import InvalidRequest, ModelNotFound
from omniroute_agent.store.base import ComboRow, ConnectionRow
from tests.unit.core.insight_kit import Kit, kit

pytestmark = pytest.mark.anyio

MINI, NANO, ODD = "fake/gpt-4.1-mini", "backup/gpt-4.1-nano", "odd/mystery-1"


def combo(k: Kit, name: str, models: list[str], strategy: str = "priority", **config: Any) -> None:
    k.gateway.table.put_combo(ComboRow(name, strategy, models, config))


def labels(plan: Any) -> list[str]:
    return [t.target for t in plan.targets]


async def answer(target: Target, provider: Provider, conn: ConnectionRow) -> str:
    return target.label


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_the_dry_run_is_the_order_the_next_request_gets_and_moves_nothing(tmp_path: Path, strategy: str) -> None:
    async with kit(tmp_path) as k:
        combo(
            k, "trio", [MINI, NANO, ODD], strategy, **({"weights": [1.0, 3.0, 0.5]} if strategy == "weighted" else {})
        )
        k.observe(MINI, 40.0, 50.0)
        k.observe(NANO, 5.0, 9.0, 12.0)
        router = k.router
        for _ in range(8):
            rng_before = router.rng.getstate()
            state_before = (router.combo_states.get("trio") or ComboState()).to_dict()
            predicted = simulate(k.gateway, "trio")
            again = simulate(k.gateway, "trio")
            assert router.rng.getstate() == rng_before, "the dry run drew from a copy of the generator"
            assert (router.combo_states.get("trio") or ComboState()).to_dict() == state_before
            assert labels(again) == labels(predicted)
            route, _ = router.plan("trio")  # what the real walk does next
            assert [t.label for t in route.targets] == labels(predicted)
            assert predicted.strategy == strategy


async def test_the_first_choice_is_the_target_a_real_walk_answers_with(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        for _ in range(3):
            plan = simulate(k.gateway, "rotor")
            _, picked = await k.router.walk("rotor", [], answer)
            assert picked.target.label == plan.first_choice
        assert k.router.combo_states["rotor"].counter == 3


async def test_simulate_on_a_model_and_the_default(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        model = simulate(k.gateway, "gpt-4.1-nano")
        default = simulate(k.gateway, None)
        k.gateway.table.default_model = None
        with pytest.raises(InvalidRequest, match="name a model"):
            simulate(k.gateway, "  ")
        with pytest.raises(ModelNotFound, match="unknown provider 'nope'"):
            simulate(k.gateway, "nope/x")
    assert (model.combo, model.strategy, labels(model), model.max_attempts) == (None, None, [NANO], 12)
    (target,) = model.targets
    assert target.price is not None
    assert (target.price.input, target.price.output, target.max_calls) == (0.10, 0.40, 1)
    assert (default.requested, default.combo, labels(default)) == ("stack", "stack", [MINI, NANO])
    assert default.outcome == f"tries {MINI} first; if it fails, then {NANO}"


async def test_an_open_circuit_is_skipped_and_a_half_open_one_probed(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.router.breaker.record_failure("fake")  # one failure opens it in the kit
        k.clock.advance(12)
        open_ = simulate(k.gateway, "stack")
        k.clock.advance(20)
        half = simulate(k.gateway, "stack")
    fake, backup = open_.targets
    assert (fake.would_try, fake.circuit, fake.skip_reason) == (False, "open", "circuit open (18.0s until a probe)")
    assert (backup.would_try, open_.first_choice) == (True, NANO)
    assert half.targets[0].circuit == "half-open"
    assert half.first_choice == MINI
    assert "half-open probe" in half.outcome


async def test_cooling_connections_pins_and_missing_providers(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        accounts, table = k.router.accounts, k.gateway.table
        accounts.failed("fake-1", model=None, retry_after=None, base=60.0)
        accounts.failed("fake-2", model="gpt-4.1-mini", retry_after=None, base=90.0, per_model=True)
        combo(k, "pinned", [f"{MINI}@fake-9", f"{NANO}@backup-1", "ghost/x"])
        odd = table.providers["odd"].connections[0]
        table.put_connection(replace(odd, enabled=False))
        stack = simulate(k.gateway, "stack")
        pinned = simulate(k.gateway, "pinned")
        oddball = simulate(k.gateway, "oddball")
    fake = stack.targets[0]
    assert fake.skip_reason == "all 2 connections cooling down (60.0s left)"
    assert [(c.connection, c.cooldown_s) for c in fake.connections] == [("fake-1", 60.0), ("fake-2", 90.0)]
    assert stack.first_choice == NANO
    missing_pin, backup, ghost = pinned.targets
    assert missing_pin.skip_reason == "pinned connection 'fake-9' is missing or disabled"
    assert [c.connection for c in backup.connections] == ["backup-1"]
    assert (ghost.provider, ghost.skip_reason, ghost.price) == (None, "provider is not configured", None)
    assert oddball.targets[0].skip_reason == "no enabled connection"
    assert oddball.outcome == "no target can be tried now: the request would fail"


@pytest.mark.parametrize(
    ("cooldown_s", "outcome"),
    [
        pytest.param(1.5, "no target can be tried now: the request would wait 1.5s for a connection", id="wait"),
        pytest.param(60.0, "no target can be tried now: the request would fail (retry after 60.0s)", id="fail"),
    ],
)
async def test_every_target_cooling_waits_or_fails_as_the_walk_would(
    tmp_path: Path, cooldown_s: float, outcome: str
) -> None:
    async with kit(tmp_path) as k:
        for conn in ("fake-1", "fake-2", "backup-1"):
            k.router.accounts.failed(conn, model=None, retry_after=None, base=cooldown_s)
        plan = simulate(k.gateway, "stack")
    assert plan.first_choice is None
    assert plan.outcome.startswith(outcome)


@pytest.mark.parametrize(
    ("config", "calls"),
    [
        pytest.param({}, [2, 1], id="every-account"),
        pytest.param({"retries_per_target": 0}, [1, 1], id="one-try-per-target"),
        pytest.param({"max_attempts": 2}, [2, 0], id="attempts-used-up"),
    ],
)
async def test_max_calls_follow_the_combo_config(tmp_path: Path, config: dict[str, int], calls: list[int]) -> None:
    async with kit(tmp_path) as k:
        combo(k, "capped", [MINI, NANO], **config)
        plan = simulate(k.gateway, "capped")
    assert [t.max_calls for t in plan.targets] == calls
    if calls[1] == 0:
        assert plan.targets[1].skip_reason == "max_attempts (2) used up by the targets before it"
        assert plan.outcome == f"tries {MINI} first"


async def test_budgets_allow_degrade_or_block_before_routing(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        now = k.clock.wall()
        gateway = k.gateway
        gateway.budgets = [Budget("combo:stack", "day", 1.0, "degrade", "thrifty"), Budget("key:team", "day", 2.0)]
        allowed = simulate(gateway, "stack", now=now)
        gateway.ledger.add(scopes(key_id="team", combo="stack"), 2.5, now)
        degraded = simulate(gateway, "stack", now=now)
        blocked = simulate(gateway, "stack", api_key_id="team", now=now)
        other = simulate(gateway, "quick", now=now)
    assert (allowed.budget.decision, allowed.routed, allowed.budget.message) == (
        "allow",
        "stack",
        "no budget that applies is exhausted",
    )
    assert (degraded.budget.decision, degraded.budget.budget, degraded.routed) == (
        "degrade",
        "combo:stack/day",
        "thrifty",
    )
    assert (degraded.combo, labels(degraded), degraded.budget.spent_usd) == ("thrifty", [NANO], 2.5)
    assert (blocked.budget.decision, blocked.budget.budget, blocked.targets) == ("block", "key:team/day", [])
    assert blocked.first_choice is None
    assert "exhausted" in blocked.outcome
    assert other.budget.decision == "allow", "neither budget applies to quick without the key"


async def test_ordered_leaves_a_fresh_combo_without_state(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.router.rng = random.Random(1)
        ordered(k.router, "rotor")
        assert "rotor" not in k.router.combo_states


async def test_quota_headroom_and_connection_order(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.router.accounts.set_headroom("fake-2", 0.3)
        fake = simulate(k.gateway, "quick").targets[0]
    assert [(c.connection, c.priority, c.headroom) for c in fake.connections] == [
        ("fake-1", 0, None),
        ("fake-2", 1, 0.3),
    ]
    assert fake.quota_headroom == 0.3
