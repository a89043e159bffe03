"""What every input channel checks before a message reaches the assistant: its size,
its metadata and the abuse limits. A refused message is answered with a polite Dutch
text and stored nowhere."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cyberbot.content import load_content
from cyberbot.security.client_address import client_address, client_key
from cyberbot.security.limits import AbuseLimits, hit_store
from cyberbot.security.local_secrets import SESSION_SECRET, read_secret
from cyberbot.security.settings import SecuritySettings, settings

logger = logging.getLogger(__name__)

# The metadata key this project writes itself; a client's value under it is dropped.
SERVER_METADATA_KEY = "cyberbot"


def channel_text(key: str, **values: Any) -> str:
    """A visitor-facing text of ``content/channel_messages.yml``."""
    return str(load_content("channel_messages.yml")[key]).format(**values)


@dataclass(frozen=True)
class Verdict:
    """Why a message is not handled, with the Dutch answer for the visitor."""

    reason: str
    reply: str
    # False for repeated refusals in one limit window.
    first: bool = True


def too_long(text: str, config: SecuritySettings) -> Verdict | None:
    if len(text) > config.max_message_chars:
        shown = f"{config.max_message_chars:,}".replace(",", ".")  # Dutch: 5.000
        return Verdict("message_too_long", channel_text("message_too_long", max_chars=shown))
    return None


def bounded_metadata(raw: Any, config: SecuritySettings) -> dict[str, Any]:
    """A client's metadata if it is a small JSON object; anything else becomes ``{}``.

    The server's own key is removed: only this project writes it.
    """
    if isinstance(raw, str):
        if len(raw) > config.max_metadata_bytes:
            return {}
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    size = metadata_size(raw)
    if size > config.max_metadata_bytes:
        logger.info("Client metadata of %d bytes dropped (limit %d)",
                    size, config.max_metadata_bytes)
        return {}
    return {key: value for key, value in raw.items() if key != SERVER_METADATA_KEY}


def metadata_size(metadata: dict[str, Any]) -> int:
    """Bytes of ``metadata`` as UTF-8 JSON (what the tracker store would keep)."""
    return len(json.dumps(metadata, ensure_ascii=False).encode("utf-8"))


def with_server_metadata(metadata: dict[str, Any], client: str | None) -> dict[str, Any]:
    """``metadata`` with what the server knows about the sender: the client pseudonym
    (the lead limits per client address read it in the action server)."""
    return {**metadata, SERVER_METADATA_KEY: {"client": client}}


def client_pseudonym(peer: str | None, headers: Any, config: SecuritySettings) -> str | None:
    """The pseudonym of the client address behind a request (proxies as configured)."""
    forwarded = headers.get(config.client_ip_header) if config.trusted_proxies else None
    address = client_address(peer, forwarded, config.proxy_networks())
    secret = read_secret(SESSION_SECRET)
    return client_key(address, secret) if secret else None


def limits_for(config: SecuritySettings) -> AbuseLimits:
    """``config``'s limits on the shared hits (Redis, or the leads database)."""
    from cyberbot.db.engine import get_engine  # imported late: it opens the database

    engine = get_engine()
    return AbuseLimits(config.limits, hit_store(engine), engine)


class UsesAbuseLimits:
    """A channel's abuse limits, opened on the shared store at its first message (the
    database is not reachable yet when Rasa builds the channels)."""

    config: SecuritySettings
    _limits: AbuseLimits | None = None

    @property
    def limits(self) -> AbuseLimits:
        if self._limits is None:
            self._limits = limits_for(self.config)
        return self._limits


def abuse_limits() -> AbuseLimits:
    """The limits of this process's settings (security.yml and the environment), on the
    database DATABASE_URL names now."""
    from cyberbot.db.engine import database_url

    return _limits_on(database_url())


@lru_cache(maxsize=8)
def _limits_on(url: str) -> AbuseLimits:
    return limits_for(settings())


async def over_limit(
    limits: AbuseLimits, channel: str, conversation_id: str, client: str | None
) -> Verdict | None:
    """Counts a message against ``limits``; a Verdict when it must not be handled."""
    try:
        refusal = await asyncio.to_thread(
            limits.admit_message, channel, conversation_id, client
        )
    except Exception as error:
        # The counters are a guard, not a gate: a visitor is answered when they fail.
        logger.error("The abuse limits could not be checked: %s", type(error).__name__)
        return None
    if refusal is None:
        return None
    return Verdict(refusal.rule, channel_text("too_many_messages"), first=refusal.first)
