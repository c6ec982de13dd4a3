"""CPU time and memory of a process and its children, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """`pid` and every descendant (workers of a `--workers N` gateway)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the whole tree, in seconds."""
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def _status_kb_one(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _status_kb(pid: int, key: str) -> int:
    return sum(_status_kb_one(p, key) for p in tree(pid))


def rss_mb(pid: int) -> float:
    return round(_status_kb(pid, "VmRSS:") / 1024, 1)


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of resident memory (VmHWM), summed over the tree."""
    return round(_status_kb(pid, "VmHWM:") / 1024, 1)


def rss_by_process_mb(pid: int) -> dict[int, float]:
    """Resident memory of each process of the tree (the supervisor and each worker)."""
    return {p: round(_status_kb_one(p, "VmRSS:") / 1024, 1) for p in tree(pid)}
