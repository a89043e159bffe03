"""A real HTTP webhook receiver on loopback, standing in for the advisors' CRM."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cyberbot.leads.delivery import verify_signature


@dataclass(frozen=True)
class Received:
    delivery_id: str
    signature_valid: bool
    payload: dict[str, Any]
    accepted: bool


class WebhookReceiver:
    """Records every POST; answers 503 while ``up`` is False. Deduplicates like a
    careful receiver would, on the X-Cyberbot-Delivery id."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.up = True
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                valid = verify_signature(
                    receiver.secret,
                    self.headers.get("X-Cyberbot-Timestamp", ""),
                    body,
                    self.headers.get("X-Cyberbot-Signature", ""),
                )
                with receiver._lock:
                    accepted = receiver.up and valid
                    receiver.requests.append(
                        Received(
                            self.headers.get("X-Cyberbot-Delivery", ""),
                            valid,
                            json.loads(body or b"{}"),
                            accepted,
                        )
                    )
                self.send_response(200 if accepted else (401 if not valid else 503))
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the requests hold personal data: keep them out of the test log

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/leads"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def accepted_for(self, reference: str) -> list[Received]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.accepted and r.payload.get("lead", {}).get("reference") == reference
            ]

    def attempts_for(self, reference: str) -> list[Received]:
        with self._lock:
            return [
                r for r in self.requests if r.payload.get("lead", {}).get("reference") == reference
            ]

    def wait_for(self, reference: str, timeout: float = 60.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            accepted = self.accepted_for(reference)
            if accepted:
                return accepted
            time.sleep(0.2)
        raise TimeoutError(f"no accepted delivery of {reference} within {timeout:.0f} s")
