"""The events' tables: outbox (events/outbox.py) and inbox (events/inbox.py).

Revision ID: skeleton_0002
Revises: skeleton_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "skeleton_0002"
down_revision = "skeleton_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the outbox, ordered by id, and the inbox, one row per handler and message."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("job", sa.Boolean(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("available_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("message_id", name="uq_outbox_message_id"),
    )
    op.create_index("ix_outbox_available_at", "outbox", ["available_at"], unique=False)
    op.create_table(
        "inbox",
        sa.Column("handler", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("handler", "message_id", name="pk_inbox"),
    )
    op.create_index("ix_inbox_updated_at", "inbox", ["updated_at"], unique=False)


def downgrade() -> None:
    """Drop both tables, and the messages not yet delivered with them."""
    op.drop_index("ix_inbox_updated_at", table_name="inbox")
    op.drop_table("inbox")
    op.drop_index("ix_outbox_available_at", table_name="outbox")
    op.drop_table("outbox")
