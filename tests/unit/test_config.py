"""config.py: parse_config (valid files, and one line naming file:line:problem for invalid ones),
build_settings precedence and provider keys from the environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from omniroute_agent.config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ConfigFile,
    build_settings,
    parse_config,
    provider_keys_from_env,
)
from omniroute_agent.errors import ConfigError

EXAMPLE = """\
[server]
api_keys = ["sk-local-1"]
default_model = "stack"

[[providers]]
id = "fake"
format = "openai"
base_url = "http://127.0.0.1:9999/v1"
api_keys = ["k1", "k2"]
models = ["gpt-4.1-mini"]

[[providers]]
id = "anthropic"
api_keys = ["sk-ant-1"]

[[combos]]
name = "stack"
strategy = "priority"
models = ["fake/gpt-4.1-mini", "anthropic/claude-haiku-4-5"]
"""


def test_example_config_parses() -> None:
    cfg = parse_config(EXAMPLE, "omniroute.toml")
    assert cfg.server.api_keys == ["sk-local-1"]
    assert cfg.server.default_model == "stack"
    fake, builtin = cfg.providers
    assert (fake.id, fake.format, fake.base_url) == ("fake", "openai", "http://127.0.0.1:9999/v1")
    assert fake.api_keys == ["k1", "k2"]
    assert fake.models == ["gpt-4.1-mini"]
    # a built-in provider needs only its id and keys; the catalog supplies the rest later
    assert (builtin.id, builtin.format, builtin.base_url, builtin.api_keys) == (
        "anthropic",
        None,
        None,
        ["sk-ant-1"],
    )
    (combo,) = cfg.combos
    assert (combo.name, combo.strategy, combo.models) == (
        "stack",
        "priority",
        ["fake/gpt-4.1-mini", "anthropic/claude-haiku-4-5"],
    )


@pytest.mark.parametrize(
    ("text", "check"),
    [
        pytest.param("", lambda c: c.providers == [] and c.combos == [] and c.server.api_keys == [], id="empty"),
        pytest.param("[server]\nport = 0\n", lambda c: c.server.port == 0, id="port-zero"),
        pytest.param(
            '[[providers]]\nid = "gemini"\napi_keys = ["g"]\n',
            lambda c: c.providers[0].id == "gemini",
            id="builtin-only-id-and-keys",
        ),
        pytest.param(
            '[[providers]]\nid = "ollama"\n',
            lambda c: c.providers[0].api_keys == [],
            id="builtin-without-keys",
        ),
        pytest.param(
            '[[combos]]\nname = "c"\nmodels = ["openai/gpt-5"]\n',
            lambda c: c.combos[0].strategy == "priority",
            id="combo-default-strategy",
        ),
    ],
)
def test_valid_configs(text: str, check: Callable[[ConfigFile], bool]) -> None:
    assert check(parse_config(text, "f.toml"))


PROVIDERS_TWO = """\
[server]
default_model = "x"

[[providers]]
id = "openai"
api_keys = ["a"]

[[providers]]
id = "fake"
format = "openai"
colour = "blue"
base_url = "http://127.0.0.1:1/v1"
"""

INVALID = [
    # (name, text, line, words the message must contain)
    ("malformed-toml", '[server]\ndefault_model = "x"\nport = \n', 3, ["invalid TOML"]),
    ("malformed-toml-unclosed-table", '[server]\n\n[[providers]\nid = "a"\n', 3, ["invalid TOML"]),
    ("unknown-top-level-table", '[server]\nport = 1\n\n[sever]\nhost = "x"\n', 4, ["unknown key", "'sever'"]),
    (
        "unknown-key-in-server",
        '# c\n[server]\nport = 1\nhots = "x"\n',
        4,
        ["unknown key", "'hots'", "[server]"],
    ),
    ("unknown-key-in-second-provider", PROVIDERS_TWO, 11, ["unknown key", "'colour'", "providers"]),
    (
        "bad-format",
        '[[providers]]\nid = "fake"\nbase_url = "http://h/v1"\nformat = "openia"\n',
        4,
        ["'openia'", "openai", "anthropic", "gemini", "responses", "ollama"],
    ),
    (
        "combo-missing-models",
        '[server]\nport = 1\n\n[[combos]]\nname = "stack"\nstrategy = "priority"\n',
        4,
        ["missing", "models"],
    ),
    ("combo-empty-models", '[[combos]]\nname = "stack"\nmodels = []\n', 3, ["models"]),
    (
        "unknown-strategy",
        '[[combos]]\nname = "a"\nmodels = ["x/y"]\n\n[[combos]]\nname = "b"\nmodels = ["x/y"]\nstrategy = "fastest"\n',
        8,
        ["unknown strategy", "'fastest'", "priority"],
    ),
    (
        "duplicate-provider-id",
        '[[providers]]\nid = "openai"\n\n[[providers]]\napi_keys = ["k"]\nid = "openai"\n',
        6,
        ["'openai'", "twice"],
    ),
    (
        "custom-provider-without-base-url",
        '[[providers]]\nid = "openai"\n\n[[providers]]\nid = "mine"\nformat = "openai"\n',
        5,
        ["'mine'", "base_url"],
    ),
    (
        "custom-provider-without-format",
        '[[providers]]\nid = "mine"\nbase_url = "http://h/v1"\n',
        2,
        ["'mine'", "format"],
    ),
    (
        "combo-name-shadows-provider",
        '[[providers]]\nid = "openai"\n[[combos]]\nname = "openai"\nmodels = ["a"]\n',
        4,
        ["'openai'", "already used"],
    ),
    ("server-port-out-of-range", '[server]\nhost = "h"\nport = 70000\n', 3, ["server.port"]),
]


@pytest.mark.parametrize(("text", "line", "words"), [pytest.param(*c[1:], id=c[0]) for c in INVALID])
def test_invalid_config_names_file_line_and_problem(text: str, line: int, words: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "conf/omniroute.toml")
    message = info.value.message
    assert message.startswith(f"conf/omniroute.toml:{line}: "), message
    for word in words:
        assert word in message, (word, message)


def test_config_error_is_one_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(PROVIDERS_TWO, "f.toml")
    assert "\n" not in info.value.message


# build_settings


@pytest.mark.parametrize(
    ("flags", "file_server", "expected"),
    [
        pytest.param({}, "", (DEFAULT_HOST, DEFAULT_PORT), id="defaults"),
        pytest.param({}, 'host = "0.0.0.0"\nport = 8000\n', ("0.0.0.0", 8000), id="file-over-default"),
        pytest.param(
            {"host": "10.0.0.1", "port": 9000},
            'host = "0.0.0.0"\nport = 8000\n',
            ("10.0.0.1", 9000),
            id="flag-over-file",
        ),
        pytest.param({"port": 0}, "port = 8000\n", (DEFAULT_HOST, 0), id="flag-port-zero-wins"),
        pytest.param({}, "port = 0\n", (DEFAULT_HOST, 0), id="file-port-zero-wins"),
        pytest.param({"host": "10.0.0.1"}, "port = 8000\n", ("10.0.0.1", 8000), id="mixed"),
    ],
)
def test_build_settings_host_port_precedence(
    tmp_path: Path, flags: dict[str, object], file_server: str, expected: tuple[str, int]
) -> None:
    config = tmp_path / "omniroute.toml"
    config.write_text("[server]\n" + file_server)
    settings = build_settings(config=str(config), env={}, **flags)  # type: ignore[arg-type]
    assert (settings.host, settings.port) == expected
    assert settings.config_path == config


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        pytest.param(None, {"DATA_DIR": "/srv/omni"}, Path("/srv/omni"), id="env"),
        pytest.param("/flag/dir", {"DATA_DIR": "/srv/omni"}, Path("/flag/dir"), id="flag-over-env"),
        pytest.param(None, {}, Path.home() / ".omniroute", id="default"),
        pytest.param(None, {"DATA_DIR": ""}, Path.home() / ".omniroute", id="empty-env-is-default"),
    ],
)
def test_build_settings_data_dir(flag: str | None, env: dict[str, str], expected: Path) -> None:
    assert build_settings(data_dir=flag, env=env).data_dir == expected


def test_build_settings_without_config_file() -> None:
    settings = build_settings(env={"OMNIROUTE_SECRET_KEY": "abc", "OPENAI_API_KEY": "sk-1"})
    assert settings.config_path is None
    assert settings.file.providers == []
    assert settings.secret_key == "abc"
    assert settings.env_provider_keys == {"openai": ("sk-1",)}


def test_build_settings_reports_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        build_settings(config=str(missing), env={})
    assert info.value.message.startswith(f"{missing}: ")


def test_build_settings_reports_file_line(tmp_path: Path) -> None:
    config = tmp_path / "omniroute.toml"
    config.write_text("[server]\nprot = 1\n")
    with pytest.raises(ConfigError) as info:
        build_settings(config=str(config), env={})
    assert info.value.message.startswith(f"{config}:2: ")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({}, {}, id="none"),
        pytest.param({"OPENAI_API_KEY": "sk-o"}, {"openai": ("sk-o",)}, id="openai"),
        pytest.param({"OPENAI_API_KEY": ""}, {}, id="empty-ignored"),
        pytest.param({"GEMINI_API_KEY": "g1"}, {"gemini": ("g1",)}, id="gemini"),
        pytest.param({"GOOGLE_API_KEY": "g1"}, {"gemini": ("g1",)}, id="google-alias"),
        pytest.param({"GEMINI_API_KEY": "g1", "GOOGLE_API_KEY": "g1"}, {"gemini": ("g1",)}, id="gemini-dedupe"),
        pytest.param({"GEMINI_API_KEY": "g1", "GOOGLE_API_KEY": "g2"}, {"gemini": ("g1", "g2")}, id="gemini-two-keys"),
        pytest.param(
            {"ANTHROPIC_API_KEY": "a", "GROQ_API_KEY": "q", "UNRELATED_API_KEY": "x"},
            {"anthropic": ("a",), "groq": ("q",)},
            id="several",
        ),
    ],
)
def test_provider_keys_from_env(env: dict[str, str], expected: dict[str, tuple[str, ...]]) -> None:
    assert provider_keys_from_env(env) == expected
