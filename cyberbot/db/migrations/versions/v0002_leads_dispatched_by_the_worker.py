"""Leads are given their deliveries by the outbox worker: ``leads.dispatched_at``.

Until now the action server inserted a lead's outbox rows itself, so it had to know the
destinations and their secrets. Every lead stored before this migration already has its
rows: it counts as dispatched when it was created.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leads", sa.Column("dispatched_at", sa.DateTime(timezone=True)))
    op.create_index("ix_leads_dispatched_at", "leads", ["dispatched_at"])
    leads = sa.table("leads", sa.column("created_at"), sa.column("dispatched_at"))
    op.execute(leads.update().values(dispatched_at=leads.c.created_at))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_index("ix_leads_dispatched_at")
        batch.drop_column("dispatched_at")
