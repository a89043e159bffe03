"""scripts/find-python.sh finds Python 3.10 or explains what to install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "find-python.sh"


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True)


def test_python_variable_pointing_at_310_is_used() -> None:
    result = run({**os.environ, "PYTHON": sys.executable})
    assert result.returncode == 0
    assert Path(result.stdout.strip()).exists()


def test_python_variable_pointing_elsewhere_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    result = run({**os.environ, "PYTHON": str(fake)})
    assert result.returncode == 1
    assert "not a Python 3.10" in result.stderr


def test_clear_message_when_nothing_is_found(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path)}
    if Path("/usr/bin/python3.10").exists():
        pytest.skip("this machine has a system python3.10 on PATH")
    result = run(env)
    assert result.returncode == 1
    assert "Python 3.10 not found" in result.stderr
    assert "pyenv install 3.10" in result.stderr
