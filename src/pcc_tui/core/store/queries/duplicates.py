"""Who might already be registered: patients born on the same day (or with day and month
swapped, a common slip) who share a name word within one typo, and patients with the same
phone line (either of their phones). The database returns candidates; the service scores them.

On PostgreSQL the look-up runs in `pcc_duplicate_candidates` (SECURITY DEFINER, migration
0013): a duplicate on another ward is the one most worth finding, and row-level security
would hide it. It returns only patients matching those rules, and only the columns a
coordinator needs to tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import RecordStatus
from pcc_tui.core.store.queries.mrn import site_mrn
from pcc_tui.core.store.queries.names import tokens, variants
from pcc_tui.core.store.tables import NameVariantRow, PatientNameTokenRow, PatientRow

CANDIDATE_CAP = 20


@dataclass(frozen=True)
class Candidate:
    id: int
    mrn: str
    family_name: str
    given_name: str
    birth_date: date
    phone: str | None
    phone_other: str | None


def birth_dates(born: date) -> list[date]:
    """The date, and the one with day and month swapped when that is a date too."""
    out = [born]
    if born.day <= 12 and born.day != born.month:
        out.append(born.replace(month=born.day, day=born.month))
    return out


def name_variants(family: str, given: str) -> list[str]:
    return sorted({v for t in tokens(family, given) for v in variants(t)})


def phone_tail(phone: str | None) -> str | None:
    """The last four digits: matched loosely here, compared exactly by the caller."""
    digits = "".join(c for c in phone or "" if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else None


def candidates(
    session: Session, family: str, given: str, born: date, phone: str | None
) -> list[Candidate]:
    births, words, tail = birth_dates(born), name_variants(family, given), phone_tail(phone)
    if session.get_bind().dialect.name == "postgresql":
        rows: Sequence[tuple[int, str, str, str, date, str | None, str | None]] = session.execute(
            text("SELECT * FROM pcc_duplicate_candidates(:births, :words, :tail)"),
            {"births": births, "words": words, "tail": tail},
        ).all()
        return [Candidate(*row) for row in rows]
    named = (
        select(PatientNameTokenRow.patient_id)
        .join(NameVariantRow, NameVariantRow.token_id == PatientNameTokenRow.token_id)
        .where(NameVariantRow.variant.in_(words))
    )
    rule = and_(PatientRow.birth_date.in_(births), PatientRow.id.in_(named))
    if tail:
        phones = or_(PatientRow.phone.like(f"%{tail}"), PatientRow.phone_other.like(f"%{tail}"))
        rule = or_(rule, phones)  # digits only: no wildcards
    stmt = (
        select(
            PatientRow.id,
            PatientRow.mrn,
            PatientRow.family_name,
            PatientRow.given_name,
            PatientRow.birth_date,
            PatientRow.phone,
            PatientRow.phone_other,
        )
        .where(rule, PatientRow.status != RecordStatus.ENTERED_IN_ERROR)
        .order_by(PatientRow.id)
        .limit(CANDIDATE_CAP)
    )
    return [Candidate(*row) for row in session.execute(stmt).all()]


def mrn_taken(session: Session, mrn: str) -> bool:
    """Whether any patient has this MRN (on PostgreSQL, beyond what the person may see)."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(session.scalar(text("SELECT pcc_mrn_taken(:m)"), {"m": mrn}))
    return session.scalar(select(PatientRow.id).where(site_mrn(mrn))) is not None
