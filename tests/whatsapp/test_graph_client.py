"""The Graph client against a real local HTTP server that answers like Graph."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from cyberbot.channels.whatsapp import graph_client
from cyberbot.channels.whatsapp.graph_client import GraphClient, GraphError, SendResult
from tests.leads_support import free_port
from tests.whatsapp.fake_graph import TOKEN, FakeGraphAPI

WA_ID = "31612345678"
TEXT = "Goedemiddag, wat kost een cyberverzekering voor een bakkerij?"


def text_body(to: str = WA_ID, text: str = TEXT) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": text},
    }


def template_body(to: str = WA_ID) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {"name": "offerte_ontvangen", "language": {"code": "nl"}},
    }


@pytest.fixture()
def graph() -> Iterator[FakeGraphAPI]:
    with FakeGraphAPI() as fake:
        yield fake


def client_for(graph: FakeGraphAPI, **options: Any) -> GraphClient:
    options.setdefault("base_delay", 0.01)
    return GraphClient(graph.messages_url(), TOKEN, **options)


@pytest.mark.asyncio
async def test_a_message_is_posted_with_the_token_and_its_id_returned(
    graph: FakeGraphAPI,
) -> None:
    async with client_for(graph) as client:
        result = await client.send(text_body())

    assert result.message_id is not None and result.message_id.startswith("wamid.")
    [request] = graph.requests
    assert request.path == "/v21.0/106540352242922/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.body == text_body()
    assert graph.sent_to(WA_ID) == [text_body()]


@pytest.mark.asyncio
async def test_a_read_receipt_has_no_message_id(graph: FakeGraphAPI) -> None:
    receipt = {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.incoming",
        "typing_indicator": {"type": "text"},
    }
    async with client_for(graph) as client:
        assert await client.send(receipt) == SendResult(message_id=None)
    assert graph.read_receipts() == [receipt]
    assert graph.sent_to(WA_ID) == []


@pytest.mark.asyncio
async def test_a_server_error_is_retried_once_and_then_succeeds(graph: FakeGraphAPI) -> None:
    graph.fail_next(500, code=131000)
    async with client_for(graph) as client:
        result = await client.send(text_body())

    assert result.message_id is not None
    assert [request.status for request in graph.requests] == [500, 200]
    assert graph.sent_to(WA_ID) == [text_body()]


@pytest.mark.asyncio
async def test_retry_after_of_a_429_is_honoured(graph: FakeGraphAPI) -> None:
    graph.fail_next(429, code=130429, title="Rate limit hit", retry_after=0.4)
    async with client_for(graph) as client:
        await client.send(text_body())

    first, second = graph.requests
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.4


@pytest.mark.asyncio
async def test_a_long_retry_after_is_capped(
    graph: FakeGraphAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph_client, "MAX_RETRY_AFTER_SECONDS", 0.1)
    graph.fail_next(503, retry_after=3600)
    async with client_for(graph) as client:
        await asyncio.wait_for(client.send(text_body()), timeout=5)
    assert [request.status for request in graph.requests] == [503, 200]


@pytest.mark.asyncio
async def test_a_rate_limit_code_is_retried_also_with_http_400(graph: FakeGraphAPI) -> None:
    graph.fail_next(
        400, code=131056, title="(Business Account, Consumer Account) pair rate limit hit"
    )
    async with client_for(graph) as client:
        await client.send(text_body())
    assert [request.status for request in graph.requests] == [400, 200]


@pytest.mark.asyncio
async def test_a_bad_request_is_not_retried(graph: FakeGraphAPI) -> None:
    graph.fail_next(
        400,
        code=100,
        title="Invalid parameter",
        details="Param text['body'] must be at most 4096 characters long.",
    )
    async with client_for(graph) as client:
        with pytest.raises(GraphError) as raised:
            await client.send(text_body())

    error = raised.value
    assert (error.status, error.code, error.title) == (400, 100, "Invalid parameter")
    assert error.details == "Param text['body'] must be at most 4096 characters long."
    assert error.trace_id is not None and error.trace_id in str(error)
    assert not error.transient and not error.outside_window
    assert len(graph.requests) == 1


@pytest.mark.asyncio
async def test_a_wrong_token_is_not_retried(graph: FakeGraphAPI) -> None:
    async with GraphClient(graph.messages_url(), "wrong-token", base_delay=0.01) as client:
        with pytest.raises(GraphError) as raised:
            await client.send(text_body())
    assert (raised.value.status, raised.value.code) == (401, 190)
    assert len(graph.requests) == 1


@pytest.mark.asyncio
async def test_a_timeout_is_retried_and_may_duplicate_the_message(graph: FakeGraphAPI) -> None:
    graph.delay_next(1.0)
    async with client_for(graph, timeout_seconds=0.3) as client:
        result = await client.send(text_body())

    assert result.message_id is not None
    # Graph accepted the first request too; its answer came too late. No idempotency key
    # exists, so the user gets the message twice: the documented price of retrying.
    assert len(graph.requests) == 2
    assert graph.sent_to(WA_ID) == [text_body(), text_body()]


@pytest.mark.asyncio
async def test_when_every_attempt_fails_the_last_error_is_raised(graph: FakeGraphAPI) -> None:
    graph.fail_next(
        503,
        code=131016,
        count=3,
        title="Service unavailable",
        details="A service is temporarily unavailable.",
    )
    async with client_for(graph, max_attempts=3) as client:
        with pytest.raises(GraphError) as raised:
            await client.send(text_body())

    error = raised.value
    assert (error.status, error.code, error.title) == (503, 131016, "Service unavailable")
    assert error.details == "A service is temporarily unavailable."
    assert error.transient
    assert len(graph.requests) == 3
    assert graph.sent_to(WA_ID) == []


@pytest.mark.asyncio
async def test_no_server_gives_an_error_without_status_after_every_attempt() -> None:
    url = f"http://127.0.0.1:{free_port()}/v21.0/1/messages"
    async with GraphClient(url, TOKEN, max_attempts=2, base_delay=0.01) as client:
        with pytest.raises(GraphError) as raised:
            await client.send(text_body())
    assert (raised.value.status, raised.value.code) == (None, None)
    assert raised.value.title == "connection failed"


@pytest.mark.asyncio
async def test_outside_the_window_only_templates_go_out(graph: FakeGraphAPI) -> None:
    graph.outside_window_for(WA_ID)
    async with client_for(graph) as client:
        with pytest.raises(GraphError) as raised:
            await client.send(text_body())
        await client.send(template_body())
        await client.send(text_body(to="32470123456"))

    assert raised.value.outside_window
    assert (raised.value.status, raised.value.code) == (400, 131047)
    assert raised.value.title == "Re-engagement message"
    assert [request.status for request in graph.requests] == [400, 200, 200]
    assert graph.sent_to(WA_ID) == [template_body()]


def test_outside_window_codes() -> None:
    assert GraphError(400, 131047, "Re-engagement message", "").outside_window
    assert GraphError(400, 470, "Message failed to send", "").outside_window
    assert not GraphError(400, 131026, "Message undeliverable", "").outside_window
    assert GraphError(400, 80007, "Rate limit issues", "").rate_limited
    assert GraphError(None, None, "timeout", "TimeoutError").transient


@pytest.mark.asyncio
async def test_token_number_and_text_never_reach_the_logs(
    graph: FakeGraphAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with client_for(graph, timeout_seconds=0.3) as client:
        graph.delay_next(1.0)
        await client.send(text_body())
        graph.fail_next(500, code=1, title="An unknown error occurred")
        graph.fail_next(429, code=130429, title="Rate limit hit", retry_after=0.01)
        await client.send(text_body())
        graph.fail_next(400, code=100, title="Invalid parameter")
        with pytest.raises(GraphError) as raised:
            await client.send(text_body())

    assert [request.status for request in graph.requests] == [200, 200, 500, 429, 200, 400]
    assert caplog.records, "the retries were logged"
    shown = caplog.text + str(raised.value) + repr(raised.value) + repr(client)
    for secret in (TOKEN, WA_ID, TEXT):
        assert secret not in shown


def test_the_session_is_opened_in_the_loop_that_sends(graph: FakeGraphAPI) -> None:
    client = client_for(graph)  # no event loop is running here

    async def send_and_close() -> SendResult:
        try:
            return await client.send(text_body())
        finally:
            await client.close()

    assert asyncio.run(send_and_close()).message_id is not None


@pytest.mark.asyncio
async def test_a_session_passed_in_is_left_open(graph: FakeGraphAPI) -> None:
    async with aiohttp.ClientSession() as session:
        async with client_for(graph, session=session) as client:
            await client.send(text_body())
        assert not session.closed


# ----- the retry schedule, without sleeping: graph_client._sleep records the waits ---------


@pytest.fixture()
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(graph_client, "_sleep", record)
    return recorded


def test_max_attempts_must_be_at_least_one() -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        GraphClient("http://127.0.0.1:9/v21.0/1/messages", TOKEN, max_attempts=0)


@pytest.mark.asyncio
async def test_retry_after_is_the_wait_and_a_long_one_is_capped(
    graph: FakeGraphAPI, waits: list[float]
) -> None:
    graph.fail_next(429, code=130429, title="Rate limit hit", retry_after=7)
    graph.fail_next(503, retry_after=3600)
    async with client_for(graph, base_delay=1.0) as client:
        result = await client.send(text_body())

    assert result.message_id is not None
    assert waits == [7.0, graph_client.MAX_RETRY_AFTER_SECONDS]
    assert graph_client.MAX_RETRY_AFTER_SECONDS == 20.0
    assert [request.status for request in graph.requests] == [429, 503, 200]


@pytest.mark.asyncio
async def test_without_retry_after_the_wait_doubles_with_jitter_up_to_a_cap(
    graph: FakeGraphAPI, waits: list[float]
) -> None:
    graph.fail_next(500, count=4)
    async with client_for(graph, base_delay=2.0, max_attempts=5) as client:
        await client.send(text_body())

    assert len(waits) == 4
    jitter = 1 + graph_client.BACKOFF_JITTER
    for wait, base in zip(waits[:3], (2.0, 4.0, 8.0), strict=True):
        assert base <= wait <= min(base * jitter, graph_client.MAX_BACKOFF_SECONDS)
    assert waits[3] == graph_client.MAX_BACKOFF_SECONDS  # 16 s and more, capped at 10 s


@pytest.mark.asyncio
async def test_a_non_transient_error_is_raised_at_once_without_waiting(
    graph: FakeGraphAPI, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=graph_client.__name__)
    graph.fail_next(403, code=10, title="Permission denied", retry_after=1)
    async with client_for(graph) as client:
        with pytest.raises(GraphError) as raised:
            await client.send(text_body())

    assert type(raised.value) is GraphError
    assert (raised.value.status, raised.value.code) == (403, 10)
    assert waits == []
    assert len(graph.requests) == 1
    assert caplog.records == []


@pytest.mark.asyncio
async def test_after_the_last_attempt_its_own_error_is_raised_without_a_further_wait(
    graph: FakeGraphAPI, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=graph_client.__name__)
    graph.fail_next(500, code=1, title="An unknown error occurred", retry_after=3)
    graph.fail_next(503, code=131016, title="Service unavailable", retry_after=4)
    graph.fail_next(429, code=130429, title="Rate limit hit", retry_after=5)
    async with client_for(graph, max_attempts=3) as client:
        with pytest.raises(GraphError) as raised:
            await client.send(text_body())

    # The GraphError of the third attempt itself: not tenacity's RetryError, not the first.
    assert type(raised.value) is GraphError
    assert (raised.value.status, raised.value.code) == (429, 130429)
    assert raised.value.title == "Rate limit hit"
    assert waits == [3.0, 4.0]
    assert len(graph.requests) == 3
    first, second = (record.getMessage() for record in caplog.records)
    assert re.fullmatch(
        r"WhatsApp send attempt 1 of 3 failed \(HTTP 500, code 1: An unknown error occurred"
        r" \(fbtrace_id \w+\)\); next attempt in 3\.0 s",
        first,
    )
    assert re.fullmatch(
        r"WhatsApp send attempt 2 of 3 failed \(HTTP 503, code 131016: Service unavailable"
        r" \(fbtrace_id \w+\)\); next attempt in 4\.0 s",
        second,
    )


@pytest.mark.asyncio
async def test_one_attempt_means_no_retry(graph: FakeGraphAPI, waits: list[float]) -> None:
    graph.fail_next(500)
    async with client_for(graph, max_attempts=1) as client:
        with pytest.raises(GraphError) as raised:
            await client.send(text_body())
    assert raised.value.status == 500
    assert waits == []
    assert len(graph.requests) == 1
