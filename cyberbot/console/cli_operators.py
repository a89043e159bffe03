"""``cyberbot operators``: console accounts from the command line, for administrators.

Every change is written to the audit log with "cli" as the actor. Handlers return the
exit code: 0 success, 1 error.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from cyberbot.console.accounts import (
    AccountError,
    add_operator,
    create_api_token,
    get_operator,
    list_operators,
    normalise_email,
    set_active,
)
from cyberbot.console.audit import record
from cyberbot.console.models import ROLES, get_console_engine

EXIT_OK, EXIT_ERROR = 0, 1
ACTOR = "cli"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``operators`` command to the ``cyberbot`` subcommands."""
    parser = commands.add_parser("operators", help="accounts of the operator console")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add an active operator (asks for the password)")
    add.add_argument("email", help="e-mail address, the login name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking",
    )
    add.set_defaults(handler=_add)

    token = actions.add_parser("token", help="make an API token for an operator (shown once)")
    token.add_argument("email")
    token.set_defaults(handler=_token)

    actions.add_parser("list", help="every operator with role, state and last login").set_defaults(
        handler=_list
    )

    disable = actions.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("email")
    disable.set_defaults(handler=_disable)

    enable = actions.add_parser("enable", help="enable a disabled account again")
    enable.add_argument("email")
    enable.set_defaults(handler=_enable)


def _add(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            return _fail("the passwords do not match")
    engine = get_console_engine()
    try:
        operator = add_operator(engine, args.email, args.role, password)
    except AccountError as error:
        return _fail(str(error))
    record(engine, ACTOR, "operator_added", target=operator.email, detail=f"rol: {operator.role}")
    print(f"Added {operator.role} {operator.email}.")
    return EXIT_OK


def _token(args: argparse.Namespace) -> int:
    engine = get_console_engine()
    try:
        token = create_api_token(engine, args.email)
    except AccountError as error:
        return _fail(str(error))
    record(engine, ACTOR, "token_created", target=normalise_email(args.email))
    print(token)
    print("This token is shown only once: store it now.", file=sys.stderr)
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    listing = list_operators(get_console_engine())
    if not listing:
        print("No operators.")
        return EXIT_OK
    width = max(len("EMAIL"), *(len(operator.email) for operator in listing))
    print(f"{'EMAIL':<{width}}  {'ROLE':<8}  {'ACTIVE':<6}  LAST LOGIN (UTC)")
    for operator in listing:
        last_login = (
            operator.last_login_at.strftime("%Y-%m-%d %H:%M") if operator.last_login_at else "never"
        )
        active = "yes" if operator.active else "no"
        print(f"{operator.email:<{width}}  {operator.role:<8}  {active:<6}  {last_login}")
    return EXIT_OK


def _disable(args: argparse.Namespace) -> int:
    return _set_active(args.email, active=False)


def _enable(args: argparse.Namespace) -> int:
    return _set_active(args.email, active=True)


def _set_active(email: str, active: bool) -> int:
    engine = get_console_engine()
    operator = get_operator(engine, email)
    if operator is None:
        return _fail(f"no operator with the e-mail address {normalise_email(email)}")
    set_active(engine, operator.id, active)
    state = "ingeschakeld" if active else "uitgeschakeld"
    record(engine, ACTOR, "operator_changed", target=operator.email, detail=state)
    print(f"{'Enabled' if active else 'Disabled'} {operator.email}.")
    return EXIT_OK


def _fail(message: str) -> int:
    print(f"cyberbot: error: {message}", file=sys.stderr)
    return EXIT_ERROR
