"""hl7_message.raw compressed with LZ4 on PostgreSQL.

Every message received is kept whole in the log; an ADT with its observations and
insurance is several kilobytes, so PostgreSQL compresses it, by default with pglz. LZ4
compresses such text about as well at a fraction of the time: under a 100,000-message
backlog the log insert was the costliest statement of the intake. Only on a server built
with LZ4 (Debian's and most are); elsewhere, and on SQLite, nothing changes. Rows already
stored keep their compression until rewritten.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _lz4_built() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(
        sa.text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    ).scalar()
    return bool(found)


def upgrade() -> None:
    if _lz4_built():
        op.execute("ALTER TABLE hl7_message ALTER COLUMN raw SET COMPRESSION lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE hl7_message ALTER COLUMN raw SET COMPRESSION default")
