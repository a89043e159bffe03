"""The project's persistence layer: one engine factory (``engine``), the schema of every
table the project owns as Alembic migrations (``schema``, ``migrations/``) and the one
description of the table Rasa owns (``rasa_tables``)."""
