"""Conversation ids that the server hands out and can recognise as its own.

A web visitor's conversation id is ``web-`` and 32 random hex digits. The client gets a
*session token*: the id, a dot and an HMAC of the id under the server's session secret.
Only the server can make a token, so a client can continue its own conversation (after a
reload, on any replica that shares the secret) but cannot name another one: knowing a
conversation id, from a log or the console, is not enough to write to it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

WEB_PREFIX = "web-"
_ID = re.compile(r"web-[0-9a-f]{32}")
_SIGNATURE_CHARS = 32  # 192 bits of the HMAC, base64url
MIN_SECRET_CHARS = 32


@dataclass(frozen=True)
class WebSession:
    conversation_id: str
    token: str


def check_secret(secret: str | None) -> str:
    """The secret, if it is long enough to sign with; otherwise a clear error."""
    if not secret or len(secret) < MIN_SECRET_CHARS:
        raise ValueError(
            f"CYBERBOT_SESSION_SECRET must be set to at least {MIN_SECRET_CHARS} characters"
        )
    return secret


def _signature(conversation_id: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), f"web-session:{conversation_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode()[:_SIGNATURE_CHARS]


def new_session(secret: str) -> WebSession:
    conversation_id = WEB_PREFIX + secrets.token_hex(16)
    return WebSession(conversation_id, f"{conversation_id}.{_signature(conversation_id, secret)}")


def verify_token(token: object, secret: str) -> WebSession | None:
    """The session a token stands for, or None for anything the server did not issue."""
    if not isinstance(token, str) or len(token) > 100:
        return None
    conversation_id, dot, signature = token.partition(".")
    if not dot or not _ID.fullmatch(conversation_id):
        return None
    if not hmac.compare_digest(signature, _signature(conversation_id, secret)):
        return None
    return WebSession(conversation_id, token)
