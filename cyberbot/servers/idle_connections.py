"""How long the project's Sanic servers keep a connection that has no request yet.

Sanic closes a connection without a complete request after ``KEEP_ALIVE_TIMEOUT``
(5 s by default), counted from when it was accepted or its last response was sent. Two
clients suffered from that:

- Rasa opens a connection for every action call. Under load (fifty conversations on two
  cores) the action server's busy event loop read the headers later than 5 s; Sanic
  closed the connection under the request ("Cannot write to closing transport"), Rasa
  dropped the action's events, and a form lost its answers.
- nginx keeps idle connections to its upstreams (``keepalive`` in deploy/nginx.conf) for
  60 s and may send a request on one that Sanic is closing.

The servers sit behind nginx or on localhost, so a longer wait costs only an idle socket.
75 s outlasts nginx's 60 s; Rasa gives its own server 120 s.
"""

from __future__ import annotations

from sanic import Sanic

IDLE_CONNECTION_SECONDS = 75


def keep_idle_connections(app: Sanic) -> Sanic:
    """Give ``app`` the project's idle-connection timeout."""
    app.config.KEEP_ALIVE_TIMEOUT = IDLE_CONNECTION_SECONDS
    return app
