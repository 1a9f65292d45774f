"""The record's new tables under the database's guard (PostgreSQL, as each person's own
login): every table that holds a patient's rows has row-level security, and consent
records of a patient outside one's scope are invisible and cannot be added to."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from pcc_tui.core.domain.models import Consent, Contact
from pcc_tui.core.services import record_changes
from tests.team import test_database_guard as guard
from tests.team.test_database_guard import Team, _refused

team = guard.team  # root, alex (4 North), blair (5 South), vic (viewer), sam (supervisor)


def test_every_table_with_patient_rows_has_row_level_security(team: Team) -> None:
    with team.owner.engine.connect() as conn:
        unguarded = (
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity"
                    " AND EXISTS (SELECT 1 FROM information_schema.columns i WHERE"
                    " i.table_schema = 'public' AND i.table_name = c.relname"
                    " AND i.column_name = 'patient_id')"
                )
            )
            .scalars()
            .all()
        )
    assert unguarded == []


def test_consent_records_outside_ones_scope_are_invisible(team: Team) -> None:
    blair = team.actor("blair")
    daughter = Contact(patient_id=team.south, name="Sara Southgate", relationship="daughter")
    agreed = Consent(
        patient_id=team.south,
        contact_id=0,
        decision="agreed",
        scopes=["appointments"],
        given_how="verbal",
        given_on=date(2026, 3, 10),
        recorded_by="blair",
    )
    contact = record_changes.add_contact(team.store("blair"), blair, daughter, agreed)
    with team.psql("alex").connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM consent")).scalar_one() == 0
    refused = _refused(
        team.psql("alex"),
        "INSERT INTO consent (patient_id, contact_id, decision, scopes, given_how, given_on,"
        " recorded_by, status, version, created_at, created_by, updated_at, updated_by)"
        f" VALUES ({team.south}, {contact}, 'objected', '[]', 'verbal', '2026-03-10', 'alex',"
        " 'active', 1, now(), 'alex', now(), 'alex')",
    )
    assert "row-level security" in refused
    with team.psql("blair").connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM consent")).scalar_one() == 1
