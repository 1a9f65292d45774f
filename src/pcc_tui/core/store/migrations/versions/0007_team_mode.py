"""team mode: sign-in columns, change log, presence, break-the-glass grants, audit client

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pcc_tui.core.store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    utc = pcc_tui.core.store.types.UTCDateTime
    with op.batch_alter_table("coordinator") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("pin_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("os_user", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_at", utc(), nullable=True))
        batch.add_column(sa.Column("own_patient_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_coordinator_os_user"), ["os_user"])
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("client", sa.String(length=200), nullable=True))
    op.create_table(
        "change_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", utc(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=40), nullable=False),
        sa.Column("patients", sa.Text(), nullable=False),
        sa.Column("tables", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    )
    op.create_table(
        "presence",
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("seen_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_presence")),
    )
    op.create_index(op.f("ix_presence_patient_id"), "presence", ["patient_id"])
    op.create_table(
        "access_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("granted_at", utc(), nullable=False),
        sa.Column("expires_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_access_grant_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grant")),
    )
    op.create_index("ix_access_grant_user_patient", "access_grant", ["username", "patient_id"])


def downgrade() -> None:
    op.drop_index("ix_access_grant_user_patient", table_name="access_grant")
    op.drop_table("access_grant")
    op.drop_index(op.f("ix_presence_patient_id"), table_name="presence")
    op.drop_table("presence")
    op.drop_table("change_log")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("client")
    with op.batch_alter_table("coordinator") as batch:
        batch.drop_constraint(batch.f("uq_coordinator_os_user"), type_="unique")
        for column in (
            "own_patient_id",
            "locked_at",
            "failed_logins",
            "os_user",
            "pin_hash",
            "password_hash",
        ):
            batch.drop_column(column)
