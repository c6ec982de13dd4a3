"""Runs mypy --strict over the package as it is installed: tools/, skills/ and proxy/ appear as
omniroute_agent.tools, .skills and .proxy (the wheel's package-dir mapping), through a staging tree
of links, so that imports resolve exactly as they do at run time."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPED = {"tools": "tools", "skills": "skills", "proxy": "proxy"}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="omniroute-typecheck-") as tmp:
        package = Path(tmp) / "omniroute_agent"
        package.mkdir()
        for entry in (ROOT / "omniroute_agent").iterdir():
            if entry.name != "__pycache__":
                (package / entry.name).symlink_to(entry)
        for name, source in MAPPED.items():
            (package / name).symlink_to(ROOT / source)
        cmd = [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "-p",
            "omniroute_agent",
        ]
        return subprocess.run(cmd, cwd=tmp, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
