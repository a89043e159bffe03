"""``cyberbot db``: the schema of the project's database (DATABASE_URL, default
``var/leads.db``).

``upgrade`` applies the migrations that are new (``make run`` does so before it starts
the servers; production runs it as a deployment step), ``current`` tells where the
database is without changing it, and ``revision`` writes a new migration from what the
models declare beyond the newest one. Handlers return the exit code: 0 success.
"""

from __future__ import annotations

import argparse

from alembic import command
from sqlalchemy.engine import Engine

from cyberbot.db.engine import database_url, get_engine, open_engine
from cyberbot.db.schema import alembic_config, current_revisions, script_directory

EXIT_OK = 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``db`` command to the ``cyberbot`` subcommands."""
    parser = commands.add_parser("db", help="the database schema: apply and write migrations")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser(
        "upgrade", help="bring the database to the newest migration"
    ).set_defaults(handler=_upgrade)
    actions.add_parser(
        "current", help="the migration the database is at (changes nothing)"
    ).set_defaults(handler=_current)
    revision = actions.add_parser(
        "revision", help="write a migration of what the models add (for developers)"
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration does")
    revision.add_argument(
        "--empty", action="store_true", help="an empty migration to fill in by hand"
    )
    revision.set_defaults(handler=_revision)


def _upgrade(args: argparse.Namespace) -> int:
    engine = get_engine()  # migrates on creation
    with engine.connect() as connection:
        revisions = current_revisions(connection)
    print(f"{_shown(engine)}: at revision {', '.join(revisions)}, the newest.")
    return EXIT_OK


def _current(args: argparse.Namespace) -> int:
    engine = open_engine(database_url())
    try:
        with engine.connect() as connection:
            revisions = current_revisions(connection)
    finally:
        engine.dispose()
    heads = script_directory().get_heads()
    at = f"at revision {', '.join(revisions)}" if revisions else "not migrated yet"
    if set(revisions) == set(heads):
        print(f"{_shown(engine)}: {at}, the newest.")
    else:
        print(f"{_shown(engine)}: {at}; the newest is {', '.join(heads)}: "
              "run `cyberbot db upgrade`.")
    return EXIT_OK


def _revision(args: argparse.Namespace) -> int:
    # Autogenerate compares the models with a database at the newest migration.
    engine = get_engine()
    with engine.connect() as connection:
        # Alembic names the file it writes.
        command.revision(
            alembic_config(connection),
            message=args.message,
            autogenerate=not args.empty,
            rev_id=_next_revision_id(),
        )
    print("Check the new migration, then `cyberbot db upgrade` and `make lint`.")
    return EXIT_OK


def _next_revision_id() -> str:
    """Revisions are numbered 0001, 0002, ... so that their files sort in their order."""
    numbers = [int(script.revision) for script in script_directory().walk_revisions()]
    return f"{max(numbers, default=0) + 1:04d}"


def _shown(engine: Engine) -> str:
    """The database's URL without its password."""
    return engine.url.render_as_string(hide_password=True)
