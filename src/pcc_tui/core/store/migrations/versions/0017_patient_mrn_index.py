"""An index on patient.mrn alone.

The MRN is unique per system through (mrn_system, mrn), but a search types the MRN without
its system: that index could not seek on its second column, and finding one MRN read the
whole index (70 ms at a million patients, against well under one).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_patient_mrn", "patient", ["mrn"])


def downgrade() -> None:
    op.drop_index("ix_patient_mrn", table_name="patient")
