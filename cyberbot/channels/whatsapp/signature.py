"""Authenticity checks of Meta's webhook calls.

Every POST carries ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed
with the app secret>``; the one-time GET that subscribes the webhook carries the verify
token chosen in the app dashboard. Both are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Mapping

SIGNATURE_PREFIX = "sha256="
_HEX_LENGTH = hashlib.sha256().digest_size * 2
_HEX_DIGITS = frozenset(string.hexdigits)
# The challenge is echoed verbatim as the response body, so only a plain token passes.
MAX_CHALLENGE_LENGTH = 256


def sign(app_secret: str, raw_body: bytes) -> str:
    """The X-Hub-Signature-256 header value Meta sends with ``raw_body``."""
    digest = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_valid(app_secret: str, raw_body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``raw_body`` under ``app_secret``.

    Only the lower-case "sha256=" prefix is accepted; the hex digits may be in either case.
    """
    if not app_secret or not isinstance(header, str) or not header.startswith(SIGNATURE_PREFIX):
        return False
    given = header[len(SIGNATURE_PREFIX) :]
    if len(given) != _HEX_LENGTH or not set(given) <= _HEX_DIGITS:
        return False
    expected = sign(app_secret, raw_body)[len(SIGNATURE_PREFIX) :]
    return hmac.compare_digest(given.lower(), expected)


def verification_challenge(args: Mapping[str, str], verify_token: str) -> str | None:
    """The hub.challenge to answer a subscription request with, or None to refuse it."""
    mode = args.get("hub.mode")
    token = args.get("hub.verify_token")
    challenge = args.get("hub.challenge")
    if mode != "subscribe" or not verify_token or not isinstance(token, str):
        return None
    if not hmac.compare_digest(_utf8(token), _utf8(verify_token)):
        return None
    if not isinstance(challenge, str) or not _plain_token(challenge):
        return None
    return challenge


def _plain_token(value: str) -> bool:
    return 0 < len(value) <= MAX_CHALLENGE_LENGTH and value.isascii() and value.isprintable()


def _utf8(value: str) -> bytes:
    # A query string may decode to lone surrogates, which plain encode() refuses.
    return value.encode("utf-8", "surrogatepass")
