"""PostgreSQL: the registration checks see every patient, and say no more than they must

A coordinator registering a patient must learn whether an MRN is taken on any ward:
row-level security would hide it (`pcc_mrn_taken`, SECURITY DEFINER). A record's history
(`pcc_record_history`: its changes and their old values, for whoever may open the patient)
reads audit rows a person could not read themselves. A sequence numbers the MRNs the site
assigns (`[policy] mrn_prefix`). The duplicate check needs the second phone column, so it
comes with 0013. SQLite needs none of it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WRITERS = "pcc_coordinator, pcc_supervisor, pcc_admin"
PEOPLE = "pcc_viewer, pcc_coordinator, pcc_supervisor, pcc_admin"

FUNCTIONS = """
-- A record's history (its changes, with their old values) for whoever may open it.
CREATE OR REPLACE FUNCTION pcc_record_history(p_patient integer)
RETURNS TABLE (recorded_at timestamp, actor varchar, action varchar, detail text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT a.recorded_at, a.actor, a.action, a.detail
  FROM audit_event a
  WHERE (NOT pcc_is_person() OR pcc_sees(p_patient))
    AND a.patient_id = p_patient AND a.outcome = '0'
    AND (a.action IN ('patient.register', 'patient.update') OR a.action LIKE 'contact.%'
         OR a.action LIKE 'coverage.%' OR a.action LIKE 'care_team.%'
         OR a.action LIKE 'problem.%' OR a.action LIKE 'consent.%')
  ORDER BY a.seq DESC
  LIMIT 200
$$;

CREATE OR REPLACE FUNCTION pcc_mrn_taken(p_mrn text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM patient WHERE mrn = p_mrn)
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTIONS)
    op.execute("CREATE SEQUENCE IF NOT EXISTS pcc_mrn_seq")
    op.execute("REVOKE ALL ON FUNCTION pcc_mrn_taken(text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION pcc_mrn_taken(text) TO {WRITERS}")
    op.execute("REVOKE ALL ON FUNCTION pcc_record_history(integer) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION pcc_record_history(integer) TO {PEOPLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE pcc_mrn_seq TO {WRITERS}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP SEQUENCE IF EXISTS pcc_mrn_seq")
    op.execute("DROP FUNCTION IF EXISTS pcc_mrn_taken(text)")
    op.execute("DROP FUNCTION IF EXISTS pcc_record_history(integer)")
