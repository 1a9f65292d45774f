"""fhir_identifier, the EHR sync's high-water mark, and a past visit's class on appointment.

fhir_identifier: the identifiers (system, value) of imported providers and organisations,
so a conditional reference (`Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|…`)
in a later file or a later run resolves to the record they became, and only when exactly
one record matches.

`fhir_sync` keeps, per source, the server's transactionTime of the last complete sync: the
next asks only `_since` then.

`appointment.visit_class` is an imported encounter's class (AMB, EMER, IMP...), for the
chart's past visits. `coverage.last_billed` is, for coverage derived from claims, the last
day a claim billed the payer: a later sync's claims are weighed against it.

Patients' identifiers are not kept here (they would be patient data outside the patient's
row-level security): conditional references to patients resolve within one run only.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pcc_tui.core.store.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The site's own MRNs (system "") are what registration checks and a review looks up.
FUNCTIONS = {
    "new": """
CREATE OR REPLACE FUNCTION pcc_mrn_taken(p_mrn text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM patient WHERE mrn = p_mrn AND mrn_system = '')
$$;
CREATE OR REPLACE FUNCTION pcc_review_patient(p_mrn text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id FROM patient WHERE mrn = p_mrn
    AND (pg_has_role(session_user, 'pcc_supervisor', 'member')
         OR pg_has_role(session_user, 'pcc_admin', 'member'))
  ORDER BY mrn_system, id LIMIT 1
$$;
""",
    "old": """
CREATE OR REPLACE FUNCTION pcc_mrn_taken(p_mrn text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM patient WHERE mrn = p_mrn)
$$;
CREATE OR REPLACE FUNCTION pcc_review_patient(p_mrn text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id FROM patient WHERE mrn = p_mrn
    AND (pg_has_role(session_user, 'pcc_supervisor', 'member')
         OR pg_has_role(session_user, 'pcc_admin', 'member'))
$$;
""",
}


def upgrade() -> None:
    # An MRN is unique within the system that issued it ("" for the site's own), not
    # across systems: two EHRs' MR 12345 are two patients.
    with op.batch_alter_table("patient") as batch:
        batch.add_column(
            sa.Column("mrn_system", sa.String(length=255), server_default="", nullable=False)
        )
        batch.drop_constraint("uq_patient_mrn", type_="unique")
        batch.create_unique_constraint(op.f("uq_patient_mrn_system"), ["mrn_system", "mrn"])
    with op.batch_alter_table("appointment") as batch:
        batch.add_column(sa.Column("visit_class", sa.String(length=10), nullable=True))
    with op.batch_alter_table("coverage") as batch:
        batch.add_column(
            sa.Column("last_billed", pcc_tui.core.store.types.ReadableDate(), nullable=True)
        )
    op.create_table(
        "fhir_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("system", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_identifier")),
        sa.UniqueConstraint(
            "source",
            "resource_type",
            "system",
            "value",
            "entity_id",
            name=op.f("uq_fhir_identifier_source"),
        ),
    )
    op.create_table(
        "fhir_sync",
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("transaction_time", sa.String(length=40), nullable=False),
        sa.Column("synced_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("resources", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_fhir_sync")),
    )
    op.create_index(
        "ix_fhir_identifier_value", "fhir_identifier", ["resource_type", "value"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS["new"])
        # Like fhir_link: read by everyone signed in, written by those who import.
        op.execute("GRANT SELECT ON fhir_identifier, fhir_sync TO pcc_viewer")
        op.execute(
            "GRANT INSERT, UPDATE ON fhir_identifier, fhir_sync TO pcc_coordinator, pcc_admin"
        )
        op.execute(
            "GRANT USAGE, SELECT ON SEQUENCE fhir_identifier_id_seq TO"
            " pcc_viewer, pcc_coordinator, pcc_supervisor, pcc_admin"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS["old"])
    op.drop_index("ix_fhir_identifier_value", table_name="fhir_identifier")
    op.drop_table("fhir_identifier")
    op.drop_table("fhir_sync")
    with op.batch_alter_table("patient") as batch:
        batch.drop_constraint("uq_patient_mrn_system", type_="unique")
        batch.create_unique_constraint(op.f("uq_patient_mrn"), ["mrn"])
        batch.drop_column("mrn_system")
    with op.batch_alter_table("appointment") as batch:
        batch.drop_column("visit_class")
    with op.batch_alter_table("coverage") as batch:
        batch.drop_column("last_billed")
