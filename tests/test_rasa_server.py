"""The arguments the Rasa server wrapper gives ``rasa run``."""

from __future__ import annotations

from rasa.__main__ import create_argument_parser

from cyberbot.servers.rasa_server import parse_arguments, rasa_arguments


def test_a_token_that_begins_with_a_dash_reaches_rasa_whole() -> None:
    """secrets.token_urlsafe can begin with "-"; as a separate argument Rasa's parser read
    it as an option and the server exited with code 2 (a rare, random CI failure)."""
    args = parse_arguments(["--model", "models", "--port", "5999"])
    argv = rasa_arguments(args, "-Xy_token", ("http://localhost:8080",))
    parsed = create_argument_parser().parse_args(argv)
    assert parsed.auth_token == "-Xy_token"
    assert parsed.interface == "127.0.0.1" and parsed.port == 5999
