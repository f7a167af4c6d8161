"""The schedules' table: the last tick of each schedule fired (events/firing.py).

Revision ID: skeleton_0003
Revises: skeleton_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "skeleton_0003"
down_revision = "skeleton_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table, one row per schedule, keyed by its job's topic."""
    op.create_table(
        "schedules",
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("schedule", sa.String(length=255), nullable=False),
        sa.Column("last_tick", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("topic", name="pk_schedules"),
    )


def downgrade() -> None:
    """Drop the table: each schedule starts again from its latest tick."""
    op.drop_table("schedules")
