"""``python -m cyberbot.servers.rasa_server``: ``rasa run`` with the project's safe defaults.

- Binds 127.0.0.1 unless ``--host`` (or CYBERBOT_RASA_HOST) says otherwise, for a reverse
  proxy in front of it.
- The HTTP API is on only with a token, read from RASA_AUTH_TOKEN or the 0600 file named
  by RASA_AUTH_TOKEN_FILE. It is handed to Rasa inside this process, so it never shows
  on a command line (``ps``) and is never printed.
- CORS allows only the origins of security.yml, not every website.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import MutableMapping

from cyberbot.security.local_secrets import RASA_AUTH_TOKEN, SecretError, require_secret
from cyberbot.security.settings import settings

HOST_VARIABLE = "CYBERBOT_RASA_HOST"
DEFAULT_HOST = "127.0.0.1"
# Set unless the environment says otherwise. Nothing about the conversations leaves the
# machine. The sentence encoder and the label model run on one thread: a second one
# halves a quiet server's encoding time, but under load it only adds the hand-offs and
# the spinning of idle OpenMP and OpenBLAS threads (8 to 12 ms of CPU per message
# measured). OpenMP reads its setting once, when the first library that uses it loads
# (scikit-learn, imported with Rasa), so it is set before Rasa is imported.
SERVER_ENVIRONMENT = {"RASA_TELEMETRY_ENABLED": "false", "OMP_NUM_THREADS": "1"}


def rasa_arguments(args: argparse.Namespace, token: str, origins: tuple[str, ...]) -> list[str]:
    """The arguments of ``rasa run`` (they stay inside this process)."""
    return [
        "run",
        "--model", args.model,
        "--endpoints", args.endpoints,
        "--credentials", args.credentials,
        "--interface", args.host,
        "--port", str(args.port),
        # One argument: a random token may begin with "-", which argparse would
        # otherwise read as an option ("expected one argument", exit code 2).
        "--enable-api", f"--auth-token={token}",
        "--cors", *origins,
    ]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models")
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--credentials", default="credentials.yml")
    parser.add_argument("--host", default=os.environ.get(HOST_VARIABLE) or DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=5005)
    return parser.parse_args(argv)


def prepare_environment(environ: MutableMapping[str, str] = os.environ) -> None:
    """SERVER_ENVIRONMENT where ``environ`` does not set it; before Rasa is imported."""
    for name, value in SERVER_ENVIRONMENT.items():
        environ.setdefault(name, value)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    try:
        token = require_secret(RASA_AUTH_TOKEN)
    except SecretError as error:
        print(f"error: {error}; the HTTP API is never opened without a token", file=sys.stderr)
        return 2
    prepare_environment()
    from rasa.__main__ import main as rasa_main  # slow to import: after the checks

    from cyberbot.rasa_compat import install

    install()  # the project's patches of Rasa internals (cyberbot/rasa_compat)

    sys.argv = ["rasa", *rasa_arguments(args, token, settings().allowed_origins)]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
