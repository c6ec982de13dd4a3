"""What the embedded store keeps across restarts, and how it keeps secrets."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import httpx

from tests.conftest import GATEWAY_KEY, GatewayProcess, start_gateway, write_config
from tests.fakes.upstream import FakeUpstream

AUTH = {"authorization": f"Bearer {GATEWAY_KEY}"}
USER = [{"role": "user", "content": "hi"}]
PROVIDER_SECRET = "sk-provider-SECRET-0123456789abcdef"


def rpc(gw: GatewayProcess, method: str, params: dict[str, object]) -> dict[str, object]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    result: dict[str, object] = httpx.post(gw.base_url + "/a2a", headers=AUTH, json=body).json()["result"]
    return result


def send_task(gw: GatewayProcess, text: str) -> dict[str, object]:
    message = {"role": "user", "parts": [{"kind": "text", "text": text}], "messageId": "m-1"}
    return rpc(gw, "message/send", {"message": message})


def db_rows(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "omniroute.db") as db:
        return db.execute(sql).fetchall()


def test_a_restart_keeps_connections_combos_keys_and_tasks(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    data = tmp_path / "data"
    first = start_gateway(data, write_config(tmp_path / "full.toml", upstream))
    gateways.append(first)
    task = send_task(first, "remember me")
    assert (
        httpx.post(first.v1 + "/chat/completions", headers=AUTH, json={"model": "stack", "messages": USER}).status_code
        == 200
    )
    assert first.stop() == 0

    # The same file again changes nothing: no duplicate rows.
    again = start_gateway(data, tmp_path / "full.toml")
    gateways.append(again)
    assert again.stop() == 0
    assert db_rows(data, "SELECT COUNT(*) FROM connections") == [(3,)]
    assert db_rows(data, "SELECT COUNT(*) FROM combos") == [(1,)]

    # Without any config, everything stored before still routes and authenticates.
    bare = start_gateway(data, None)
    gateways.append(bare)
    assert httpx.post(bare.v1 + "/chat/completions", json={"model": "stack", "messages": USER}).status_code == 401
    resp = httpx.post(bare.v1 + "/chat/completions", headers=AUTH, json={"model": "stack", "messages": USER})
    assert resp.status_code == 200
    keys = [r.headers["Authorization"] for r in upstream.requests_to("fake")]
    assert set(keys) == {"Bearer k1", "Bearer k2"}, "both connections survived the restart"
    got = rpc(bare, "tasks/get", {"id": task["id"]})
    assert got["status"]["state"] == "completed"
    assert got["artifacts"] == task["artifacts"]
    assert bare.stop() == 0

    usage = db_rows(
        data,
        "SELECT surface, model, target, status, prompt_tokens, completion_tokens FROM usage ORDER BY seq",
    )
    assert usage == [
        ("a2a", "stack", "fake/gpt-4.1-mini", 200, 27, 8),
        ("v1", "stack", "fake/gpt-4.1-mini", 200, 27, 8),
        ("v1", "stack", "fake/gpt-4.1-mini", 200, 27, 8),
    ], "every request the gateway accepted has its usage row; the refused one never reached the core"


def test_secrets_are_encrypted_and_gateway_keys_hashed_at_rest(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    data = tmp_path / "data"
    extra = f'''
[[providers]]
id = "secretive"
format = "openai"
base_url = "{upstream.url("secretive")}"
api_keys = ["{PROVIDER_SECRET}"]
'''
    gw = start_gateway(data, write_config(tmp_path / "c.toml", upstream, extra=extra))
    gateways.append(gw)
    assert (
        httpx.post(
            gw.v1 + "/chat/completions", headers=AUTH, json={"model": "secretive/m", "messages": USER}
        ).status_code
        == 200
    )
    assert upstream.requests_to("secretive")[0].headers["Authorization"] == f"Bearer {PROVIDER_SECRET}"
    assert gw.stop() == 0
    raw = b"".join(p.read_bytes() for p in data.iterdir() if p.name.startswith("omniroute.db"))
    for secret in (PROVIDER_SECRET, GATEWAY_KEY):
        assert secret.encode() not in raw
    assert db_rows(data, "SELECT secret_enc FROM connections")[0][0].startswith("v1:")  # type: ignore[union-attr]
    assert stat.S_IMODE((data / "secret.key").stat().st_mode) == 0o600
    assert not any(PROVIDER_SECRET in line or GATEWAY_KEY in line for line in gw.stderr), "no secret in the logs"
