"""communication: how the caller was verified, and why an objection was overridden

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communication") as batch:
        batch.add_column(sa.Column("caller_verified", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("verified_how", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("override_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("communication") as batch:
        batch.drop_column("override_reason")
        batch.drop_column("verified_how")
        batch.drop_column("caller_verified")
