"""Handing one lead to the advisors: a signed webhook POST or a plain-text e-mail.

Webhook
    ``POST <url>`` with ``Content-Type: application/json`` and the body
    ``{"event": "lead.created", "delivery_id": <outbox id>, "lead": {<every lead field>}}``.
    Headers:

    - ``X-Cyberbot-Delivery``: the outbox id. Retries of one delivery carry the same id,
      so a receiver must process each id once (a delivery arrives again when the
      receiver's 2xx answer was lost).
    - ``X-Cyberbot-Timestamp``: Unix time in whole seconds at which the request was signed.
    - ``X-Cyberbot-Signature``: ``sha256=`` followed by the lowercase hex
      HMAC-SHA256, keyed with the shared secret (UTF-8), of the bytes
      ``<timestamp> + "." + <raw request body>``.

    A receiver recomputes the HMAC over the raw body exactly as received (before parsing
    the JSON), compares it in constant time and rejects old timestamps to stop replays:
    ``verify_signature`` does all three. A 2xx answer means delivered; any other status,
    a timeout or a connection error is retried later (redirects are not followed).

E-mail
    One plain-text Dutch e-mail per lead (see ``advisor_email``) through SMTP, with
    STARTTLS and login when configured, sent in a worker thread.

Errors are reported as short codes without personal data ("HTTP 503", "timeout",
"connection refused"), because they are stored and logged.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiohttp

from cyberbot.leads.advisor_email import compose_advisor_email
from cyberbot.leads.handoff_config import EmailConfig, HandoffConfig, WebhookConfig

EVENT = "lead.created"
SIGNATURE_PREFIX = "sha256="
# Requests signed longer ago than this are refused by verify_signature (replays).
SIGNATURE_TOLERANCE_SECONDS = 300.0
# Per SMTP socket operation; a whole e-mail takes a handful of them.
SMTP_TIMEOUT_SECONDS = 30.0
USER_AGENT = "cyberbot-outbox/1"


@dataclass(frozen=True)
class Delivery:
    """One outbox row to hand over, with its lead as stored at delivery time."""

    outbox_id: str
    destination: str
    lead: dict[str, Any]


@dataclass(frozen=True)
class DeliveryResult:
    delivered: bool
    error: str | None = None


async def deliver(delivery: Delivery, config: HandoffConfig) -> DeliveryResult:
    """Hand ``delivery`` to its destination; a destination no longer configured fails."""
    if delivery.destination == "webhook" and config.webhook is not None:
        return await deliver_webhook(delivery, config.webhook)
    if delivery.destination == "email" and config.email is not None:
        return await deliver_email(delivery, config.email)
    return DeliveryResult(False, f"{delivery.destination} not configured")


def webhook_body(delivery: Delivery) -> bytes:
    payload = {"event": EVENT, "delivery_id": delivery.outbox_id, "lead": delivery.lead}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Cyberbot-Signature header value for ``body`` signed at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    header: str,
    *,
    tolerance_seconds: float = SIGNATURE_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether ``header`` is a valid signature of ``body`` made recently (for receivers)."""
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), header.encode())


async def deliver_webhook(delivery: Delivery, config: WebhookConfig) -> DeliveryResult:
    body = webhook_body(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Cyberbot-Delivery": delivery.outbox_id,
        "X-Cyberbot-Timestamp": timestamp,
        "X-Cyberbot-Signature": sign(config.secret, timestamp, body),
    }
    timeout = aiohttp.ClientTimeout(total=config.timeout_seconds)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(config.url, data=body, headers=headers, allow_redirects=False) as response,
        ):
            if 200 <= response.status < 300:
                return DeliveryResult(True)
            return DeliveryResult(False, f"HTTP {response.status}")
    except asyncio.TimeoutError:
        return DeliveryResult(False, "timeout")
    except aiohttp.ClientConnectorCertificateError:
        return DeliveryResult(False, "TLS certificate error")
    except aiohttp.ClientConnectorError as error:
        refused = error.os_error.errno == errno.ECONNREFUSED
        return DeliveryResult(False, "connection refused" if refused else "connection error")
    except aiohttp.ClientError as error:
        return DeliveryResult(False, f"client error ({type(error).__name__})")


async def deliver_email(delivery: Delivery, config: EmailConfig) -> DeliveryResult:
    message = compose_advisor_email(
        delivery.lead, delivery.outbox_id, config.sender, config.recipients
    )
    try:
        await asyncio.to_thread(_send_mail, message, config)
    except smtplib.SMTPResponseException as error:
        return DeliveryResult(False, f"SMTP {error.smtp_code}")
    except smtplib.SMTPRecipientsRefused:
        return DeliveryResult(False, "SMTP recipients refused")
    except smtplib.SMTPException as error:
        return DeliveryResult(False, f"SMTP error ({type(error).__name__})")
    except ConnectionRefusedError:
        return DeliveryResult(False, "connection refused")
    except TimeoutError:
        return DeliveryResult(False, "timeout")
    except ssl.SSLError:
        return DeliveryResult(False, "TLS error")
    except OSError as error:
        return DeliveryResult(False, f"connection error ({type(error).__name__})")
    return DeliveryResult(True)


def _send_mail(message: EmailMessage, config: EmailConfig) -> None:
    with smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.username and config.password:
            smtp.login(config.username, config.password)
        smtp.send_message(message, from_addr=config.sender, to_addrs=list(config.recipients))
