"""Sending messages to the WhatsApp Business Cloud API (Meta's Graph API).

A send is retried (with tenacity) on what is likely to pass: HTTP 429 and 5xx answers,
Graph's rate-limit error codes (which Graph often answers with HTTP 400), connection errors
and timeouts. Waits grow exponentially with jitter; a Retry-After header is honoured up to
a cap. Any other error (a bad request, a wrong token, the 24-hour window) is raised at once.

Duplicates: Graph has no idempotency key. When a request times out, or its answer is
lost, after Meta accepted the message, the retry sends the message a second time and the
user sees it twice. That is the price of not losing replies; keep ``timeout_seconds``
well above Graph's usual answer time so that it stays rare.

Nothing here logs the access token, a recipient's number or a message's text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

logger = logging.getLogger(__name__)

# Free-form message outside the 24-hour customer service window: 131047 on the Cloud API
# ("Re-engagement message"), 470 on the older On-Premises API.
OUTSIDE_WINDOW_CODES = frozenset({131047, 470})
# 4: application request limit, 80007: WhatsApp Business Account rate limit,
# 130429: Cloud API throughput, 131056: too many messages to one recipient.
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131056})
BACKOFF_JITTER = 0.25
MAX_BACKOFF_SECONDS = 10.0
# A longer Retry-After is shortened to this: the user is waiting for the reply.
MAX_RETRY_AFTER_SECONDS = 20.0

_TITLE_PREFIX = re.compile(r"^\(#\d+\)\s*")

# The wait between attempts; looked up at every retry so that tests can replace it.
_sleep = asyncio.sleep


@dataclass(frozen=True)
class SendResult:
    # The "wamid..." of the message; None for calls that return none (read receipts).
    message_id: str | None


class GraphError(Exception):
    """A send that failed for good: Graph's answer, or ``status`` None for no answer.

    ``str()`` holds the status, code, title and trace id, but not ``details``: Meta's
    details may quote parameter values, i.e. message text.
    """

    def __init__(
        self,
        status: int | None,
        code: int | None,
        title: str,
        details: str,
        *,
        subcode: int | None = None,
        trace_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.title = title
        self.details = details
        self.subcode = subcode
        self.trace_id = trace_id
        self.retry_after = retry_after
        super().__init__(self._summary())

    @property
    def outside_window(self) -> bool:
        """The user's last message is more than 24 hours ago: only a template may go out."""
        return self.code in OUTSIDE_WINDOW_CODES

    @property
    def rate_limited(self) -> bool:
        return self.status == 429 or self.code in RATE_LIMIT_CODES

    @property
    def transient(self) -> bool:
        """Whether the same request may succeed later."""
        return self.status is None or self.status >= 500 or self.rate_limited

    def _summary(self) -> str:
        status = "no answer" if self.status is None else f"HTTP {self.status}"
        code = "" if self.code is None else f", code {self.code}"
        trace = "" if self.trace_id is None else f" (fbtrace_id {self.trace_id})"
        return f"{status}{code}: {self.title}{trace}"


class GraphClient:
    """Posts message bodies to ``messages_url`` ({graph}/{version}/{phone-number-id}/messages).

    The HTTP session is opened on the first send, inside the running event loop (Rasa's),
    and closed by ``close()`` or by leaving ``async with``. A session passed in belongs to
    the caller and is left open.
    """

    def __init__(
        self,
        messages_url: str,
        access_token: str,
        *,
        timeout_seconds: float = 10,
        max_attempts: int = 4,
        base_delay: float = 0.5,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.messages_url = messages_url
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, body: dict[str, Any]) -> SendResult:
        """Post one message body; raises GraphError once no (further) attempt can succeed."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(_is_transient),
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            before_sleep=self._log_retry,
            sleep=_sleep,
            # The last GraphError itself, not tenacity's RetryError.
            reraise=True,
        )
        return await retrying(self._post, body)

    async def _post(self, body: dict[str, Any]) -> SendResult:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                self.messages_url, json=body, headers=self._headers, timeout=self._timeout
            ) as response:
                raw = await response.read()
                status = response.status
                retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        except asyncio.TimeoutError as error:
            raise GraphError(None, None, "timeout", type(error).__name__) from None
        except aiohttp.ClientError as error:
            raise GraphError(None, None, "connection failed", type(error).__name__) from None
        answer = _json_object(raw)
        if 200 <= status < 300:
            return SendResult(_message_id(answer))
        raise _graph_error(status, answer, retry_after)

    def _wait(self, state: RetryCallState) -> float:
        """Graph's Retry-After (capped), else exponential backoff with jitter."""
        error = state.outcome.exception() if state.outcome is not None else None
        retry_after = error.retry_after if isinstance(error, GraphError) else None
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER_SECONDS)
        attempt = state.attempt_number
        delay = self.base_delay * 2 ** (attempt - 1) * (1 + random.uniform(0, BACKOFF_JITTER))
        return min(delay, MAX_BACKOFF_SECONDS)

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        logger.warning(
            "WhatsApp send attempt %d of %d failed (%s); next attempt in %.1f s",
            state.attempt_number,
            self.max_attempts,
            error,
            state.upcoming_sleep,
        )


def _is_transient(error: BaseException) -> bool:
    return isinstance(error, GraphError) and error.transient


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _message_id(answer: dict[str, Any]) -> str | None:
    messages = answer.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        message_id = messages[0].get("id")
        return message_id if isinstance(message_id, str) else None
    return None


def _graph_error(status: int, answer: dict[str, Any], retry_after: float | None) -> GraphError:
    """Graph's {"error": {"message", "type", "code", "error_subcode", "error_data":
    {"details"}, "fbtrace_id"}}; a body of another shape (a proxy's page) gives the status."""
    error = answer.get("error")
    error = error if isinstance(error, dict) else {}
    message = error.get("message")
    title = _TITLE_PREFIX.sub("", message) if isinstance(message, str) else ""
    error_data = error.get("error_data")
    details = error_data.get("details") if isinstance(error_data, dict) else None
    trace_id = error.get("fbtrace_id")
    return GraphError(
        status,
        _int_or_none(error.get("code")),
        title or f"HTTP {status}",
        details if isinstance(details, str) else "",
        subcode=_int_or_none(error.get("error_subcode")),
        trace_id=trace_id if isinstance(trace_id, str) else None,
        retry_after=retry_after,
    )


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max((moment - datetime.now(timezone.utc)).total_seconds(), 0.0)
