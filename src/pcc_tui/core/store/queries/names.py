"""Name search keys: normalised tokens, their trigrams and one-deletion variants.

Search runs over the small dictionary of distinct name words, then joins to patients, so it
stays fast however many patients share a surname, and works the same on both databases.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql import Insert

from pcc_tui.core.store import deferred_inserts
from pcc_tui.core.store.tables import (
    Base,
    NameGramRow,
    NameTokenRow,
    NameVariantRow,
    PatientNameTokenRow,
)

_SPLIT = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(*names: str) -> set[str]:
    out: set[str] = set()
    for name in names:
        out.update(t for t in _SPLIT.split(normalise(name)) if t)
    return out


def grams(token: str) -> set[str]:
    return {token[i : i + 3] for i in range(len(token) - 2)}


def variants(token: str) -> set[str]:
    if len(token) < 4:  # one edit away from a 3-letter word is almost every word
        return {token}
    return {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}


# Built once: registering a patient (by hand, or by a feed hundreds a second) runs them all.
_TOKEN_IDS = select(NameTokenRow.token, NameTokenRow.id).where(
    NameTokenRow.token.in_(bindparam("tokens", expanding=True))
)
_UNINDEX = delete(PatientNameTokenRow).where(PatientNameTokenRow.patient_id == bindparam("patient"))
_IGNORING: dict[tuple[str, str], Insert] = {}
_PATIENT_TOKENS = cast(Table, PatientNameTokenRow.__table__)


def insert_ignoring_duplicates(
    session: Session, table: type[Base], rows: list[dict[str, object]]
) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    stmt = _IGNORING.get((dialect, table.__tablename__))
    if stmt is None:
        make = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = _IGNORING[(dialect, table.__tablename__)] = make(table).on_conflict_do_nothing()
    session.execute(stmt, rows)


_MET = "pcc_name_tokens"  # session.info: token -> id, while the session defers its inserts


def ensure_tokens(session: Session, words: Iterable[str]) -> dict[str, int]:
    """Token ids for `words`, creating tokens (with their grams and variants) as needed. A
    session that defers its inserts (a feed's batch) keeps the ids it met: a token is never
    deleted, and that session's work is rolled back whole or not at all."""
    met: dict[str, int] | None = None
    if deferred_inserts.active(session):
        met = session.info.setdefault(_MET, {})
        words = set(words)
        if words <= met.keys():
            return {w: met[w] for w in words}
    found = _ensure_tokens(session, words)
    if met is not None:
        met.update(found)
    return found


def _ensure_tokens(session: Session, words: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(words))
    if not wanted:
        return {}
    # Tokens name no patient: what the session has pending need not be flushed to read them
    # (a feed's batch flushes its new patients together, at its end).
    with session.no_autoflush:
        return _token_ids(session, wanted)


def _token_ids(session: Session, wanted: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(wanted, 500):
        found.update((t, tid) for t, tid in session.execute(_TOKEN_IDS, {"tokens": chunk}))
    missing = [w for w in wanted if w not in found]
    if missing:
        insert_ignoring_duplicates(session, NameTokenRow, [{"token": w} for w in missing])
        for chunk in _chunks(missing, 500):
            found.update((t, tid) for t, tid in session.execute(_TOKEN_IDS, {"tokens": chunk}))
        gram_rows = [{"gram": g, "token_id": found[w]} for w in missing for g in grams(w)]
        variant_rows = [{"variant": v, "token_id": found[w]} for w in missing for v in variants(w)]
        insert_ignoring_duplicates(session, NameGramRow, gram_rows)
        insert_ignoring_duplicates(session, NameVariantRow, variant_rows)
    return found


def index_patient_names(
    session: Session, patient_id: int, family: str, given: str, *, new: bool = False
) -> None:
    """Refresh the search keys of one patient (derived rows, rebuilt on every rename; a
    `new` patient has none to clear)."""
    ids = ensure_tokens(session, tokens(family, given))
    rows: list[dict[str, object]] = [
        {"token_id": tid, "patient_id": patient_id} for tid in ids.values()
    ]
    if new and deferred_inserts.active(session):  # a new patient's keys cannot be there yet
        for row in rows:
            deferred_inserts.add(session, _PATIENT_TOKENS, row)
        return
    if not new:
        session.execute(_UNINDEX, {"patient": patient_id})
    insert_ignoring_duplicates(session, PatientNameTokenRow, rows)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
