"""X-Hub-Signature-256 checks and the hub.challenge handshake."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from cyberbot.channels.whatsapp.signature import (
    MAX_CHALLENGE_LENGTH,
    sign,
    signature_valid,
    verification_challenge,
)
from tests.whatsapp.payloads import sample_payloads

SECRET = "0123456789abcdef0123456789abcdef"
BODY = json.dumps(sample_payloads()["text"]).encode()
VERIFY_TOKEN = "meatyhamhock"


def test_sign_is_hmac_sha256_of_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY) == f"sha256={expected}"


def test_a_valid_signature_passes() -> None:
    assert signature_valid(SECRET, BODY, sign(SECRET, BODY))


def test_an_empty_body_can_be_signed_and_checked() -> None:
    assert signature_valid(SECRET, b"", sign(SECRET, b""))
    assert not signature_valid(SECRET, b"", sign(SECRET, b" "))


def test_another_secret_fails() -> None:
    assert not signature_valid(SECRET, BODY, sign("another-secret", BODY))
    assert not signature_valid("another-secret", BODY, sign(SECRET, BODY))


def test_a_tampered_body_fails() -> None:
    header = sign(SECRET, BODY)
    assert not signature_valid(SECRET, BODY.replace(b"Hallo", b"Hallo!"), header)
    assert not signature_valid(SECRET, BODY + b"\n", header)
    assert not signature_valid(SECRET, json.dumps(json.loads(BODY), indent=1).encode(), header)


def test_a_missing_header_fails() -> None:
    assert not signature_valid(SECRET, BODY, None)
    assert not signature_valid(SECRET, BODY, "")


def test_uppercase_hex_passes() -> None:
    digest = sign(SECRET, BODY).removeprefix("sha256=")
    assert signature_valid(SECRET, BODY, "sha256=" + digest.upper())


def test_other_algorithms_and_prefixes_fail() -> None:
    digest = sign(SECRET, BODY).removeprefix("sha256=")
    sha1 = hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest()
    for header in (
        f"sha1={sha1}",
        f"sha1={digest}",
        f"SHA256={digest}",
        f"Sha256={digest}",
        f"sha256:{digest}",
        f"sha256 ={digest}",
        digest,
        f" sha256={digest}",
        f"sha256={digest} ",
        f"sha256={digest},sha256={digest}",
    ):
        assert not signature_valid(SECRET, BODY, header), header


@pytest.mark.parametrize(
    "header",
    [
        "sha256=",
        "sha256=abc",
        "sha256=" + "g" * 64,
        "sha256=" + "0" * 63,
        "sha256=" + "0" * 65,
        "sha256=" + "\N{FULLWIDTH DIGIT ZERO}" * 64,
        "sha256=" + "0" * 10_000,
    ],
)
def test_malformed_signatures_fail(header: str) -> None:
    assert not signature_valid(SECRET, BODY, header)


def test_an_empty_app_secret_never_validates() -> None:
    assert not signature_valid("", BODY, sign("", BODY))


def challenge_args(**overrides: str) -> dict[str, str]:
    args = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    args.update(overrides)
    return args


def test_the_challenge_is_returned_for_the_right_token() -> None:
    assert verification_challenge(challenge_args(), VERIFY_TOKEN) == "1158201444"


@pytest.mark.parametrize(
    "args",
    [
        challenge_args(**{"hub.verify_token": "wrong"}),
        challenge_args(**{"hub.verify_token": VERIFY_TOKEN.upper()}),
        challenge_args(**{"hub.verify_token": VERIFY_TOKEN + " "}),
        challenge_args(**{"hub.verify_token": ""}),
        challenge_args(**{"hub.mode": "unsubscribe"}),
        challenge_args(**{"hub.mode": ""}),
        challenge_args(**{"hub.challenge": ""}),
        challenge_args(**{"hub.challenge": "<script>alert(1)</script>\r\nX-Injected: 1"}),
        challenge_args(**{"hub.challenge": "9" * (MAX_CHALLENGE_LENGTH + 1)}),
        challenge_args(**{"hub.challenge": "caf\N{LATIN SMALL LETTER E WITH ACUTE}"}),
        challenge_args(**{"hub.verify_token": "\udcff"}),
        {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {},
    ],
)
def test_the_challenge_is_refused(args: dict[str, str]) -> None:
    assert verification_challenge(args, VERIFY_TOKEN) is None


def test_an_empty_verify_token_refuses_everything() -> None:
    assert verification_challenge(challenge_args(**{"hub.verify_token": ""}), "") is None
