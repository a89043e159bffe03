"""Alembic's entry point: runs the migrations on the connection cyberbot.db.schema hands over.

There is no URL here and no ``alembic.ini``: ``cyberbot db upgrade`` and ``cyberbot db
revision``, like every process at its start, give Alembic a connection on DATABASE_URL's
database in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from cyberbot.db.schema import migration_options

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the migrations with `cyberbot db upgrade`, not with a bare alembic")
context.configure(connection=connection, **migration_options())
with context.begin_transaction():
    context.run_migrations()
