"""A stand-in for Meta's Graph API: a real HTTP server on loopback, in its own thread.

It accepts ``POST /{version}/{phone_number_id}/messages`` with the right bearer token,
answers the way Graph does, and records every request. Tests program failures, delays
and closed 24-hour windows before the request they should affect.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

TOKEN = "fake-graph-token-0123456789"
VERSION = "v21.0"
PHONE_NUMBER_ID = "106540352242922"


@dataclass(frozen=True)
class GraphRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    # time.monotonic() when the request arrived.
    at: float
    # The HTTP status it was answered with (decided on arrival, before any delay).
    status: int


@dataclass(frozen=True)
class _Failure:
    status: int
    code: int
    title: str
    details: str
    retry_after: float | None
    # Only a message to this user fails (None: any request).
    to: str | None = None


class FakeGraphAPI:
    def __init__(self, access_token: str = TOKEN) -> None:
        self.access_token = access_token
        self._lock = threading.Lock()
        self._requests: list[GraphRequest] = []
        self._failures: deque[_Failure] = deque()
        self._delays: deque[float] = deque()
        self._closed_windows: set[str] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))

    @property
    def url(self) -> str:
        """The base URL, in place of https://graph.facebook.com."""
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def messages_url(self, version: str = VERSION, phone_number_id: str = PHONE_NUMBER_ID) -> str:
        return f"{self.url}/{version}/{phone_number_id}/messages"

    # ----- life cycle -----------------------------------------------------------------

    def start(self) -> FakeGraphAPI:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._socket.close()

    def __enter__(self) -> FakeGraphAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ----- programming ----------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        code: int = 131000,
        count: int = 1,
        *,
        title: str = "Something went wrong",
        details: str = "Message failed to send because of an unknown error.",
        retry_after: float | None = None,
        to: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests with a Graph error (then normally again);
        with ``to``, only requests that send a message to that user count."""
        with self._lock:
            for _ in range(count):
                self._failures.append(_Failure(status, code, title, details, retry_after, to))

    def delay_next(self, seconds: float) -> None:
        """Hold the answer to the next request for ``seconds`` (it is processed at once)."""
        with self._lock:
            self._delays.append(seconds)

    def outside_window_for(self, wa_id: str) -> None:
        """Refuse non-template messages to ``wa_id`` as Graph does after 24 hours."""
        with self._lock:
            self._closed_windows.add(wa_id)

    # ----- what was received ----------------------------------------------------------

    @property
    def requests(self) -> list[GraphRequest]:
        with self._lock:
            return list(self._requests)

    def sent_to(self, wa_id: str) -> list[dict[str, Any]]:
        """The message bodies to ``wa_id`` that Graph accepted, oldest first."""
        return [
            request.body
            for request in self.requests
            if request.status == 200 and request.body.get("to") == wa_id
        ]

    def read_receipts(self) -> list[dict[str, Any]]:
        """Accepted read receipts and typing indicators."""
        return [
            request.body
            for request in self.requests
            if request.status == 200 and request.body.get("status") == "read"
        ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Block until ``predicate()`` holds; for servers in other threads or processes."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout:g} s")
            time.sleep(0.05)

    # ----- the server -----------------------------------------------------------------

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/{version}/{phone_number_id}/messages", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        # Answers still held back by delay_next() for clients that gave up.
        held = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in held:
            task.cancel()
        await asyncio.gather(*held, return_exceptions=True)

    def _next_failure(self, body: dict[str, Any]) -> _Failure | None:
        """The first programmed failure that applies to this request, taken off the queue."""
        for failure in self._failures:
            if failure.to is None or failure.to == body.get("to"):
                self._failures.remove(failure)
                return failure
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            if request.headers.get("Authorization") != f"Bearer {self.access_token}":
                answer = _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
            elif not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
                answer = _error(400, 100, "Invalid parameter")
            elif (failure := self._next_failure(body)) is not None:
                answer = _error(failure.status, failure.code, failure.title, failure.details)
                if failure.retry_after is not None:
                    answer.headers["Retry-After"] = f"{failure.retry_after:g}"
            elif body.get("type") != "template" and body.get("to") in self._closed_windows:
                answer = _error(
                    400,
                    131047,
                    "Re-engagement message",
                    "Message failed to send because more than 24 hours have passed since "
                    "the customer last replied to this number.",
                )
            else:
                answer = _success(body)
            delay = self._delays.popleft() if self._delays else 0.0
            self._requests.append(
                GraphRequest(
                    path=request.path,
                    headers=dict(request.headers),
                    body=body if isinstance(body, dict) else {},
                    at=time.monotonic(),
                    status=answer.status,
                )
            )
        if delay:
            await asyncio.sleep(delay)
        return answer


def _success(body: dict[str, Any]) -> web.Response:
    if body.get("status") == "read":
        return web.json_response({"success": True})
    to = str(body.get("to", ""))
    return web.json_response(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.{secrets.token_hex(16)}"}],
        }
    )


def _error(status: int, code: int, title: str, details: str = "") -> web.Response:
    error: dict[str, Any] = {
        "message": f"(#{code}) {title}",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": f"A{secrets.token_hex(8)}",
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return web.json_response({"error": error}, status=status)
