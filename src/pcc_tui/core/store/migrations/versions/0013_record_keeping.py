"""Keeping the record in the cockpit: consent as its own dated records, a call's topic, a
second phone for patients and contacts, a contact's preferred channel and end, coverage
group and subscriber, outside providers on the care team, and a problem's resolution date

`consent`: one row per decision the patient made about one contact (what may be shared, how
it was given, when, until when, how a caller proves who they are). Withdrawing is a new row;
the one in force at a moment is the newest given by then and not expired. On PostgreSQL the
table gets the same guard as every patient table: row-level security deferring to the
patient's, server-written change audit, and grants by role; and the registration's
duplicate check (`pcc_duplicate_candidates`, SECURITY DEFINER) matches either phone.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pcc_tui.core.store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


DUPLICATES = """
CREATE FUNCTION pcc_duplicate_candidates(p_births date[], p_words text[], p_tail text)
RETURNS TABLE (id integer, mrn varchar, family_name varchar, given_name varchar,
               birth_date date, phone varchar, phone_other varchar)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id, p.mrn, p.family_name, p.given_name, p.birth_date, p.phone, p.phone_other
  FROM patient p
  WHERE p.status <> 'entered-in-error'
    AND ((p.birth_date = ANY (p_births)
          AND EXISTS (SELECT 1 FROM patient_name_token pt
                      JOIN name_variant v ON v.token_id = pt.token_id
                      WHERE pt.patient_id = p.id AND v.variant = ANY (p_words)))
         OR (p_tail ~ '^[0-9]{4}$'
             AND (p.phone LIKE '%' || p_tail OR p.phone_other LIKE '%' || p_tail)))
  ORDER BY p.id
  LIMIT 20
$$
"""


def _tracked() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("given_how", sa.String(length=20), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("verification", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("void_reason", sa.String(length=300), nullable=True),
        *_tracked(),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_consent_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_consent_contact_id_contact")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent") as batch:
        batch.create_index(batch.f("ix_consent_patient_id"), ["patient_id"], unique=False)
        batch.create_index(batch.f("ix_consent_contact_id"), ["contact_id"], unique=False)
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("phone_other", sa.String(length=32), nullable=True))
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("phone_other", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("preferred_channel", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
    with op.batch_alter_table("communication") as batch:
        batch.add_column(sa.Column("topic", sa.String(length=20), nullable=True))
    with op.batch_alter_table("coverage") as batch:
        batch.add_column(sa.Column("group_id", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("subscriber", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("relationship", sa.String(length=20), nullable=True))
    with op.batch_alter_table("care_team_member") as batch:
        batch.alter_column("practitioner_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("provider_name", sa.String(length=200), nullable=True))
    with op.batch_alter_table("problem") as batch:
        batch.add_column(sa.Column("resolved_on", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for sql in _guard():
            op.execute(sql)


def _guard() -> list[str]:
    """Row-level security, audit triggers and grants for `consent`, as 0010 gave every
    other patient table (its rule, so the rule lives in one place)."""
    guard = importlib.import_module("pcc_tui.core.store.migrations.versions.0010_database_guard")
    rule = guard.CHILD_RULE.format(col="consent.patient_id")
    out = [
        # Who might already be registered, on any ward (row-level security would hide the
        # duplicate that matters): only matching patients, only the columns to tell them
        # apart, at most 20.
        DUPLICATES,
        "REVOKE ALL ON FUNCTION pcc_duplicate_candidates(date[], text[], text) FROM PUBLIC",
        "GRANT EXECUTE ON FUNCTION pcc_duplicate_candidates(date[], text[], text)"
        f" TO {guard.WRITERS}",
        "ALTER TABLE consent ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY pcc_read ON consent FOR SELECT TO {guard.PEOPLE} USING ({rule})",
        f"CREATE POLICY pcc_add ON consent FOR INSERT TO {guard.WRITERS} WITH CHECK ({rule})",
        f"CREATE POLICY pcc_change ON consent FOR UPDATE TO {guard.WRITERS}"
        f" USING ({rule}) WITH CHECK (true)",
        "GRANT SELECT ON consent TO pcc_viewer",
        "GRANT INSERT, UPDATE ON consent TO pcc_coordinator, pcc_admin",
        f"GRANT USAGE, SELECT ON SEQUENCE consent_id_seq TO {guard.PEOPLE}",
    ]
    for op_name, ref in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        out.append(
            f"CREATE TRIGGER pcc_audit_{op_name.lower()} AFTER {op_name} ON consent"
            f" REFERENCING {ref} FOR EACH STATEMENT"
            " EXECUTE FUNCTION pcc_audit_change('id', 'patient_id')"
        )
    return out


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # it reads the phone columns dropped here
        op.execute("DROP FUNCTION IF EXISTS pcc_duplicate_candidates(date[], text[], text)")
    with op.batch_alter_table("problem") as batch:
        batch.drop_column("resolved_on")
    with op.batch_alter_table("care_team_member") as batch:
        batch.drop_column("provider_name")
        batch.alter_column("practitioner_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("coverage") as batch:
        batch.drop_column("relationship")
        batch.drop_column("subscriber")
        batch.drop_column("group_id")
    with op.batch_alter_table("communication") as batch:
        batch.drop_column("topic")
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("ended_on")
        batch.drop_column("preferred_channel")
        batch.drop_column("phone_other")
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("phone_other")
    op.drop_table("consent")  # its policies and triggers go with it
