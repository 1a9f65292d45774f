"""fhir_link: which record each imported FHIR resource became; MRNs up to 64 characters

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pcc_tui.core.store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.alter_column("mrn", existing_type=sa.String(length=32), type_=sa.String(length=64))
    op.create_table(
        "fhir_link",
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("fhir_id", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("imported_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "resource_type", "fhir_id", name=op.f("pk_fhir_link")),
    )


def downgrade() -> None:
    op.drop_table("fhir_link")
    with op.batch_alter_table("patient") as batch:
        batch.alter_column("mrn", existing_type=sa.String(length=64), type_=sa.String(length=32))
