"""The machines' checks run with the suite: ruff (lint) and mypy --strict (types)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECKS = [
    pytest.param([sys.executable, "-m", "ruff", "check", "."], id="ruff"),
    pytest.param([sys.executable, "-m", "ruff", "format", "--check", "."], id="ruff-format"),
    pytest.param([sys.executable, str(ROOT / "scripts" / "typecheck.py")], id="mypy-strict"),
]


@pytest.mark.parametrize("command", CHECKS)
def test_clean(command: list[str]):
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
