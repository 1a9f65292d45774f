"""education_given: which plain-language explanation was given to whom

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pcc_tui.core.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "education_given",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.String(length=60), nullable=False),
        sa.Column("topic_title", sa.String(length=200), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("given_to", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("given_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("given_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("void_reason", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_education_given_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_education_given_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_education_given")),
    )
    op.create_index(
        "ix_education_given_patient_at",
        "education_given",
        ["patient_id", "given_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_education_given_patient_at", table_name="education_given")
    op.drop_table("education_given")
