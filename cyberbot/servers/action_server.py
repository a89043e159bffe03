"""``python -m cyberbot.servers.action_server``: the rasa-sdk action server, for Rasa only.

rasa-sdk's own server listens on every interface, answers anyone, lists its actions,
inflates compressed bodies without a limit and echoes request bodies in its errors. This
one runs the same actions (``actions/``) with:

- 127.0.0.1 unless ``--host`` (or CYBERBOT_ACTIONS_HOST) opens it, e.g. in a container;
- the shared secret CYBERBOT_ACTION_TOKEN in the ``X-Cyberbot-Action-Token`` header on
  every route but ``/health`` (Rasa sends it: ``action_endpoint.headers`` in the
  endpoints files). A browser cannot add that header to a cross-site request;
- JSON bodies only, of at most MAX_BODY_BYTES, never compressed;
- errors that name no part of the request.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.security.local_secrets import ACTION_TOKEN, SecretError, require_secret
from cyberbot.servers.idle_connections import keep_idle_connections

logger = logging.getLogger(__name__)

HOST_VARIABLE = "CYBERBOT_ACTIONS_HOST"
DEFAULT_HOST = "127.0.0.1"
TOKEN_HEADER = "X-Cyberbot-Action-Token"
# A tracker as Rasa sends it (the compacting store keeps it to the last turns) fits easily.
MAX_BODY_BYTES = 1_000_000
OPEN_PATHS = frozenset({"/health"})


def _refusal(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def create_app(token: str, package: str = "actions") -> Sanic:
    """rasa-sdk's app for ``package``, closed to everyone but the holder of ``token``."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app(package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    keep_idle_connections(app)  # Rasa's calls may wait for a busy loop
    expected = token.encode()

    @app.on_request
    async def admit(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        presented = (request.headers.get(TOKEN_HEADER) or "").encode()
        if not hmac.compare_digest(presented, expected):
            return _refusal(401, f"A valid {TOKEN_HEADER} header is required.")
        encoding = (request.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            return _refusal(415, "Compressed request bodies are not accepted.")
        if request.method == "POST":
            content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip()
            if content_type.lower() != "application/json":
                return _refusal(415, "The body must be sent as application/json.")
        return None

    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if status >= 500:
            logger.error("Action server request failed: %s", type(exception).__name__,
                         exc_info=exception)
            return _refusal(500, "The action failed; see the action server's log.")
        return _refusal(status, str(getattr(exception, "message", "")) or "Bad request.")

    # Replaces rasa-sdk's handler, which echoes the request body.
    app.error_handler.add(Exception, failed)
    return app


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get(HOST_VARIABLE) or DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        token = require_secret(ACTION_TOKEN)
    except SecretError as error:
        print(f"error: {error}; the action server answers only Rasa", file=sys.stderr)
        return 2
    app = create_app(token, args.actions)
    logger.info("Action server on http://%s:%d", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
