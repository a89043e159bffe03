"""Web session tokens: made by the server, recognised by the server only."""

from __future__ import annotations

import pytest

from cyberbot.security.session_ids import check_secret, new_session, verify_token

SECRET = "a-session-secret-of-at-least-32-characters"


def test_a_new_session_verifies_under_its_secret_only() -> None:
    session = new_session(SECRET)
    assert session.conversation_id.startswith("web-") and len(session.conversation_id) == 36
    assert verify_token(session.token, SECRET) == session
    assert verify_token(session.token, SECRET + "x") is None
    assert new_session(SECRET).conversation_id != session.conversation_id


@pytest.mark.parametrize(
    "token",
    [
        None, 42, "", "31612345678", "web-" + "0" * 32, "web-" + "0" * 32 + ".",
        "rest-demo.abc", "<script>", "x" * 500, ["web-"],
    ],
)
def test_anything_the_server_did_not_issue_is_refused(token: object) -> None:
    assert verify_token(token, SECRET) is None


def test_another_conversations_id_cannot_borrow_a_signature() -> None:
    first, second = new_session(SECRET), new_session(SECRET)
    forged = second.conversation_id + "." + first.token.split(".", 1)[1]
    assert verify_token(forged, SECRET) is None


def test_a_short_or_missing_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="CYBERBOT_SESSION_SECRET"):
        check_secret("short")
    with pytest.raises(ValueError, match="CYBERBOT_SESSION_SECRET"):
        check_secret(None)
