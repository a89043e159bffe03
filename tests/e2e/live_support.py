"""What the live-chat tests share: a widget visitor over socket.io and an operator
talking to the console's JSON API."""

from __future__ import annotations

import queue
from typing import Any

import requests

from tests.e2e.servers import wait_until
from tests.e2e.sockets import close, socket_client

__all__ = ["OperatorAPI", "Visitor", "wait_until"]

ANSWER_TIMEOUT = 60.0


class Visitor:
    """A widget visitor: Rasa's socket.io protocol, with what arrives on a queue."""

    def __init__(self, rasa_url: str, origin: str, token: str | None = None) -> None:
        """A new conversation, or the one of ``token`` (a session the server signed)."""
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client = socket_client(rasa_url, origin, self.events)
        self.client.emit("session_request", {"session_id": token})
        name, confirmed = self.events.get(timeout=30)
        assert name == "session_confirm", name
        self.token: str = confirmed
        self.conversation_id: str = self.token.split(".")[0]
        # What the visitor saw, in order: ("Bezoeker" | "Chat", text).
        self.seen: list[tuple[str, str]] = []

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.token})
        self.seen.append(("Bezoeker", text))

    def next_message(self, timeout: float = ANSWER_TIMEOUT) -> dict[str, Any]:
        name, data = self.events.get(timeout=timeout)
        assert name == "bot_uttered", (name, data)
        self.seen.append(("Chat", str(data.get("text", ""))))
        return dict(data)

    def transcript(self) -> str:
        """The conversation as the visitor saw it, as Markdown."""
        return "\n\n".join(f"**{who}:** {text}" for who, text in self.seen) + "\n"

    def close(self) -> None:
        close(self.client)


class OperatorAPI:
    """The console's JSON API with one operator's personal token."""

    def __init__(self, site_url: str, token: str) -> None:
        self.base = f"{site_url}/operator/api"
        self.headers = {"Authorization": f"Bearer {token}"}

    def availability(self, available: bool) -> requests.Response:
        return requests.put(f"{self.base}/me/availability", json={"available": available},
                            headers=self.headers, timeout=30)

    def handoffs(self) -> list[dict[str, Any]]:
        reply = requests.get(f"{self.base}/handoffs", headers=self.headers, timeout=30)
        reply.raise_for_status()
        return list(reply.json()["items"])

    def handoff(self, conversation_id: str) -> dict[str, Any] | None:
        return next((item for item in self.handoffs()
                     if item["conversation_id"] == conversation_id), None)

    def field(self, conversation_id: str, name: str) -> Any:
        """One field of the conversation's hand-off in the queue (None: not listed)."""
        item = self.handoff(conversation_id)
        return None if item is None else item[name]

    def claim(self, conversation_id: str) -> requests.Response:
        return requests.post(f"{self.base}/handoffs/{conversation_id}/claim",
                             headers=self.headers, timeout=60)

    def send(self, conversation_id: str, text: Any) -> requests.Response:
        return requests.post(f"{self.base}/handoffs/{conversation_id}/messages",
                             json={"text": text}, headers=self.headers, timeout=60)

    def release(self, conversation_id: str) -> requests.Response:
        return requests.post(f"{self.base}/handoffs/{conversation_id}/release",
                             headers=self.headers, timeout=60)

    def visitor_texts(self, conversation_id: str) -> list[str]:
        """The visitor's messages as the console's transcript shows them."""
        reply = requests.get(f"{self.base}/conversations/{conversation_id}",
                             headers=self.headers, timeout=30)
        if reply.status_code == 404:
            return []
        reply.raise_for_status()
        return [entry["text"] for entry in reply.json()["entries"] if entry["kind"] == "user"]
