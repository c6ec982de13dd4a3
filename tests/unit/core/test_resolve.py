"""core/resolve.py: a model string becomes an ordered list of targets over a hand-built table."""

from __future__ import annotations

import pytest

from omniroute_agent.core.resolve import MAX_COMBO_DEPTH, resolve
from omniroute_agent.core.table import RoutingTable
from omniroute_agent.errors import InvalidRequest, ModelNotFound
from omniroute_agent.store.base import ComboRow, ProviderRow


def make_table(combos: dict[str, list[str]] | None = None) -> RoutingTable:
    table = RoutingTable()
    table.put_provider(ProviderRow("fake", "openai", "http://127.0.0.1:1/v1", ["gpt-4.1-mini", "shared"], ["fk"]))
    table.put_provider(ProviderRow("backup", "openai", "http://127.0.0.1:2/v1", ["gpt-4.1-nano", "shared"], []))
    table.put_provider(ProviderRow("anthropic", "anthropic", "http://127.0.0.1:3/v1", ["claude-haiku-4-5"], ["claude"]))
    default = {
        "stack": ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"],
        "outer": ["claude/claude-haiku-4-5", "stack", "gpt-4.1-nano"],
        "ghost": ["fake/gpt-4.1-mini", "nowhere/some-model", "bare-unknown"],
        "loop-a": ["fake/x", "loop-b"],
        "loop-b": ["loop-a"],
        "self": ["self"],
    }
    for name, models in (default | (combos or {})).items():
        table.put_combo(ComboRow(name, "priority", models))
    return table


RESOLVES = [
    # (model, combo, [(label, provider id or None, upstream model)])
    (
        "stack",
        "stack",
        [("fake/gpt-4.1-mini", "fake", "gpt-4.1-mini"), ("backup/gpt-4.1-nano", "backup", "gpt-4.1-nano")],
    ),
    (
        "  stack  ",
        "stack",
        [("fake/gpt-4.1-mini", "fake", "gpt-4.1-mini"), ("backup/gpt-4.1-nano", "backup", "gpt-4.1-nano")],
    ),
    (
        "outer",
        "outer",
        [
            ("anthropic/claude-haiku-4-5", "anthropic", "claude-haiku-4-5"),
            ("fake/gpt-4.1-mini", "fake", "gpt-4.1-mini"),
            ("backup/gpt-4.1-nano", "backup", "gpt-4.1-nano"),
            ("backup/gpt-4.1-nano", "backup", "gpt-4.1-nano"),
        ],
    ),
    (
        "ghost",
        "ghost",
        [
            ("fake/gpt-4.1-mini", "fake", "gpt-4.1-mini"),
            ("nowhere/some-model", None, "some-model"),
            ("bare-unknown", None, "bare-unknown"),
        ],
    ),
    ("fake/gpt-4.1-mini", None, [("fake/gpt-4.1-mini", "fake", "gpt-4.1-mini")]),
    ("fake/not-listed-but-passed", None, [("fake/not-listed-but-passed", "fake", "not-listed-but-passed")]),
    ("fake/org/model", None, [("fake/org/model", "fake", "org/model")]),
    ("fk/gpt-4.1-mini", None, [("fake/gpt-4.1-mini", "fake", "gpt-4.1-mini")]),
    ("claude/claude-haiku-4-5", None, [("anthropic/claude-haiku-4-5", "anthropic", "claude-haiku-4-5")]),
    ("gpt-4.1-nano", None, [("backup/gpt-4.1-nano", "backup", "gpt-4.1-nano")]),
    ("shared", None, [("fake/shared", "fake", "shared")]),  # first provider listing it wins
]


@pytest.mark.parametrize(("model", "combo", "targets"), RESOLVES, ids=[r[0].strip() + "|" for r in RESOLVES])
def test_resolve(model: str, combo: str | None, targets: list[tuple[str, str | None, str]]) -> None:
    table = make_table()
    route = resolve(table, model)
    assert route.requested == model.strip()
    assert route.combo == combo
    assert [(t.label, t.provider.id if t.provider else None, t.model) for t in route.targets] == targets
    for t in route.targets:
        if t.provider is not None:
            assert t.provider is table.providers[t.provider.id]


@pytest.mark.parametrize(
    ("model", "error", "words"),
    [
        pytest.param("", InvalidRequest, ["must not be empty"], id="empty"),
        pytest.param("   ", InvalidRequest, ["must not be empty"], id="blank"),
        pytest.param(
            "nope/gpt-4.1-mini",
            ModelNotFound,
            ["unknown provider 'nope'", "fake", "backup"],
            id="unknown-provider",
        ),
        pytest.param("gpt-9", ModelNotFound, ["'gpt-9'"], id="unknown-bare-model"),
        pytest.param("fake/", ModelNotFound, ["'fake/'"], id="provider-without-model"),
        pytest.param("loop-a", InvalidRequest, ["loop-a -> loop-b -> loop-a"], id="cycle"),
        pytest.param("loop-b", InvalidRequest, ["loop-b -> loop-a -> loop-b"], id="cycle-from-b"),
        pytest.param("self", InvalidRequest, ["self -> self"], id="self-cycle"),
    ],
)
def test_resolve_errors(model: str, error: type[Exception], words: list[str]) -> None:
    with pytest.raises(error) as info:
        resolve(make_table(), model)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)


def test_empty_model_error_is_a_400_on_param_model() -> None:
    with pytest.raises(InvalidRequest) as info:
        resolve(make_table(), "")
    assert (info.value.status, info.value.param) == (400, "model")


def test_unknown_provider_is_404() -> None:
    with pytest.raises(ModelNotFound) as info:
        resolve(make_table(), "nope/x")
    assert info.value.status == 404


@pytest.mark.parametrize(("depth", "ok"), [(MAX_COMBO_DEPTH, True), (MAX_COMBO_DEPTH + 1, False)])
def test_combo_depth_limit(depth: int, ok: bool) -> None:
    chain = {f"c{n}": [f"c{n + 1}"] for n in range(depth - 1)} | {f"c{depth - 1}": ["fake/gpt-4.1-mini"]}
    table = make_table(chain)
    if ok:
        assert [t.label for t in resolve(table, "c0").targets] == ["fake/gpt-4.1-mini"]
    else:
        with pytest.raises(InvalidRequest):
            resolve(table, "c0")


def test_diamond_is_not_a_cycle() -> None:
    table = make_table({"top": ["left", "right"], "left": ["leaf"], "right": ["leaf"], "leaf": ["fake/m"]})
    assert [t.label for t in resolve(table, "top").targets] == ["fake/m", "fake/m"]


def test_combo_wins_over_provider_model_of_same_name() -> None:
    table = make_table({"gpt-4.1-mini": ["backup/gpt-4.1-nano"]})
    route = resolve(table, "gpt-4.1-mini")
    assert route.combo == "gpt-4.1-mini"
    assert [t.label for t in route.targets] == ["backup/gpt-4.1-nano"]
