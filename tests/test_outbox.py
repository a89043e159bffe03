"""The outbox hands every lead over once, against real local webhook and SMTP servers."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from cyberbot.db.engine import create_database_engine
from cyberbot.leads import outbox as outbox_module
from cyberbot.leads.advisor_email import format_euro, format_number
from cyberbot.leads.delivery import sign, verify_signature
from cyberbot.leads.handoff_config import (
    EmailConfig,
    HandoffConfig,
    HandoffConfigError,
    WebhookConfig,
    load_handoff_config,
)
from cyberbot.leads.models import outbox
from cyberbot.leads.outbox import (
    BACKOFF_MAX_SECONDS,
    DeliveryReport,
    backoff_seconds,
    deliver_due,
    retry_failed,
    run_worker,
    status_counts,
)
from cyberbot.leads.store import list_leads, submit_lead
from tests.leads_support import SECRET, free_port, make_draft, queue_lead, webhook_receiver

HOUR = timedelta(hours=1)
PERSONAL_DATA = ("Jan de Vries", "jan@pixelwerk.nl", "+31612345678")


@pytest.fixture()
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    yield engine
    engine.dispose()


def outbox_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(outbox).order_by(outbox.c.created_at)).mappings()
        return [dict(row) for row in rows]


def later(hours: int) -> datetime:
    return datetime.now(timezone.utc) + hours * HOUR


# --- webhook ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_round_dispatches_what_the_action_server_stored_and_delivers_it(
    engine: Engine,
) -> None:
    with webhook_receiver() as receiver:
        stored = submit_lead(engine, make_draft())
        assert outbox_rows(engine) == []
        assert await deliver_due(engine, receiver.config()) == DeliveryReport(delivered=1)
        [request] = receiver.requests
    lead = json.loads(request.body)["lead"]
    assert lead["reference"] == stored.reference
    assert "dispatched_at" not in lead  # the worker's bookkeeping is not the lead's


@pytest.mark.asyncio
async def test_receiver_down_then_up_gets_the_lead_exactly_once(engine: Engine) -> None:
    with webhook_receiver(listening=False) as receiver:
        config = receiver.config()
        queue_lead(engine, make_draft(), config.destinations)

        assert await deliver_due(engine, config) == DeliveryReport(retried=1)
        [row] = outbox_rows(engine)
        assert (row["status"], row["attempts"], row["last_error"]) == (
            "pending",
            1,
            "connection refused",
        )
        assert row["next_attempt_at"] > datetime.now(timezone.utc) + timedelta(seconds=4)
        # Not due yet: the back-off is respected.
        assert await deliver_due(engine, config) == DeliveryReport()

        receiver.up()
        receiver.mode = "503"
        assert await deliver_due(engine, config, now=later(1)) == DeliveryReport(retried=1)
        assert outbox_rows(engine)[0]["last_error"] == "HTTP 503"

        receiver.mode = "up"
        assert await deliver_due(engine, config, now=later(2)) == DeliveryReport(delivered=1)
        assert await deliver_due(engine, config, now=later(3)) == DeliveryReport()

    [row] = outbox_rows(engine)
    assert row["status"] == "delivered" and row["attempts"] == 3
    assert row["last_error"] is None and row["delivered_at"] is not None
    assert receiver.processed == {row["id"]: 1}
    assert receiver.attempts(row["id"]) == 2  # the 503 and the successful one
    assert list_leads(engine)[0]["delivery"] == "delivered"


@pytest.mark.asyncio
async def test_slow_receiver_is_retried_and_processes_the_lead_once(engine: Engine) -> None:
    with webhook_receiver() as receiver:
        config = receiver.config(timeout=0.3)
        queue_lead(engine, make_draft(), config.destinations)
        receiver.mode, receiver.slow_seconds = "slow", 1.0

        assert await deliver_due(engine, config) == DeliveryReport(retried=1)
        assert outbox_rows(engine)[0]["last_error"] == "timeout"

        receiver.mode = "up"
        assert await deliver_due(engine, config, now=later(1)) == DeliveryReport(delivered=1)
        assert await deliver_due(engine, config, now=later(2)) == DeliveryReport()

    [row] = outbox_rows(engine)
    assert receiver.attempts(row["id"]) == 2
    assert receiver.processed == {row["id"]: 1}  # the retry carried the same delivery id
    assert row["status"] == "delivered" and row["attempts"] == 2


@pytest.mark.asyncio
async def test_requests_are_signed_and_tampering_is_detected(engine: Engine) -> None:
    with webhook_receiver() as receiver:
        config = receiver.config()
        stored = queue_lead(engine, make_draft(), config.destinations)
        await deliver_due(engine, config)
    [request] = receiver.requests
    assert receiver.bad_signatures == 0
    assert request.signature.startswith("sha256=") and len(request.signature) == 7 + 64
    assert verify_signature(SECRET, request.timestamp, request.body, request.signature)
    assert request.signature == sign(SECRET, request.timestamp, request.body)

    tampered = request.body.replace(b"Jan de Vries", b"Jan de Boer")
    assert tampered != request.body
    assert not verify_signature(SECRET, request.timestamp, tampered, request.signature)
    assert not verify_signature(
        "another-secret-0123456789", request.timestamp, request.body, request.signature
    )
    later_ts = str(int(request.timestamp) + 1)
    assert not verify_signature(SECRET, later_ts, request.body, request.signature)
    for odd_timestamp in ("not-a-number", "", "-1", "\u0661\u0662"):
        assert not verify_signature(SECRET, odd_timestamp, request.body, request.signature)
    stale = float(request.timestamp) + 3600
    assert not verify_signature(
        SECRET, request.timestamp, request.body, request.signature, now=stale
    )

    payload = json.loads(request.body)
    assert payload["event"] == "lead.created"
    assert payload["delivery_id"] == request.delivery_id == outbox_rows(engine)[0]["id"]
    lead = payload["lead"]
    assert lead["reference"] == stored.reference
    assert lead["contact_email"] == "jan@pixelwerk.nl"
    assert lead["profile"]["revenue"] == 1_250_000
    assert lead["recommendation"] == ["hiscox", "aig", "chubb"]
    assert lead["created_at"] == stored.created_at.isoformat()


@pytest.mark.asyncio
async def test_two_workers_deliver_every_row_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    first, second = create_database_engine(url), create_database_engine(url)
    try:
        with webhook_receiver() as receiver:
            receiver.mode, receiver.slow_seconds = "slow", 0.05  # claims overlap in time
            config = receiver.config()
            for number in range(12):
                queue_lead(first, make_draft(conversation_id=f"conv-{number}"), ["webhook"])
            reports = await asyncio.gather(
                deliver_due(first, config, worker_id="worker-a"),
                deliver_due(second, config, worker_id="worker-b"),
            )
        assert sum(report.delivered for report in reports) == 12
        ids = [row["id"] for row in outbox_rows(first)]
        assert all(receiver.attempts(outbox_id) == 1 for outbox_id in ids)
        assert len(receiver.requests) == 12
        assert status_counts(first) == {"pending": 0, "delivered": 12, "failed": 0}
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.asyncio
async def test_a_restarted_worker_delivers_what_was_left_pending(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    before = create_database_engine(url)
    with webhook_receiver() as receiver:
        config = receiver.config()
        queue_lead(before, make_draft(), config.destinations)
        before.dispose()  # the process stops before any delivery

        after = create_database_engine(url)
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(after, replace(config, poll_seconds=0.05), stop))
        for _ in range(100):
            if status_counts(after)["delivered"]:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(worker, 5)
    assert status_counts(after) == {"pending": 0, "delivered": 1, "failed": 0}
    assert list(receiver.processed.values()) == [1]
    after.dispose()


@pytest.mark.asyncio
async def test_a_row_leased_by_a_crashed_worker_is_delivered_after_the_lease(
    engine: Engine,
) -> None:
    with webhook_receiver() as receiver:
        config = receiver.config()
        queue_lead(engine, make_draft(), config.destinations)
        now = datetime.now(timezone.utc)
        with engine.begin() as connection:
            connection.execute(
                update(outbox).values(lease_until=now + timedelta(minutes=10), lease_owner="dead")
            )
        assert await deliver_due(engine, config, now=now) == DeliveryReport()
        assert receiver.requests == []
        after_lease = now + timedelta(minutes=11)
        assert await deliver_due(engine, config, now=after_lease) == DeliveryReport(delivered=1)
    assert outbox_rows(engine)[0]["lease_owner"] is None


@pytest.mark.asyncio
async def test_after_max_attempts_a_row_fails_and_retry_failed_delivers_it(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cyberbot")
    with webhook_receiver() as receiver:
        receiver.mode = "503"
        config = receiver.config(max_attempts=3)
        stored = queue_lead(engine, make_draft(), config.destinations)
        reports = [await deliver_due(engine, config, now=later(hour)) for hour in range(4)]
        assert reports == [
            DeliveryReport(retried=1),
            DeliveryReport(retried=1),
            DeliveryReport(failed=1),
            DeliveryReport(),
        ]
        [row] = outbox_rows(engine)
        assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 3, "HTTP 503")
        assert list_leads(engine)[0]["delivery"] == "failed"
        [failure] = [record for record in caplog.records if record.levelno == logging.ERROR]
        assert stored.reference in failure.getMessage() and row["id"] in failure.getMessage()

        receiver.mode = "up"
        assert retry_failed(engine) == 1
        assert retry_failed(engine) == 0
        assert await deliver_due(engine, config) == DeliveryReport(delivered=1)
    assert receiver.processed == {row["id"]: 1}
    assert status_counts(engine) == {"pending": 0, "delivered": 1, "failed": 0}
    for personal in PERSONAL_DATA:
        assert personal not in caplog.text


@pytest.mark.asyncio
async def test_a_destination_no_longer_configured_is_retried_not_lost(engine: Engine) -> None:
    queue_lead(engine, make_draft(), ["email"])
    assert await deliver_due(engine, HandoffConfig()) == DeliveryReport(retried=1)
    assert outbox_rows(engine)[0]["last_error"] == "email not configured"


@pytest.mark.asyncio
async def test_the_worker_survives_a_failing_round(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = asyncio.Event()
    rounds: list[str] = []

    async def flaky(*args: Any, **kwargs: Any) -> DeliveryReport:
        rounds.append(kwargs["worker_id"])
        if len(rounds) == 1:
            raise RuntimeError("database went away")
        if len(rounds) == 3:
            stop.set()
        return DeliveryReport()

    monkeypatch.setattr(outbox_module, "deliver_due", flaky)
    await asyncio.wait_for(run_worker(engine, HandoffConfig(poll_seconds=0.01), stop), 5)
    assert len(rounds) == 3 and len(set(rounds)) == 1


def test_backoff_doubles_from_five_seconds_up_to_fifteen_minutes() -> None:
    for attempts, base in [(1, 5), (2, 10), (3, 20), (4, 40)]:
        assert base <= backoff_seconds(attempts) <= base * 1.1
    assert backoff_seconds(9) == BACKOFF_MAX_SECONDS
    assert backoff_seconds(100) == BACKOFF_MAX_SECONDS


# --- e-mail -------------------------------------------------------------------------------


class MailCollector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.logins: list[tuple[bytes, bytes]] = []

    # aiosmtpd calls its hooks by these names.
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"mail-password")


@contextmanager
def smtp_server(with_login: bool = False) -> Iterator[tuple[MailCollector, int]]:
    collector = MailCollector()
    port = free_port()
    options: dict[str, Any] = {}
    if with_login:
        options = {"authenticator": collector.authenticate, "auth_require_tls": False}
    controller = Controller(collector, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()


def email_config(port: int, **changes: Any) -> HandoffConfig:
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "sender": "cyberbot@verzekeringsvergelijker.nl",
        "recipients": ("adviseur@verzekeringsvergelijker.nl", "team@verzekeringsvergelijker.nl"),
        "starttls": False,
        **changes,
    }
    return HandoffConfig(email=EmailConfig(**settings))


@pytest.mark.asyncio
async def test_advisors_get_one_dutch_email_per_lead(engine: Engine) -> None:
    with smtp_server() as (collector, port):
        config = email_config(port)
        stored = queue_lead(engine, make_draft(), config.destinations)
        assert await deliver_due(engine, config) == DeliveryReport(delivered=1)
        assert await deliver_due(engine, config, now=later(1)) == DeliveryReport()
    [message] = collector.messages
    [envelope] = collector.envelopes
    [row] = outbox_rows(engine)
    assert message["Subject"] == f"Nieuwe offerteaanvraag {stored.reference}"
    assert message["Message-ID"] == f"<{row['id']}@verzekeringsvergelijker.nl>"
    assert envelope.rcpt_tos == [
        "adviseur@verzekeringsvergelijker.nl",
        "team@verzekeringsvergelijker.nl",
    ]
    body = message.get_content()
    assert message.get_content_type() == "text/plain"
    for expected in (
        "Geachte adviseur",
        "offerteaanvraag",
        stored.reference,
        "Jan de Vries",
        "jan@pixelwerk.nl",
        "+31612345678",
        "€ 1.250.000",
        "Aantal medewerkers:              12",
        "Hiscox, AIG, Chubb",
        "24/7 hulp bij incidenten",
        "Nederlandse tijd",
        "Wilt u",
    ):
        assert expected in body


@pytest.mark.asyncio
async def test_a_callback_email_logs_in_and_names_the_moment(engine: Engine) -> None:
    with smtp_server(with_login=True) as (collector, port):
        config = email_config(port, username="cyberbot", password="mail-password")
        draft = make_draft(
            kind="callback", contact_email=None, callback_moment="morgenochtend na 9 uur"
        )
        stored = queue_lead(engine, draft, config.destinations)
        assert await deliver_due(engine, config) == DeliveryReport(delivered=1)
    assert collector.logins == [(b"cyberbot", b"mail-password")]
    [message] = collector.messages
    assert message["Subject"] == f"Nieuw terugbelverzoek {stored.reference}"
    body = message.get_content()
    assert "Gewenst terugbelmoment" in body and "morgenochtend na 9 uur" in body
    assert "E-mailadres:            niet opgegeven" in body


@pytest.mark.asyncio
async def test_an_unreachable_mail_server_is_retried(engine: Engine) -> None:
    config = email_config(free_port())
    queue_lead(engine, make_draft(), config.destinations)
    assert await deliver_due(engine, config) == DeliveryReport(retried=1)
    assert outbox_rows(engine)[0]["last_error"] == "connection refused"


def test_dutch_number_formatting() -> None:
    assert format_euro(1_250_000) == "€ 1.250.000"
    assert format_euro(1250.5) == "€ 1.250,50"
    assert format_number(12.0) == "12"


# --- configuration ------------------------------------------------------------------------


def test_default_handoff_file_configures_nothing() -> None:
    repo_file = Path(__file__).resolve().parents[1] / "handoff.yml"
    config = load_handoff_config(repo_file, environ={})
    assert config == HandoffConfig()
    assert config.destinations == []


def test_environment_overrides_the_file_and_secrets_stay_hidden(tmp_path: Path) -> None:
    path = tmp_path / "handoff.yml"
    path.write_text(
        "webhook:\n  url: https://crm.example.nl/hook?token=abc\n  timeout_seconds: 5\n"
        "email:\n  host: smtp.example.nl\n  from: bot@example.nl\n  to: [a@example.nl]\n"
        "outbox:\n  max_attempts: 4\n"
    )
    environ = {
        "CYBERBOT_WEBHOOK_SECRET": "s3cret-s3cret-s3cret",
        "CYBERBOT_WEBHOOK_TIMEOUT": "3",
        "CYBERBOT_SMTP_USER": "bot",
        "CYBERBOT_SMTP_PASSWORD": "mail-pass-word",
        "CYBERBOT_SMTP_TO": "a@example.nl, b@example.nl",
        "CYBERBOT_SMTP_STARTTLS": "false",
        "CYBERBOT_OUTBOX_POLL_SECONDS": "0.5",
    }
    config = load_handoff_config(path, environ)
    assert config.destinations == ["webhook", "email"]
    assert config.webhook == WebhookConfig(
        "https://crm.example.nl/hook?token=abc", "s3cret-s3cret-s3cret", 3.0
    )
    assert config.email is not None
    assert config.email.recipients == ("a@example.nl", "b@example.nl")
    assert (config.email.port, config.email.starttls, config.email.username) == (25, False, "bot")
    assert (config.max_attempts, config.poll_seconds) == (4, 0.5)
    shown = repr(config)
    for secret in ("s3cret", "mail-pass-word", "token=abc"):
        assert secret not in shown


def test_secrets_stay_out_of_str_and_of_errors(tmp_path: Path) -> None:
    environ = {
        "CYBERBOT_WEBHOOK_URL": "https://crm.example.nl/hook",
        "CYBERBOT_WEBHOOK_SECRET": "hook-s3cret-0123456789",
        "CYBERBOT_SMTP_HOST": "smtp.example.nl",
        "CYBERBOT_SMTP_FROM": "bot@example.nl",
        "CYBERBOT_SMTP_TO": "a@example.nl",
        "CYBERBOT_SMTP_USER": "bot",
        "CYBERBOT_SMTP_PASSWORD": "mail-pass-word",
    }
    config = load_handoff_config(tmp_path / "absent.yml", environ)
    assert config.webhook is not None and config.email is not None
    assert (config.webhook.secret, config.email.password) == (
        "hook-s3cret-0123456789", "mail-pass-word")
    for shown in (str(config), repr(config), str(config.webhook), str(config.email)):
        assert "s3cret" not in shown and "mail-pass-word" not in shown
    # A short secret, a password without its user and a bad number: none quotes a secret.
    broken = {"CYBERBOT_WEBHOOK_SECRET": "short-s3cret", "CYBERBOT_SMTP_USER": "",
              "CYBERBOT_WEBHOOK_TIMEOUT": "soon"}
    with pytest.raises(HandoffConfigError) as raised:
        load_handoff_config(tmp_path / "absent.yml", {**environ, **broken})
    message = str(raised.value)
    assert "too short" in message and "CYBERBOT_SMTP_PASSWORD" in message and "soon" in message
    assert "s3cret" not in message and "mail-pass-word" not in message


def test_config_file_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.yml"
    path.write_text("outbox:\n  poll_seconds: 7\n")
    assert load_handoff_config(environ={"CYBERBOT_HANDOFF_CONFIG": str(path)}).poll_seconds == 7
    with pytest.raises(HandoffConfigError, match="not a file"):
        load_handoff_config(environ={"CYBERBOT_HANDOFF_CONFIG": str(tmp_path / "missing.yml")})


@pytest.mark.parametrize(
    ("content", "environ", "message"),
    [
        ("", {"CYBERBOT_WEBHOOK_URL": "https://crm.example.nl/h"}, "CYBERBOT_WEBHOOK_SECRET"),
        ("webhook:\n  secret: abc\n", {}, "set CYBERBOT_WEBHOOK_SECRET in the environment"),
        ("email:\n  password: abc\n", {}, "CYBERBOT_SMTP_PASSWORD"),
        ("webhok:\n  url: x\n", {}, "unknown section"),
        ("webhook:\n  adres: x\n", {}, "unknown key webhook.adres"),
        ("", {"CYBERBOT_WEBHOOK_URL": "ftp://x", "CYBERBOT_WEBHOOK_SECRET": "x" * 20}, "http"),
        ("", {"CYBERBOT_WEBHOOK_URL": "https://x.nl", "CYBERBOT_WEBHOOK_SECRET": "short"}, "short"),
        ("", {"CYBERBOT_SMTP_HOST": "smtp.x.nl", "CYBERBOT_SMTP_FROM": "a@x.nl"}, "email.to"),
        ("", {"CYBERBOT_OUTBOX_MAX_ATTEMPTS": "many"}, "must be a number"),
        ("", {"CYBERBOT_OUTBOX_MAX_ATTEMPTS": "0"}, "at least 1"),
        ("", {"CYBERBOT_SMTP_STARTTLS": "perhaps", "CYBERBOT_SMTP_HOST": "h"}, "true or false"),
    ],
)
def test_configuration_errors_say_what_to_fix(
    tmp_path: Path, content: str, environ: dict[str, str], message: str
) -> None:
    path = tmp_path / "handoff.yml"
    path.write_text(content)
    with pytest.raises(HandoffConfigError, match=message):
        load_handoff_config(path, environ)


def test_visitor_text_cannot_forge_lines_in_the_advisors_email() -> None:
    from cyberbot.leads.advisor_email import advisor_email_body

    forged = "Pixelwerk\nTelefoonnummer: +31 6 99999999\r\nOpmerking: bel eerst https://x.example"
    lead: dict[str, Any] = {
        "kind": "callback", "reference": "CV-2026-000009",
        "created_at": "2026-03-02T09:00:00+00:00", "contact_name": "Jan de Vries",
        "contact_email": None, "contact_phone": "+31612345678", "company_name": forged,
        "preferred_insurer": None, "callback_moment": "morgen\n\nOpmerking: \u202egevaarlijk",
        "profile": {}, "recommendation": [], "conversation_id": "web-1", "channel": "socketio",
    }
    body = advisor_email_body(lead)
    starts = [line.strip().split(":")[0] for line in body.splitlines()]
    assert starts.count("Telefoonnummer") == 1 and "Opmerking" not in starts
    assert "Pixelwerk Telefoonnummer: +31 6 99999999 Opmerking: bel eerst" in body
    # Free text is a quotation; control and bidi characters are gone.
    assert "\u201cmorgen Opmerking: gevaarlijk\u201d" in body and "\u202e" not in body


def test_the_advisors_email_carries_the_basis_of_the_comparison() -> None:
    from cyberbot.leads.advisor_email import advisor_email_body

    lead: dict[str, Any] = {
        "kind": "quote", "reference": "CV-2026-000010", "created_at": "2026-03-02T09:00:00+00:00",
        "contact_name": "Els Peeters", "contact_email": "els@peeters.be", "contact_phone": None,
        "company_name": "Kine Peeters", "preferred_insurer": "none", "callback_moment": None,
        "profile": {"sector": "zorg", "country": "be"}, "recommendation": ["aig", "chubb"],
        "advice_basis": {
            "ranking": [{"insurer": "aig", "reasons": ["24/7 hulp bij cyberincidenten."]},
                        {"insurer": "chubb", "reasons": ["Meer dan 20 jaar ervaring."]}],
            "excluded": [{"insurer": "hiscox", "reason": "Hiscox accepteert geen ..."}],
            "caveats": ["Let op de sublimieten."],
        },
        "conversation_id": "web-1", "channel": "socketio",
    }
    body = advisor_email_body(lead)
    assert "Land:" in body and "België" in body
    assert "Basis voor wensen en behoeften (IDD)" in body
    assert "24/7 hulp bij cyberincidenten." in body and "(niet meegenomen)" in body
    assert "geen advies" in body
