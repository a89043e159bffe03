"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

<% commands = (upgrades or "") + (downgrades or "") %>\
## Imports that the commands use; both for an empty migration, to be written by hand.
% if not commands or "sa." in commands:
import sqlalchemy as sa
% endif
% if not commands or "op." in commands:
from alembic import op
% endif
${imports if imports else ""}
revision = ${repr(up_revision).replace("'", '"')}
down_revision = ${repr(down_revision).replace("'", '"')}
branch_labels = ${repr(branch_labels).replace("'", '"')}
depends_on = ${repr(depends_on).replace("'", '"')}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
