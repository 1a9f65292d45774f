"""PostgreSQL: each person's own database login, created and changed through the
SECURITY DEFINER functions of migration 0010 (admins need no CREATEROLE of their own).

Passwords reach the server only as SCRAM-SHA-256 verifiers made here by libpq, never as
text in a statement (which a server log could keep).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pcc_tui.core.errors import DomainError

LOGIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_login_name(username: str) -> str:
    if not LOGIN_NAME.match(username) or username.startswith(("pg_", "pcc_")):
        raise DomainError(
            "on PostgreSQL a user name is its database login: lower-case letters, digits"
            " and _, not starting with pg_ or pcc_"
        )
    return username


def _verifier(session: Session, username: str, password: str) -> str:
    raw: Any = session.connection().connection.dbapi_connection
    made = raw.pgconn.encrypt_password(password.encode(), username.encode(), b"scram-sha-256")
    return bytes(made).decode()


def create_login(session: Session, username: str, role: str, password: str | None) -> None:
    verifier = _verifier(session, username, password) if password else None
    session.execute(
        text("SELECT pcc_create_login(:n, :g, :v)"),
        {"n": check_login_name(username), "g": f"pcc_{role}", "v": verifier},
    )


def login_exists(session: Session, username: str) -> bool:
    found = session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": username})
    return found is not None


def set_login(
    session: Session, username: str, *, password: str | None = None, enabled: bool | None = None
) -> None:
    verifier = _verifier(session, username, password) if password else None
    session.execute(
        text("SELECT pcc_set_login(:n, :v, :e)"), {"n": username, "v": verifier, "e": enabled}
    )
