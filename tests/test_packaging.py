"""The wheel ships tools/, skills/ and proxy/ inside the omniroute_agent namespace, with agent.json,
and nothing else at the top of site-packages."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_layout(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("omniroute_agent-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        card = archive.read("omniroute_agent/agent.json")
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"omniroute_agent"}
    for module in ("tools/route.py", "skills/smart_routing.py", "proxy/chat.py", "py.typed"):
        assert f"omniroute_agent/{module}" in names
    assert card == (ROOT / "agent.json").read_bytes()
    assert "omniroute = omniroute_agent.cli:main" in entry_points
