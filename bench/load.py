"""The load generator: wrk, driven by a generated Lua script that prints its results as JSON.

wrk (Debian/Ubuntu package `wrk`) is a compiled, event-driven generator: at the rates measured
here it is never the bottleneck, unlike a Python client loop. Latency percentiles come from wrk's
own histogram (microseconds). A mixed load picks each request's kind at random in Lua and counts
the answers by status.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARK = "BENCHJSON "

_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  local out = string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,'
    .. '"timeout":%d,"p50":%.1f,"p90":%.1f,"p95":%.1f,"p99":%.1f,"max":%.1f,"mean":%.1f',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean)
  io.write("BENCHJSON " .. out .. extra() .. "}\n")
end
"""

_SINGLE = r"""
local f = assert(io.open(%(body)s, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
%(headers)s
extra = function() return "" end
"""

# Each thread counts what it sent and what came back; done() sums over the threads.
_MIXED = r"""
local threads = {}
setup = function(thread) table.insert(threads, thread) end
local function slurp(path) local f = assert(io.open(path, "rb")); local s = f:read("*a"); f:close(); return s end
local kinds = %(kinds)s
local headers = {}
%(headers)s
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) %% 100000)
  for _, k in ipairs(kinds) do _G["sent_" .. k.name] = 0 end
  ok, bad, other = 0, 0, 0
  bodies = {}
  for i, k in ipairs(kinds) do bodies[i] = slurp(k.file) end
end
request = function()
  local r, acc = math.random(100), 0
  for i, k in ipairs(kinds) do
    acc = acc + k.percent
    if r <= acc then
      _G["sent_" .. k.name] = _G["sent_" .. k.name] + 1
      return wrk.format("POST", k.path, headers, bodies[i])
    end
  end
end
response = function(status, hdrs, body)
  if status == 200 then ok = ok + 1 elseif status >= 400 and status < 500 then bad = bad + 1 else other = other + 1 end
end
extra = function()
  local sums = {ok = 0, bad = 0, other = 0}
  for _, k in ipairs(kinds) do sums["sent_" .. k.name] = 0 end
  for _, t in ipairs(threads) do
    for name, _ in pairs(sums) do sums[name] = sums[name] + (t:get(name) or 0) end
  end
  local parts = {}
  for name, v in pairs(sums) do table.insert(parts, string.format('"%%s":%%d', name, v)) end
  return "," .. table.concat(parts, ",")
end
"""


@dataclass(frozen=True)
class Kind:
    """One kind of request in a mixed load: its share in percent, path and body."""

    name: str
    percent: int
    path: str
    body: bytes


@dataclass
class Result:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    errors: dict[str, int]
    extra: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for these paths


def _headers_lua(headers: dict[str, str], target: str) -> str:
    return "\n".join(f"{target}[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())


def run(
    url: str,
    *,
    body: bytes | None = None,
    kinds: list[Kind] | None = None,
    headers: dict[str, str],
    connections: int,
    seconds: float,
    cpu: int | None,
    threads: int = 1,
) -> Result:
    """Load `url` with POSTs of `body` (or a random mix of `kinds`) for `seconds`."""
    with tempfile.TemporaryDirectory(prefix="omniroute-bench-wrk-") as tmp:
        work = Path(tmp)
        if kinds is None:
            assert body is not None
            (work / "body").write_bytes(body)
            script = _SINGLE % {
                "body": _lua_string(str(work / "body")),
                "headers": _headers_lua(headers, "wrk.headers"),
            }
        else:
            entries = []
            for n, kind in enumerate(kinds):
                (work / f"body{n}").write_bytes(kind.body)
                entries.append(
                    f"{{name={_lua_string(kind.name)}, percent={kind.percent}, "
                    f"path={_lua_string(kind.path)}, file={_lua_string(str(work / f'body{n}'))}}}"
                )
            script = _MIXED % {"kinds": "{" + ", ".join(entries) + "}", "headers": _headers_lua(headers, "headers")}
        (work / "script.lua").write_text(script + _DONE)
        pin = ["taskset", "-c", str(cpu)] if cpu is not None and shutil.which("taskset") else []
        command = [
            *pin,
            "wrk",
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(work / "script.lua"),
            url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(MARK)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    raw = json.loads(line[len(MARK) :])
    duration = raw["duration_us"] / 1e6
    known = {"requests", "duration_us", "bytes", "connect", "read", "write", "status", "timeout"}
    known |= {"p50", "p90", "p95", "p99", "max", "mean"}
    return Result(
        requests=raw["requests"],
        seconds=round(duration, 3),
        rps=round(raw["requests"] / duration, 1) if duration else 0.0,
        p50_ms=raw["p50"] / 1000,
        p90_ms=raw["p90"] / 1000,
        p95_ms=raw["p95"] / 1000,
        p99_ms=raw["p99"] / 1000,
        max_ms=raw["max"] / 1000,
        mean_ms=round(raw["mean"] / 1000, 4),
        errors={k: raw[k] for k in ("connect", "read", "write", "status", "timeout")},
        extra={k: v for k, v in raw.items() if k not in known},
    )
