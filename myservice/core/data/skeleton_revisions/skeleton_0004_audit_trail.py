"""The audit trail: one row per write of a resource (data/audit_trail.py).

Revision ID: skeleton_0004
Revises: skeleton_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "skeleton_0004"
down_revision = "skeleton_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table, read newest first (by time, then id) whole, by resource or by subject."""
    op.create_table(
        "audit_trail",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("resource", sa.String(length=100), nullable=False),
        sa.Column("resource_id", sa.String(length=255), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_trail"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_trail_at", "audit_trail", ["at", "id"], unique=False)
    for column in ("resource", "subject"):
        op.create_index(
            f"ix_audit_trail_{column}", "audit_trail", [column, "at", "id"], unique=False
        )


def downgrade() -> None:
    """Drop the table, and the records with it."""
    op.drop_index("ix_audit_trail_subject", table_name="audit_trail")
    op.drop_index("ix_audit_trail_resource", table_name="audit_trail")
    op.drop_index("ix_audit_trail_at", table_name="audit_trail")
    op.drop_table("audit_trail")
