"""care pathways: a plan's anchor event and each step's day offset from it

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("care_plan") as batch:
        batch.add_column(sa.Column("anchor_kind", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("anchor_date", sa.Date(), nullable=True))
    with op.batch_alter_table("plan_step") as batch:
        batch.add_column(sa.Column("anchor_offset", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_step") as batch:
        batch.drop_column("anchor_offset")
    with op.batch_alter_table("care_plan") as batch:
        batch.drop_column("anchor_date")
        batch.drop_column("anchor_kind")
