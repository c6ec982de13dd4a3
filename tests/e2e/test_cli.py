"""The `omniroute` command itself: flags, and config problems stopping start-up with one clear line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from omniroute_agent import __version__
from tests.conftest import clean_env, omniroute_command


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*omniroute_command(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_version_and_help():
    assert run("--version").stdout.strip() == f"omniroute {__version__}"
    helped = run("--help").stdout
    for flag in ("--mcp", "--host", "--port", "--data-dir", "--config", "--version"):
        assert flag in helped


BAD_CONFIGS = [
    pytest.param('[server]\nport = 1\nbogus = "x"\n', 3, "unknown key 'bogus'", id="unknown-key"),
    pytest.param(
        '[server]\n\n[[providers]]\nid = "x"\nformat = "openia"\nbase_url = "http://h"\n',
        5,
        "unknown format 'openia'",
        id="bad-format",
    ),
    pytest.param("[server\nport = 1\n", 1, "invalid TOML", id="malformed"),
    pytest.param(
        '[[combos]]\nname = "c"\nstrategy = "fastest"\nmodels = ["a/b"]\n',
        3,
        "unknown strategy 'fastest'",
        id="unknown-strategy",
    ),
    pytest.param(
        '[[providers]]\nid = "mine"\napi_keys = ["k"]\n',
        2,
        "needs both 'format' and 'base_url'",
        id="custom-provider-without-url",
    ),
]


@pytest.mark.parametrize(("text", "line", "problem"), BAD_CONFIGS)
def test_a_bad_config_stops_start_up_with_one_line_naming_file_and_line(
    tmp_path: Path, text: str, line: int, problem: str
):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    for mode in ([], ["--mcp"]):
        done = run(*mode, "--port", "0", "--data-dir", str(tmp_path / "data"), "--config", str(config))
        assert done.returncode == 2
        assert done.stdout == ""
        [message] = done.stderr.strip().splitlines()
        assert message.startswith(f"omniroute: error: {config}:{line}: ")
        assert problem in message


def test_a_missing_config_file_is_named(tmp_path: Path):
    done = run("--data-dir", str(tmp_path / "data"), "--config", str(tmp_path / "nope.toml"))
    assert done.returncode == 2
    assert f"{tmp_path / 'nope.toml'}: cannot read config file" in done.stderr


def test_a_busy_port_is_reported(tmp_path: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("--port", str(port), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2
    assert f"cannot bind 127.0.0.1:{port}" in done.stderr
