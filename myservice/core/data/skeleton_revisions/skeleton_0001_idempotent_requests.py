"""The answers kept for Idempotency-Key: idempotent_requests (data/idempotency.py).

Revision ID: skeleton_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "skeleton_0001"
down_revision = None
branch_labels = ("skeleton",)
depends_on = None


def upgrade() -> None:
    """Create the table and the index the expired rows are purged by."""
    op.create_table(
        "idempotent_requests",
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=True),
        sa.Column("leased_until", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("headers", sa.Text(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("caller", "key", name="pk_idempotent_requests"),
    )
    op.create_index(
        "ix_idempotent_requests_expires_at", "idempotent_requests", ["expires_at"], unique=False
    )


def downgrade() -> None:
    """Drop the table, and the answers kept in it."""
    op.drop_index("ix_idempotent_requests_expires_at", table_name="idempotent_requests")
    op.drop_table("idempotent_requests")
