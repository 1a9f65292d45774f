"""Patient search: name prefix, substring, MRN, birth date, and one typo per word."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, intersect, or_, select, text
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import RecordStatus
from pcc_tui.core.domain.read_models import PatientRef, SearchHit, SearchMatch
from pcc_tui.core.store.queries.names import grams, tokens, variants
from pcc_tui.core.store.queries.rows import patient_ref, patient_ref_columns
from pcc_tui.core.store.tables import (
    NameGramRow,
    NameTokenRow,
    NameVariantRow,
    PatientNameTokenRow,
    PatientRow,
)

# ISO (1956-03-14), day.month.year (14.03.1956), US month/day/year (03/14/1956).
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y")
_MRN = re.compile(r"^[A-Za-z]{0,4}-?\d[A-Za-z0-9-]*$")
_RANK = {
    SearchMatch.MRN: 0,
    SearchMatch.BIRTH_DATE: 1,
    SearchMatch.EXACT: 1,
    SearchMatch.PREFIX: 2,
    SearchMatch.SUBSTRING: 3,
    SearchMatch.FUZZY: 4,
}
_TOKEN_CAP = 400  # words per query term; more than this and the term is too vague to rank


def parse_birth_date(word: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(word, fmt).date()
        except ValueError:
            continue
    return None


def _term_tokens(session: Session, term: str) -> dict[int, SearchMatch]:
    """Token ids matching `term` with how they matched; fuzzy only if nothing else did."""
    found: dict[int, SearchMatch] = {}
    prefix_rows = session.execute(
        select(NameTokenRow.id, NameTokenRow.token)
        .where(NameTokenRow.token >= term, NameTokenRow.token < term + "\uffff")
        .limit(_TOKEN_CAP)
    ).all()
    for tid, tok in prefix_rows:
        found[tid] = SearchMatch.EXACT if tok == term else SearchMatch.PREFIX
    term_grams = grams(term)
    if term_grams:
        having = func.count(NameGramRow.gram) == len(term_grams)
        candidates = (
            select(NameGramRow.token_id)
            .where(NameGramRow.gram.in_(term_grams))
            .group_by(NameGramRow.token_id)
            .having(having)
        )
        sub_rows = session.execute(
            select(NameTokenRow.id, NameTokenRow.token)
            .where(NameTokenRow.id.in_(candidates))
            .limit(_TOKEN_CAP)
        ).all()
        for tid, tok in sub_rows:
            if term in tok:
                found.setdefault(tid, SearchMatch.SUBSTRING)
    if found:
        return found
    fuzzy_rows = session.execute(
        select(NameVariantRow.token_id, NameTokenRow.token)
        .join(NameTokenRow, NameTokenRow.id == NameVariantRow.token_id)
        .where(NameVariantRow.variant.in_(variants(term)))
        .distinct()
        .limit(_TOKEN_CAP)
    ).all()
    for tid, tok in fuzzy_rows:
        if _one_edit(term, tok):
            found[tid] = SearchMatch.FUZZY
    return found


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (a swap of neighbours counts as one edit)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


def search_patients(session: Session, query: str, limit: int = 30) -> list[SearchHit]:
    words = query.split()
    if not words:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # psycopg prepares a statement run five times, and PostgreSQL then plans it once for
        # any word ids: that generic plan read every patient (90 ms a search at 10,000).
        # Planned for the ids at hand each time, a search's statements take a millisecond.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    birth: date | None = None
    name_words: list[str] = []
    mrn_word: str | None = None
    for word in words:
        parsed = parse_birth_date(word)
        if parsed:
            birth = parsed
        elif _MRN.match(word) and mrn_word is None:
            mrn_word = word
        else:
            name_words.append(word)

    base: Select[Any] = select(*patient_ref_columns()).where(
        PatientRow.status != RecordStatus.ENTERED_IN_ERROR
    )
    if birth:
        base = base.where(PatientRow.birth_date == birth)
    if mrn_word:
        # As typed and in capitals: the site's MRNs are upper case, an EHR's may not be
        # (Synthea's are lower-case UUIDs).
        prefix = or_(
            *(
                and_(PatientRow.mrn >= w, PatientRow.mrn < w + "\uffff")
                for w in dict.fromkeys((mrn_word.upper(), mrn_word))
            )
        )
        if mrn_word.isdigit() and len(mrn_word) <= 6:
            # Lists show an MRN's tail ("..0033"): find by it too (a scan, bounded by limit).
            prefix = or_(prefix, PatientRow.mrn.endswith(mrn_word, autoescape=True))
        base = base.where(prefix)

    terms = sorted(tokens(*name_words), key=len, reverse=True)
    per_term: list[Select[Any]] = []
    for term in terms:
        matched = _term_tokens(session, term)
        if not matched:
            return []
        per_term.append(
            select(PatientNameTokenRow.patient_id).where(
                PatientNameTokenRow.token_id.in_(list(matched))
            )
        )
    if per_term:
        # Patients with every word, from the word index alone: one IN per word let
        # PostgreSQL hash each word's patients against a scan of every patient (280 ms at
        # a million for "roberts si"); intersecting the index's ids first takes ~10.
        both = per_term[0] if len(per_term) == 1 else intersect(*per_term)
        base = base.where(PatientRow.id.in_(both))
    if not (terms or birth or mrn_word):
        return []
    rows = session.execute(base.limit(limit * 4)).all()
    hits = [
        SearchHit(
            patient=PatientRef.model_construct(**patient_ref(r)),
            match=_match_of(r, terms, mrn_word, birth),
        )
        for r in rows
    ]
    hits.sort(key=lambda h: (_RANK[h.match], h.patient.family_name, h.patient.given_name))
    return hits[:limit]


def _match_of(
    row: Sequence[object], terms: list[str], mrn_word: str | None, birth: date | None
) -> SearchMatch:
    if not terms:
        return SearchMatch.MRN if mrn_word else SearchMatch.BIRTH_DATE
    # The weakest word decides: "smith jo" is a prefix match even though "smith" is exact.
    names = tokens(str(row[2]), str(row[3]))
    return max((_word_match(t, names) for t in terms), key=lambda m: _RANK[m])


def _word_match(term: str, names: set[str]) -> SearchMatch:
    if term in names:
        return SearchMatch.EXACT
    if any(n.startswith(term) for n in names):
        return SearchMatch.PREFIX
    if any(term in n for n in names):
        return SearchMatch.SUBSTRING
    return SearchMatch.FUZZY
