"""handoff: work offered to a colleague or pool, with its packet, accepted or declined

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pcc_tui.core.store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    utc = pcc_tui.core.store.types.UTCDateTime
    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("from_coordinator_id", sa.Integer(), nullable=True),
        sa.Column("to_coordinator_id", sa.Integer(), nullable=True),
        sa.Column("to_pool", sa.String(length=60), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("packet", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("offered_at", utc(), nullable=False),
        sa.Column("offered_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", utc(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decline_reason", sa.String(length=300), nullable=True),
        sa.Column("void_reason", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_coordinator_id"],
            ["coordinator.id"],
            name=op.f("fk_handoff_from_coordinator_id_coordinator"),
        ),
        sa.ForeignKeyConstraint(
            ["to_coordinator_id"],
            ["coordinator.id"],
            name=op.f("fk_handoff_to_coordinator_id_coordinator"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_handoff_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff")),
    )
    op.create_index("ix_handoff_to_status", "handoff", ["to_coordinator_id", "status"])
    op.create_index("ix_handoff_pool_status", "handoff", ["to_pool", "status"])


def downgrade() -> None:
    op.drop_index("ix_handoff_pool_status", table_name="handoff")
    op.drop_index("ix_handoff_to_status", table_name="handoff")
    op.drop_table("handoff")
