"""Shared secrets: from the environment or a private file, generated once for make run."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cyberbot.security.local_secrets import (
    LOCAL_SECRETS,
    SecretError,
    ensure_local_secrets,
    masked,
    read_env_file,
    read_secret,
    require_secret,
)


def test_a_secret_comes_from_the_environment_or_a_private_file(tmp_path: Path) -> None:
    assert read_secret("X_TOKEN", {"X_TOKEN": " value "}) == "value"
    file = tmp_path / "token"
    file.write_text("from-file\n")
    file.chmod(0o600)
    assert read_secret("X_TOKEN", {"X_TOKEN_FILE": str(file)}) == "from-file"
    assert read_secret("X_TOKEN", {}) is None


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "token"
    file.write_text("from-file\n")
    file.chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        read_secret("X_TOKEN", {"X_TOKEN_FILE": str(file)})
    with pytest.raises(SecretError, match="must be set"):
        require_secret("X_TOKEN", {})


def test_missing_secrets_are_generated_once_into_a_private_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# mine\nOTHER=1\n")
    env_file.chmod(0o644)
    first = ensure_local_secrets(env_file, {"RASA_AUTH_TOKEN": "from-env"})
    assert first["RASA_AUTH_TOKEN"] == "from-env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    stored = read_env_file(env_file)
    assert "RASA_AUTH_TOKEN" not in stored and stored["OTHER"] == "1"
    assert all(len(first[name]) >= 40 for name in LOCAL_SECRETS if name != "RASA_AUTH_TOKEN")
    assert ensure_local_secrets(env_file, {"RASA_AUTH_TOKEN": "from-env"}) == first


def test_env_file_parsing_ignores_comments_and_blank_lines(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\n\nA = 1\nB=two=2\nnot a pair\n")
    assert read_env_file(env_file) == {"A": "1", "B": "two=2"}
    assert read_env_file(tmp_path / "missing") == {}


def test_a_masked_secret_shows_too_little_to_use() -> None:
    assert masked("abcdefghijklmnopqrstuvwxyz") == "abcd…"
    assert masked("short") == "…"
