"""PostgreSQL roles for a team database: the schema owner migrates; the application role
the cockpits connect as may read and write the care tables but only INSERT (and read) the
audit trail, so not even a compromised session can rewrite history. `pcc db grant-app ROLE`
applies this; README "Team database" shows the whole setup.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, inspect

from pcc_tui.core.errors import DomainError

APPEND_ONLY = ("audit_event", "change_log", "access_grant")
# Rows the application removes as part of its work (a renamed patient's search words).
DELETABLE = ("patient_name_token",)
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_statements(engine: Engine, role: str) -> list[str]:
    if engine.dialect.name != "postgresql":
        raise DomainError("database roles are a PostgreSQL feature; SQLite has none")
    if not _IDENT.match(role):
        raise DomainError("a role name is lower-case letters, digits and _")
    database = engine.url.database
    tables = sorted(inspect(engine).get_table_names())
    out = [
        f'GRANT CONNECT ON DATABASE "{database}" TO {role}',
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    for table in tables:
        if table in APPEND_ONLY:
            rights = "SELECT, INSERT"
        elif table == "alembic_version":
            rights = "SELECT"  # the cockpit checks the schema; only the owner migrates
        elif table in DELETABLE:
            rights = "SELECT, INSERT, UPDATE, DELETE"
        else:
            rights = "SELECT, INSERT, UPDATE"
        out.append(f'GRANT {rights} ON "{table}" TO {role}')
    return out


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Apply the application role's rights (run as the schema owner after each upgrade)."""
    statements = app_role_statements(engine, role)
    with engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
    return statements
