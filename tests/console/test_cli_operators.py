"""``cyberbot operators``: add, token, list, disable and enable, each audited as "cli"."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from cyberbot.console import cli_operators
from cyberbot.console.accounts import authenticate, get_operator, operator_for_token
from cyberbot.console.audit import recent_entries
from cyberbot.console.models import get_console_engine
from cyberbot.console.sessions import create_session, session_for_cookie

PASSWORD = "lange zin als wachtwoord"


pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The database the command uses: DATABASE_URL pointing at a file of this test."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return get_console_engine(url)


def run(argv: list[str], stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cyberbot")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_operators.register(commands)
    args = parser.parse_args(argv)
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return int(args.handler(args))


def add(monkeypatch: pytest.MonkeyPatch, email: str, role: str = "operator") -> int:
    return run(
        ["operators", "add", email, "--role", role, "--password-stdin"],
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )


def test_add_reads_the_password_from_stdin(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(monkeypatch, "Ans@Example.nl", "admin") == 0
    assert "Added admin ans@example.nl" in capsys.readouterr().out
    operator = authenticate(database, "ans@example.nl", PASSWORD)
    assert operator is not None and operator.role == "admin"
    [entry] = recent_entries(database)
    assert (entry.actor, entry.action, entry.target) == ("cli", "operator_added", "ans@example.nl")
    assert PASSWORD not in str(entry)


def test_add_asks_twice_without_stdin(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, PASSWORD + " typo"])
    monkeypatch.setattr(cli_operators.getpass, "getpass", lambda prompt: next(answers))
    assert run(["operators", "add", "ans@example.nl", "--role", "operator"]) == 1
    assert "do not match" in capsys.readouterr().err
    assert get_operator(database, "ans@example.nl") is None

    answers = iter([PASSWORD, PASSWORD])
    assert run(["operators", "add", "ans@example.nl", "--role", "operator"]) == 0
    assert authenticate(database, "ans@example.nl", PASSWORD) is not None


def test_add_refuses_a_duplicate(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(monkeypatch, "ans@example.nl") == 0
    capsys.readouterr()
    assert add(monkeypatch, "ANS@example.nl", "admin") == 1
    assert "bestaat al" in capsys.readouterr().err
    assert len(recent_entries(database)) == 1


def test_add_explains_a_weak_password(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["operators", "add", "ans@example.nl", "--role", "operator", "--password-stdin"]
    assert run(argv, stdin="kort\n", monkeypatch=monkeypatch) == 1
    assert "minstens 12 tekens" in capsys.readouterr().err
    assert get_operator(database, "ans@example.nl") is None
    assert recent_entries(database) == []


def test_the_token_is_printed_once_and_works(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add(monkeypatch, "ans@example.nl")
    capsys.readouterr()
    assert run(["operators", "token", "Ans@example.nl"]) == 0
    shown = capsys.readouterr()
    [token] = shown.out.split()
    assert "shown only once" in shown.err and token not in shown.err
    operator = operator_for_token(database, token)
    assert operator is not None and operator.email == "ans@example.nl"
    entry = recent_entries(database)[0]
    assert (entry.action, entry.target) == ("token_created", "ans@example.nl")
    assert token not in str(entry)


def test_no_token_for_an_unknown_operator(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["operators", "token", "nobody@example.nl"]) == 1
    assert "geen operator" in capsys.readouterr().err


def test_list_shows_role_state_and_last_login(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["operators", "list"]) == 0
    assert capsys.readouterr().out == "No operators.\n"
    add(monkeypatch, "bob@example.nl", "admin")
    add(monkeypatch, "ans@example.nl")
    authenticate(database, "bob@example.nl", PASSWORD)
    run(["operators", "disable", "ans@example.nl"])
    capsys.readouterr()
    assert run(["operators", "list"]) == 0
    header, ans, bob = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["EMAIL", "ROLE", "ACTIVE"]
    assert ans.split() == ["ans@example.nl", "operator", "no", "never"]
    assert bob.split()[:3] == ["bob@example.nl", "admin", "yes"]
    assert bob.split()[3].startswith("20")


def test_disable_ends_sessions_and_enable_allows_login_again(
    database: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add(monkeypatch, "ans@example.nl")
    operator = get_operator(database, "ans@example.nl")
    assert operator is not None
    session = create_session(database, operator.id)
    assert run(["operators", "disable", "ANS@example.nl"]) == 0
    assert session_for_cookie(database, session.cookie_value) is None
    assert authenticate(database, "ans@example.nl", PASSWORD) is None
    assert run(["operators", "enable", "ans@example.nl"]) == 0
    assert session_for_cookie(database, session.cookie_value) is None
    assert authenticate(database, "ans@example.nl", PASSWORD) is not None
    details = [(entry.action, entry.detail) for entry in recent_entries(database)][:2]
    assert details == [("operator_changed", "ingeschakeld"), ("operator_changed", "uitgeschakeld")]
    assert run(["operators", "disable", "nobody@example.nl"]) == 1
    assert "no operator" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["operators"],
        ["operators", "add", "ans@example.nl"],
        ["operators", "add", "ans@example.nl", "--role", "root"],
        ["operators", "token"],
        ["operators", "remove", "ans@example.nl"],
    ],
)
def test_wrong_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(argv)
    assert exit_.value.code == 2
    assert "usage:" in capsys.readouterr().err
