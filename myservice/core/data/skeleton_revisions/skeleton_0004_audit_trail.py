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
    """Create the table, read newest first by resource, by subject, and purged by time."""
    op.create_table(
        "audit_trail",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("resource", sa.String(length=100), nullable=False),
        sa.Column("resource_id", sa.String(length=255), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_trail"),
    )
    op.create_index("ix_audit_trail_at", "audit_trail", ["at"], unique=False)
    op.create_index("ix_audit_trail_resource", "audit_trail", ["resource", "id"], unique=False)
    op.create_index("ix_audit_trail_subject", "audit_trail", ["subject", "id"], unique=False)


def downgrade() -> None:
    """Drop the table, and the records with it."""
    op.drop_index("ix_audit_trail_subject", table_name="audit_trail")
    op.drop_index("ix_audit_trail_resource", table_name="audit_trail")
    op.drop_index("ix_audit_trail_at", table_name="audit_trail")
    op.drop_table("audit_trail")
