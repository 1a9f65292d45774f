"""Work that arrives by itself: the HL7 v2 intake log, hospital stays and their events,
transitional-care episodes, patient merges, and business-day pathway offsets

`hl7_message` logs every message received (outcome, error without patient data, the
normalised message for replay); a partial unique index makes "applied once" hold even with
two listeners. `stay` and `stay_event` are the hospital encounter and what happened to it;
`transition` the clocks after a discharge; `patient_merge` two records found to be one.
On PostgreSQL the patient tables get 0010's guard (row-level security deferring to the
patient's, server-written change audit, grants by role); the intake log is read by
supervisors and admins without the message text, and written only by the schema owner
(the listener and `pcc import hl7` run as it, like `pcc db upgrade`).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pcc_tui.core.store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hl7_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("processed_at", pcc_tui.core.store.types.UTCDateTime(), nullable=True),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("control_id", sa.String(length=200), nullable=False),
        sa.Column("message_type", sa.String(length=20), nullable=False),
        sa.Column("event_time", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("error_where", sa.String(length=20), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("hold_key", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hl7_message")),
    )
    with op.batch_alter_table("hl7_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hl7_message_applied",
            ["sender", "control_id", "message_type", "event_time"],
            unique=True,
            sqlite_where=sa.text("outcome IN ('AA', 'held')"),
            postgresql_where=sa.text("outcome IN ('AA', 'held')"),
        )
        batch_op.create_index("ix_hl7_message_hold_key", ["hold_key"], unique=False)
        batch_op.create_index("ix_hl7_message_control_id", ["control_id"], unique=False)
        batch_op.create_index("ix_hl7_message_outcome_id", ["outcome", "id"], unique=False)

    op.create_table(
        "patient_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("merged_patient_id", sa.Integer(), nullable=False),
        sa.Column("merged_mrn", sa.String(length=64), nullable=False),
        sa.Column("merged_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("moved", pcc_tui.core.store.types.ReadableJSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_patient_id"],
            ["patient.id"],
            name=op.f("fk_patient_merge_merged_patient_id_patient"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_patient_merge_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_merge")),
    )
    with op.batch_alter_table("patient_merge", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_merge_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "stay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("visit_number", sa.String(length=60), nullable=True),
        sa.Column("patient_class", sa.String(length=10), nullable=False),
        sa.Column("ward", sa.String(length=40), nullable=True),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column("bed", sa.String(length=20), nullable=True),
        sa.Column("attending", sa.String(length=200), nullable=True),
        sa.Column("hospital_service", sa.String(length=40), nullable=True),
        sa.Column("admitted_at", pcc_tui.core.store.types.UTCDateTime(), nullable=True),
        sa.Column("discharged_at", pcc_tui.core.store.types.UTCDateTime(), nullable=True),
        sa.Column("disposition", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("void_reason", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_stay_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stay")),
    )
    with op.batch_alter_table("stay", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stay_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index("ix_stay_patient_visit", ["patient_id", "visit_number"], unique=False)

    op.create_table(
        "stay_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stay_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("before", pcc_tui.core.store.types.ReadableJSON(), nullable=False),
        sa.Column("made", pcc_tui.core.store.types.ReadableJSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("void_reason", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_stay_event_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(["stay_id"], ["stay.id"], name=op.f("fk_stay_event_stay_id_stay")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stay_event")),
    )
    with op.batch_alter_table("stay_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stay_event_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stay_event_stay_id"), ["stay_id"], unique=False)

    op.create_table(
        "transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("stay_id", sa.Integer(), nullable=True),
        sa.Column("care_plan_id", sa.Integer(), nullable=False),
        sa.Column("discharged_on", pcc_tui.core.store.types.ReadableDate(), nullable=False),
        sa.Column("complexity", sa.String(length=10), nullable=False),
        sa.Column("contact_due", pcc_tui.core.store.types.ReadableDate(), nullable=False),
        sa.Column("visit_due", pcc_tui.core.store.types.ReadableDate(), nullable=False),
        sa.Column("contact_step_id", sa.Integer(), nullable=False),
        sa.Column("visit_step_id", sa.Integer(), nullable=False),
        sa.Column("medrec_step_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("void_reason", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", pcc_tui.core.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_plan_id"], ["care_plan.id"], name=op.f("fk_transition_care_plan_id_care_plan")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_transition_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(["stay_id"], ["stay.id"], name=op.f("fk_transition_stay_id_stay")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transition")),
    )
    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transition_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            "ix_transition_status_contact_due", ["status", "contact_due"], unique=False
        )

    with op.batch_alter_table("plan_step", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offset_business", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("transition_id", sa.Integer(), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        for sql in _guard():
            op.execute(sql)


PATIENT_TABLES = ("stay", "stay_event", "transition", "patient_merge")
LOG_COLUMNS = (
    "id, received_at, processed_at, sender, control_id, message_type, event_time, outcome,"
    " error, error_where, patient_id, hold_key, attempts"
)


def _audit_append(guard: object, entity_pattern: str) -> str:
    """0010's `pcc_audit_append` with another pattern for entity types (0014: digits too,
    for `hl7_message`); the rest of the function is 0010's own text."""
    functions = str(getattr(guard, "FUNCTIONS"))  # noqa: B009
    start = functions.index("CREATE OR REPLACE FUNCTION pcc_audit_append(")
    end = functions.index("$$;", start) + 3
    body = functions[start:end]
    old = "p_entity_type !~ '^[a-z_]{1,40}$'"
    assert old in body, "0010's entity type check moved"
    return body.replace(old, f"p_entity_type !~ '{entity_pattern}'")


def _guard() -> list[str]:
    guard = importlib.import_module("pcc_tui.core.store.migrations.versions.0010_database_guard")
    out: list[str] = [
        _audit_append(guard, "^[a-z][a-z0-9_]{0,39}$"),
        # The intake log: supervisors and admins review all of it, but not the messages.
        f"GRANT SELECT ({LOG_COLUMNS}) ON hl7_message TO pcc_supervisor, pcc_admin",
        "ALTER TABLE hl7_message ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY pcc_review ON hl7_message FOR SELECT TO pcc_supervisor, pcc_admin"
        " USING (true)",
    ]
    for table in PATIENT_TABLES:
        rule = guard.CHILD_RULE.format(col=f"{table}.patient_id")
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY pcc_read ON {table} FOR SELECT TO {guard.PEOPLE} USING ({rule})",
            f"CREATE POLICY pcc_add ON {table} FOR INSERT TO {guard.WRITERS} WITH CHECK ({rule})",
            f"CREATE POLICY pcc_change ON {table} FOR UPDATE TO {guard.WRITERS}"
            f" USING ({rule}) WITH CHECK (true)",
            f"GRANT SELECT ON {table} TO pcc_viewer",
            f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {guard.PEOPLE}",
        ]
        if table != "patient_merge":  # merges are the feed's alone
            out.append(f"GRANT INSERT, UPDATE ON {table} TO pcc_coordinator, pcc_admin")
        for op_name, ref in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            out.append(
                f"CREATE TRIGGER pcc_audit_{op_name.lower()} AFTER {op_name} ON {table}"
                f" REFERENCING {ref} FOR EACH STATEMENT"
                " EXECUTE FUNCTION pcc_audit_change('id', 'patient_id')"
            )
    return out


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        guard = importlib.import_module(
            "pcc_tui.core.store.migrations.versions.0010_database_guard"
        )
        op.execute(_audit_append(guard, "^[a-z_]{1,40}$"))
    with op.batch_alter_table("plan_step", schema=None) as batch_op:
        batch_op.drop_column("transition_id")
        batch_op.drop_column("offset_business")

    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.drop_index("ix_transition_status_contact_due")
        batch_op.drop_index(batch_op.f("ix_transition_patient_id"))

    op.drop_table("transition")
    with op.batch_alter_table("stay_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stay_event_stay_id"))
        batch_op.drop_index(batch_op.f("ix_stay_event_patient_id"))

    op.drop_table("stay_event")
    with op.batch_alter_table("stay", schema=None) as batch_op:
        batch_op.drop_index("ix_stay_patient_visit")
        batch_op.drop_index(batch_op.f("ix_stay_patient_id"))

    op.drop_table("stay")
    with op.batch_alter_table("patient_merge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_merge_patient_id"))

    op.drop_table("patient_merge")
    with op.batch_alter_table("hl7_message", schema=None) as batch_op:
        batch_op.drop_index("ix_hl7_message_outcome_id")
        batch_op.drop_index("ix_hl7_message_hold_key")
        batch_op.drop_index("ix_hl7_message_control_id")
        batch_op.drop_index(
            "ix_hl7_message_applied",
            sqlite_where=sa.text("outcome IN ('AA', 'held')"),
            postgresql_where=sa.text("outcome IN ('AA', 'held')"),
        )

    op.drop_table("hl7_message")  # policies and triggers go with the tables
