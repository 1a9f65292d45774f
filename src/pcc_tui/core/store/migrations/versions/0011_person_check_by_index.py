"""PostgreSQL: `pcc_is_person` looks the login up by its oid in `pg_auth_members`

Every audit row and every change trigger asks whether the session is a person. 0010 joined
`pg_auth_members` with the `pg_roles` view twice (a scan of every role, ~0.2 ms a call);
this finds the same direct memberships through the catalog's index (~0.03 ms). Same
answer: a login that is a direct member of one of the four groups.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = ("pcc_viewer", "pcc_coordinator", "pcc_supervisor", "pcc_admin")
HEAD = """CREATE OR REPLACE FUNCTION pcc_is_person() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$"""

# quote_ident: the login's name as an identifier, so any spelling casts to its own role.
BY_INDEX = f"""{HEAD}
  SELECT EXISTS (
    SELECT 1 FROM pg_catalog.pg_auth_members m
    WHERE m.member = pg_catalog.quote_ident(session_user)::regrole
      AND m.roleid = ANY (ARRAY[{", ".join(f"'{g}'::regrole" for g in GROUPS)}]::oid[]))
$$"""

BY_VIEW = f"""{HEAD}
  SELECT EXISTS (
    SELECT 1 FROM pg_auth_members m
    JOIN pg_roles g ON g.oid = m.roleid
    JOIN pg_roles u ON u.oid = m.member
    WHERE u.rolname = session_user AND g.rolname IN ('{"','".join(GROUPS)}'))
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BY_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BY_VIEW)
