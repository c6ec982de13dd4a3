"""Shared fixtures: the fake upstream (one per session, reset per test) and real gateway processes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.upstream import FakeUpstream

LISTENING = re.compile(r"listening on (http://\S+)")
GATEWAY_KEY = "sk-local-1"


def omniroute_command() -> list[str]:
    """The installed `omniroute` script beside this interpreter (what a user runs), else `-m`."""
    script = Path(sys.executable).with_name("omniroute")
    return [str(script)] if script.exists() else [sys.executable, "-m", "omniroute_agent"]


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without provider keys or a data dir, so nothing leaks in from the host."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k not in ("DATA_DIR",)}
    env.update(extra)
    return env


@dataclass
class GatewayProcess:
    data_dir: Path
    config: Path | None
    proc: subprocess.Popen[str]
    base_url: str = ""
    stderr: list[str] = field(default_factory=list)
    pump: threading.Thread | None = None

    @property
    def v1(self) -> str:
        return self.base_url + "/v1"

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.pump is not None:
            self.pump.join(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return self.proc.returncode


def start_gateway(
    data_dir: Path, config: Path | None, *, env: dict[str, str] | None = None, timeout: float = 30.0
) -> GatewayProcess:
    args = [*omniroute_command(), "--port", "0", "--data-dir", str(data_dir)]
    if config is not None:
        args += ["--config", str(config)]
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env or clean_env(),
    )
    gw = GatewayProcess(data_dir, config, proc)
    ready = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            gw.stderr.append(line)
            m = LISTENING.search(line)
            if m and not ready.is_set():
                gw.base_url = m.group(1)
                ready.set()
        ready.set()

    gw.pump = threading.Thread(target=pump, daemon=True)
    gw.pump.start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("gateway did not start:\n" + "".join(gw.stderr))
    if not gw.base_url:
        gw.stop()
        raise RuntimeError(f"gateway exited with {proc.returncode}:\n" + "".join(gw.stderr))
    return gw


def write_config(path: Path, upstream: FakeUpstream, *, api_keys: bool = True, extra: str = "") -> Path:
    keys = f'api_keys = ["{GATEWAY_KEY}"]\n' if api_keys else ""
    path.write_text(f"""
[server]
{keys}default_model = "stack"

[[providers]]
id = "fake"
format = "openai"
base_url = "{upstream.url("fake")}"
api_keys = ["k1", "k2"]
models = ["gpt-4.1-mini"]

[[providers]]
id = "backup"
format = "openai"
base_url = "{upstream.url("backup")}"
api_keys = ["b1"]
models = ["gpt-4.1-nano"]

[[combos]]
name = "stack"
strategy = "priority"
models = ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"]
{extra}
""")
    return path


# One provider per wire format, each named up-<format>, with the model a client names as up-<format>/<model>.
FORMAT_MODELS = {
    "openai": "gpt-4.1-mini",
    "anthropic": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-flash",
    "responses": "gpt-4.1",
    "ollama": "llama3.3",
}


def write_format_config(path: Path, upstream: FakeUpstream, *, server_extra: str = "") -> Path:
    """A config with gateway key GATEWAY_KEY and one fake provider of each wire format."""
    providers = "".join(
        f'\n[[providers]]\nid = "up-{fmt}"\nformat = "{fmt}"\nbase_url = "{upstream.url(f"up-{fmt}", fmt)}"\n'
        f'api_keys = ["key-{fmt}"]\nmodels = ["{model}"]\n'
        for fmt, model in FORMAT_MODELS.items()
    )
    path.write_text(f'[server]\napi_keys = ["{GATEWAY_KEY}"]\n{server_extra}\n{providers}')
    return path


def a2a_call(gw: GatewayProcess, method: str, params: Any, *, rpc_id: Any = 1, key: str = GATEWAY_KEY) -> Any:
    """One JSON-RPC call to /a2a (0.3 unless the method is a 1.0 one sent with its header elsewhere);
    the whole response body."""
    import httpx

    body = {"jsonrpc": "2.0", "id": rpc_id, "method": method, "params": params}
    return httpx.post(gw.base_url + "/a2a", headers={"authorization": f"Bearer {key}"}, json=body, timeout=30).json()


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[FakeUpstream]:
    fake = FakeUpstream().start()
    yield fake
    fake.stop()


@pytest.fixture
def upstream(upstream_server: FakeUpstream) -> Iterator[FakeUpstream]:
    upstream_server.reset()
    yield upstream_server
    upstream_server.reset()


@pytest.fixture
def gateways() -> Iterator[list[GatewayProcess]]:
    """Every gateway a test starts is appended here and stopped at teardown."""
    started: list[GatewayProcess] = []
    yield started
    for gw in started:
        gw.stop()


@pytest.fixture
def gateway(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]) -> GatewayProcess:
    """A gateway with the standard config: providers fake (keys k1, k2) and backup (b1), combo 'stack'."""
    gw = start_gateway(tmp_path / "data", write_config(tmp_path / "omniroute.toml", upstream))
    gateways.append(gw)
    return gw


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
