"""A widget's socket.io connection to Rasa, for the tests that talk as a web visitor."""

from __future__ import annotations

import queue
from typing import Any

import socketio


def socket_client(url: str, origin: str, events: queue.Queue[tuple[str, Any]]) -> socketio.Client:
    """A socket.io client from the page ``origin`` that puts what it receives on ``events``.

    Long polling only: python-socketio's client fails on the websocket transport with the
    aiohttp that Rasa 3.6 pins (see ../shared/domain/channels.md); browsers are unaffected.
    """
    client = socketio.Client()
    client.on("session_confirm", lambda data: events.put(("session_confirm", data)))
    client.on("bot_uttered", lambda data: events.put(("bot_uttered", data)))
    client.connect(url, transports=["polling"], socketio_path="/socket.io",
                   headers={"Origin": origin})
    return client


def close(client: socketio.Client) -> None:
    """Leave as a closed browser tab does: the server is told at once, and the test does
    not wait for the long poll in flight, which the server answers only at its next ping
    (up to 25 s later)."""
    client.eio.disconnect(abort=True)
