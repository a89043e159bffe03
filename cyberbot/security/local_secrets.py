"""The secrets the processes share, read from the environment or a private file.

Each secret comes from its variable (``RASA_AUTH_TOKEN``) or from a file named by
``<VARIABLE>_FILE`` (a Docker or Kubernetes secret) that only its owner may read. For
``make run``, missing ones are generated once into the git-ignored ``.env`` (mode 600) and
handed to the processes through their environment, never on a command line.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

RASA_AUTH_TOKEN = "RASA_AUTH_TOKEN"  # Rasa's HTTP API (/conversations, /model, ...)
ACTION_TOKEN = "CYBERBOT_ACTION_TOKEN"  # Rasa -> action server
SESSION_SECRET = "CYBERBOT_SESSION_SECRET"  # signs web session tokens, keys client pseudonyms
REST_TOKEN = "CYBERBOT_REST_TOKEN"  # trusted server-to-server REST clients

LOCAL_SECRETS = (RASA_AUTH_TOKEN, ACTION_TOKEN, SESSION_SECRET, REST_TOKEN)


class SecretError(RuntimeError):
    """A secret is missing or kept where others can read it."""


def read_secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The secret ``name`` from the environment or from the file ``<name>_FILE``."""
    environ = os.environ if environ is None else environ
    value = environ.get(name, "").strip()
    if value:
        return value
    path = environ.get(f"{name}_FILE", "").strip()
    if not path:
        return None
    file = Path(path)
    try:
        mode = file.stat().st_mode
    except OSError as error:
        raise SecretError(f"{name}_FILE: cannot read {path}: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretError(f"{name}_FILE: {path} must be readable by its owner only (chmod 600)")
    return file.read_text(encoding="utf-8").strip() or None


def require_secret(name: str, environ: Mapping[str, str] | None = None) -> str:
    value = read_secret(name, environ)
    if not value:
        raise SecretError(f"{name} (or {name}_FILE) must be set")
    return value


def read_env_file(path: Path) -> dict[str, str]:
    """Simple KEY=VALUE lines; comments and blank lines are ignored."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def ensure_local_secrets(
    env_file: Path, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every local secret: from the environment, else ``env_file``, else newly generated
    and appended to ``env_file``. The file is kept at mode 600."""
    environ = os.environ if environ is None else environ
    stored = read_env_file(env_file)
    found: dict[str, str] = {}
    generated: dict[str, str] = {}
    for name in LOCAL_SECRETS:
        value = read_secret(name, environ) or stored.get(name)
        if not value:
            value = generated[name] = secrets.token_urlsafe(32)
        found[name] = value
    if generated or env_file.exists():
        fd = os.open(env_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            for name, value in generated.items():
                handle.write(f"{name}={value}\n")
        env_file.chmod(0o600)
    return found


def masked(secret: str) -> str:
    """Enough of a secret to tell two apart, never enough to use it."""
    return f"{secret[:4]}…" if len(secret) >= 16 else "…"
